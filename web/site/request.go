package site

import (
	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/selfservice"
)

// The request context's keys, set by web's middleware.
const (
	userKey        = "user"
	pendingUserKey = "pending_user"
	enrollingKey   = "enrolling_user"
	sessionKey     = "session"
	apiTokenKey    = "api_token"
	tokenKey       = "api_token_row"
	langKey        = "lang"
	volunteerKey   = "volunteer"
)

// Volunteer is the volunteer signed in on Min side; nil for none.
func VolunteerOf(c *gin.Context) *selfservice.Volunteer {
	return get[*selfservice.Volunteer](c, volunteerKey)
}

// SignedInVolunteer records the volunteer of the request's Min side
// session.
func SignedInVolunteer(c *gin.Context, v *selfservice.Volunteer) { c.Set(volunteerKey, v) }

// User is who is logged in; nil for nobody.
func User(c *gin.Context) *models.User { return get[*models.User](c, userKey) }

// PendingUser is who gave the right password and has yet to give the
// code; nil for nobody.
func PendingUser(c *gin.Context) *models.User { return get[*models.User](c, pendingUserKey) }

// Session is the logged-in (or pending) session; nil without one.
func Session(c *gin.Context) *models.Session { return get[*models.Session](c, sessionKey) }

// ByAPIToken tells whether the request was authenticated by an API token.
func ByAPIToken(c *gin.Context) bool { return c.GetBool(apiTokenKey) }

// SignedIn records a logged-in user and their session (nil for an API
// token, which has none).
func SignedIn(c *gin.Context, u *models.User, sess *models.Session) {
	c.Set(userKey, u)
	if sess != nil {
		c.Set(sessionKey, sess)
	} else {
		c.Set(apiTokenKey, true)
	}
}

// SignedInByToken records the user an API token acts as, and the token
// (its id and name, for the audit of the request).
func SignedInByToken(c *gin.Context, u *models.User, t *models.APIToken) {
	SignedIn(c, u, nil)
	c.Set(tokenKey, t)
}

// Token is the API token the request was authenticated by; nil for none.
func Token(c *gin.Context) *models.APIToken { return get[*models.APIToken](c, tokenKey) }

// Pending records a session whose second factor is due.
func Pending(c *gin.Context, u *models.User, sess *models.Session) {
	c.Set(pendingUserKey, u)
	c.Set(sessionKey, sess)
}

// Enrolling records a session whose user must set TOTP up before anything
// else: nobody, but on the routes marked DuringEnrolment.
func Enrolling(c *gin.Context, u *models.User, sess *models.Session) {
	c.Set(enrollingKey, u)
	c.Set(sessionKey, sess)
}

// EnrollingUser is who gave the right password and must set TOTP up
// before anything else; nil for nobody.
func EnrollingUser(c *gin.Context) *models.User { return get[*models.User](c, enrollingKey) }

// Enrolled records that the request's session has just set TOTP up: it
// is no longer one that must.
func Enrolled(c *gin.Context) { c.Set(enrollingKey, (*models.User)(nil)) }

func get[T any](c *gin.Context, key string) T {
	var zero T
	v, ok := c.Get(key)
	if !ok {
		return zero
	}
	t, _ := v.(T)
	return t
}
