package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/selfservice"
	"github.com/valghalla/valghalla/web/site"
)

// The middleware every route passes before its handler: who is asking
// (session cookie or API token), whether they may, and whether a
// state-changing request carries its CSRF token.

// loadSession puts the logged-in user, if any, into the request context.
func (s *server) loadSession(c *gin.Context) {
	token, err := c.Cookie(site.SessionCookie)
	if err == nil && token != "" {
		sess, u, err := s.Accounts.Session(c.Request.Context(), token)
		switch {
		case err == nil && sess.SecondFactorDue:
			// Password right, code not yet given: only the code page.
			site.Pending(c, &u, &sess)
		case err == nil && sess.EnrolmentDue:
			// Password right, TOTP still to set up: only the enrolment.
			site.Enrolling(c, &u, &sess)
		case err == nil:
			site.SignedIn(c, &u, &sess)
		case errors.Is(err, accounts.ErrNoSession):
			s.cookies.Clear(c, site.SessionCookie)
		default:
			s.Log.ErrorContext(c.Request.Context(), "session lookup failed", "error", err)
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
	}
	if !s.loadVolunteer(c) {
		return
	}
	c.Next()
}

// loadVolunteer puts the volunteer of a Min side session, if any, into the
// request context; false when the lookup failed (answered 500).
func (s *server) loadVolunteer(c *gin.Context) bool {
	token, err := c.Cookie(site.MinSideCookie)
	if err != nil || token == "" {
		return true
	}
	v, err := s.SelfService.Session(c.Request.Context(), token)
	switch {
	case err == nil:
		site.SignedInVolunteer(c, &v)
	case errors.Is(err, selfservice.ErrNoSession):
		s.cookies.Clear(c, site.MinSideCookie)
	default:
		s.Log.ErrorContext(c.Request.Context(), "volunteer session lookup failed", "error", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return false
	}
	return true
}

// enrolment keeps a session whose user must set TOTP up (and has not)
// to the routes of the enrolment: there it is its user, before authorize;
// every other page sends it to the enrolment page, every other API route
// refuses it (403). On public routes it is nobody, as everywhere else.
func (s *server) enrolment(rt site.Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := site.EnrollingUser(c)
		switch {
		case u == nil || rt.Access == site.Public || rt.Access == site.ProviderSigned:
		case rt.Enrolment:
			site.SignedIn(c, u, site.Session(c))
		case site.IsAPI(c):
			apiError(c, http.StatusForbidden, site.T(c)("api.forbidden"))
			return
		default:
			c.Redirect(http.StatusSeeOther, "/konto/totp")
			c.Abort()
			return
		}
		c.Next()
	}
}

// authorize enforces a route's access on the server, for every request.
func (s *server) authorize(a site.Access) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := site.User(c)
		if a.Allows(u) || (a == site.Volunteer && site.VolunteerOf(c) != nil) {
			c.Next()
			return
		}
		if a == site.Volunteer && u == nil {
			// Min side's own login, not the staff's.
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/minside/log-ind")
			} else {
				s.pages.Refuse(c, http.StatusUnauthorized, "auth.required", "auth.required")
			}
			c.Abort()
			return
		}
		if site.IsAPI(c) {
			if u == nil {
				apiError(c, http.StatusUnauthorized, site.T(c)("api.unauthenticated"))
				return
			}
			s.Log.WarnContext(c.Request.Context(), "access refused", "user_id", u.ID, "role", u.Role, "route", c.FullPath())
			apiError(c, http.StatusForbidden, site.T(c)("api.forbidden"))
			return
		}
		if u == nil {
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			} else {
				s.pages.Refuse(c, http.StatusUnauthorized, "auth.required", "auth.required")
			}
			c.Abort()
			return
		}
		s.Log.WarnContext(c.Request.Context(), "access refused", "user_id", u.ID, "role", u.Role, "route", c.FullPath())
		s.pages.Refuse(c, http.StatusForbidden, "auth.forbidden", "auth.forbidden")
		c.Abort()
	}
}

// checkCSRF refuses a state-changing request without the right token. The
// SameSite cookies already stop most cross-site posts; this stops the rest.
func (s *server) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	var want string
	if sess := site.Session(c); sess != nil {
		want = sess.CSRFToken
	} else {
		want, _ = c.Cookie(site.CSRFCookie)
	}
	got := c.GetHeader(site.CSRFHeader)
	if got == "" {
		got = c.PostForm(site.CSRFField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.pages.Refuse(c, http.StatusForbidden, "csrf.title", "csrf.body")
		c.Abort()
		return
	}
	c.Next()
}

// apiAuth authenticates an API request: by its bearer token when it has an
// Authorization header (a wrong token is refused, never ignored), else by
// the session cookie.
func (s *server) apiAuth(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		s.loadSession(c)
		return
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		apiError(c, http.StatusUnauthorized, site.T(c)("api.badtoken"))
		return
	}
	u, t, err := s.Accounts.APITokenUser(c.Request.Context(), strings.TrimSpace(token))
	switch {
	case errors.Is(err, accounts.ErrNoAPIToken):
		apiError(c, http.StatusUnauthorized, site.T(c)("api.badtoken"))
		return
	case err != nil:
		s.Log.ErrorContext(c.Request.Context(), "api token lookup failed", "error", err)
		apiError(c, http.StatusInternalServerError, site.T(c)("api.failed"))
		return
	}
	site.SignedInByToken(c, &u, &t)
	c.Next()
	// Every request made with a token is audited, refused ones included,
	// with the token's name: the route's pattern, never its path or query.
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.Accounts.AuditAPITokenUse(ctx, u, t, c.Request.Method, c.FullPath(), c.Writer.Status()); err != nil {
		s.Log.ErrorContext(ctx, "audit of an API token's use failed", "token_id", t.ID, "error", err)
	}
}

// apiCSRF asks a state-changing request made with a session for the
// session's CSRF token in the header; a bearer token needs none.
func (s *server) apiCSRF(c *gin.Context) {
	sess := site.Session(c)
	switch {
	case c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead || c.Request.Method == http.MethodOptions,
		site.ByAPIToken(c), sess == nil:
		c.Next()
	case subtle.ConstantTimeCompare([]byte(c.GetHeader(site.CSRFHeader)), []byte(sess.CSRFToken)) == 1:
		c.Next()
	default:
		apiError(c, http.StatusForbidden, site.T(c)("api.csrf"))
	}
}

// apiError answers an API request with {"error": msg}.
func apiError(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}
