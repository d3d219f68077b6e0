// Package site is what the pages (web/ui), the JSON API (web/api) and the
// web app's middleware (web) share about one request: who may use a route,
// who is asking, in which language, and how a use case's refusal reads and
// which status it answers with. It holds no handler.
package site

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
)

// Route is one endpoint with the access it requires. Each package that
// serves endpoints declares its routes in one table; web mounts them and
// authorises every request against Access before Handler runs.
type Route struct {
	Method, Path string
	Access       Access
	Handler      gin.HandlerFunc
	// Enrolment: a session that must set TOTP up first reaches this route
	// as its user (DuringEnrolment); it reaches no other but public ones.
	Enrolment bool
}

// DuringEnrolment lets a session that must set TOTP up use the route.
func (r Route) DuringEnrolment() Route { r.Enrolment = true; return r }

// APIPrefix is where the JSON API lives.
const APIPrefix = "/api/v1"

// The cookies and form fields of a session and its CSRF token.
const (
	SessionCookie = "valghalla_session"
	CSRFCookie    = "valghalla_csrf" // double-submit token before login
	CSRFField     = "csrf_token"
	CSRFHeader    = "X-CSRF-Token"
	// MinSideCookie holds a volunteer's session on Min side: apart from
	// the staff's session cookie.
	MinSideCookie = "valghalla_minside"
)

// IsAPI tells whether the request is one of the JSON API's.
func IsAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, APIPrefix+"/") }

// Cookies sets and clears the site's cookies: HttpOnly, SameSite=Lax, and
// Secure whenever the site is served over https.
type Cookies struct{ Secure bool }

// Set sets cookie name for maxAge seconds (0: for the browser session).
func (k Cookies) Set(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: k.Secure, SameSite: http.SameSiteLaxMode})
}

// Clear removes cookie name.
func (k Cookies) Clear(c *gin.Context, name string) { k.Set(c, name, "", -1) }

// Handle is the route of method and path, for a.
func Handle(method, path string, a Access, h gin.HandlerFunc) Route {
	return Route{Method: method, Path: path, Access: a, Handler: h}
}

// StartVolunteerSession sets the Min side cookie to a volunteer session's
// token (from selfservice.SignInByLink or SignInByCPR): HttpOnly,
// SameSite=Lax, Secure over https, for the session's lifetime.
func (k Cookies) StartVolunteerSession(c *gin.Context, token string) {
	k.Set(c, MinSideCookie, token, int(models.MinSideSessionMax.Seconds()))
}
