package ui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

func pendingUser(c *gin.Context) *models.User {
	if u, ok := c.Get("pending_user"); ok {
		return u.(*models.User)
	}
	return nil
}

// codeForm asks for the TOTP code after a right password.
func (s *server) codeForm(c *gin.Context) {
	if pendingUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	s.render(c, http.StatusOK, "code.html", "code.title", map[string]any{"Next": localPath(c.Query("next"))})
}

func (s *server) checkCode(c *gin.Context) {
	ctx := c.Request.Context()
	u := pendingUser(c)
	if u == nil {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	next := localPath(c.PostForm("next"))
	now := s.Now()
	failures, err := store.FailedLoginsSince(ctx, s.DB, u.Email, now.Add(-loginWindow))
	if err != nil {
		s.fail(c, err)
		return
	}
	if failures >= maxFailedLogins {
		s.render(c, http.StatusTooManyRequests, "code.html", "code.title", map[string]any{"Error": "login.throttled", "Next": next})
		return
	}
	err = store.CheckTOTP(ctx, s.DB, u.ID, c.PostForm("code"), now)
	store.RecordLoginAttempt(ctx, s.DB, u.Email, err == nil, now)
	if errors.Is(err, store.ErrWrongCode) {
		s.render(c, http.StatusUnauthorized, "code.html", "code.title", map[string]any{"Error": "code.wrong", "Next": next})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	token, _ := c.Cookie(sessionCookie)
	if err := store.CompleteSecondFactor(ctx, s.DB, token, now); err != nil {
		s.fail(c, err)
		return
	}
	s.Log.InfoContext(ctx, "logged in with a second factor", "user_id", u.ID)
	if next == "" {
		next = "/konto"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// totpSetup offers staff a second factor: a fresh secret to put in an
// authenticator app, confirmed with one code from it.
func (s *server) totpSetup(c *gin.Context) {
	u := currentUser(c)
	on, err := store.HasTOTP(c.Request.Context(), s.DB, u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if on {
		s.render(c, http.StatusOK, "totp.html", "totp.title", map[string]any{"Enabled": true})
		return
	}
	secret, err := models.NewTOTPSecret()
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderTOTPSetup(c, http.StatusOK, secret, "")
}

func (s *server) renderTOTPSetup(c *gin.Context, status int, secret, errKey string) {
	u := currentUser(c)
	var m models.Municipality
	s.DB.WithContext(c.Request.Context()).First(&m)
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "totp.html", "totp.title", map[string]any{
		"Secret": secret, "Grouped": groupBy4(secret), "URI": models.TOTPURI(secret, "Valghalla – "+m.Name, u.Email), "Error": errKey,
	})
}

func (s *server) totpEnable(c *gin.Context) {
	secret := c.PostForm("secret")
	err := store.EnableTOTP(c.Request.Context(), s.DB, *currentUser(c), secret, c.PostForm("code"), s.Now().UTC().Truncate(time.Second))
	switch {
	case errors.Is(err, store.ErrWrongCode):
		s.renderTOTPSetup(c, http.StatusUnprocessableEntity, secret, "code.wrong")
	case err != nil:
		s.fail(c, err)
	default:
		s.render(c, http.StatusOK, "totp.html", "totp.title", map[string]any{"Enabled": true, "JustEnabled": true})
	}
}

func groupBy4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
