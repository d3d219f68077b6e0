package ui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

const (
	// Login throttling: after maxFailedLogins failures within loginWindow an
	// account takes no more passwords until the window has passed.
	maxFailedLogins = 5
	loginWindow     = 15 * time.Minute

	// maxPasswordBytes bounds a password: login refuses a longer one, so
	// activation must too.
	maxPasswordBytes = 1024
)

// dummyHash is verified when an unknown e-mail logs in, so a wrong address
// takes as long as a wrong password and does not reveal who has an account.
var dummyHash, _ = models.HashPassword("valghalla-ingen-bruger")

// csrfToken is the token forms on this request must carry: the session's,
// or before login the double-submit cookie's (set here when missing).
func (s *server) csrfToken(c *gin.Context) string {
	if sess := currentSession(c); sess != nil {
		return sess.CSRFToken
	}
	if v, ok := c.Get(csrfCookie); ok {
		return v.(string)
	}
	token, err := c.Cookie(csrfCookie)
	if err != nil || len(token) < 32 {
		token = store.NewToken()
		s.cookies.Set(c, csrfCookie, token, 0)
	}
	c.Set(csrfCookie, token)
	return token
}

func (s *server) loginForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/konto")
		return
	}
	s.render(c, http.StatusOK, "login.html", "login.title", map[string]any{"Next": localPath(c.Query("next"))})
}

func (s *server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email := store.NormalizeEmail(c.PostForm("email"))
	password := c.PostForm("password")
	next := localPath(c.PostForm("next"))
	again := func(status int, msg string) {
		s.render(c, status, "login.html", "login.title", map[string]any{"Error": msg, "Email": email, "Next": next})
	}
	// Malformed input is refused before the attempt is recorded.
	if email == "" || password == "" || len(email) > 254 || len(password) > maxPasswordBytes || !models.CleanText(c.PostForm("email")) || !models.CleanText(password) {
		again(http.StatusBadRequest, "login.missing")
		return
	}
	now := s.Now()
	failures, err := store.FailedLoginsSince(ctx, s.DB, email, now.Add(-loginWindow))
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	if failures >= maxFailedLogins {
		s.Log.WarnContext(ctx, "login throttled", "failures", failures)
		again(http.StatusTooManyRequests, "login.throttled")
		return
	}
	var u models.User
	found := s.DB.WithContext(ctx).Where("email = ?", email).Limit(1).Find(&u).RowsAffected == 1
	hash := dummyHash
	if found && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, _ := models.VerifyPassword(hash, password)
	ok = ok && found && u.PasswordHash != ""
	if err := store.RecordLoginAttempt(ctx, s.DB, email, ok, now); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	if !ok {
		again(http.StatusUnauthorized, "login.wrong")
		return
	}
	// A new session at every login: a token planted before login is useless.
	if old, err := c.Cookie(sessionCookie); err == nil {
		store.DeleteSession(ctx, s.DB, old)
	}
	withCode, err := store.HasTOTP(ctx, s.DB, u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	create := store.CreateSession
	if withCode {
		create = store.CreatePendingSession
	}
	token, err := create(ctx, s.DB, u.ID, now)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	s.cookies.Set(c, sessionCookie, token, int(store.SessionMax.Seconds()))
	s.cookies.Clear(c, csrfCookie)
	if withCode {
		c.Redirect(http.StatusSeeOther, "/login/kode?next="+url.QueryEscape(next))
		return
	}
	s.Log.InfoContext(ctx, "logged in", "user_id", u.ID, "role", u.Role)
	if next == "" {
		next = "/konto"
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (s *server) logout(c *gin.Context) {
	if token, err := c.Cookie(sessionCookie); err == nil {
		store.DeleteSession(c.Request.Context(), s.DB, token)
	}
	s.cookies.Clear(c, sessionCookie)
	c.Redirect(http.StatusSeeOther, "/")
}

// localPath keeps a redirect target on this site: "/konto" yes,
// "//evil.example" and "https://evil.example" no.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}
