package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
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
	u := pendingUser(c)
	if u == nil {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	next := localPath(c.PostForm("next"))
	token, _ := c.Cookie(site.SessionCookie)
	err := s.Accounts.CheckCode(c.Request.Context(), *u, token, c.PostForm("code"))
	switch {
	case errors.Is(err, accounts.ErrThrottled):
		s.render(c, http.StatusTooManyRequests, "code.html", "code.title", map[string]any{"Error": "login.throttled", "Next": next})
		return
	case errors.Is(err, accounts.ErrCodesUsed):
		// The login is gone: back to the password.
		s.cookies.Clear(c, site.SessionCookie)
		s.render(c, http.StatusTooManyRequests, "login.html", "login.title", map[string]any{"Error": "code.used", "Next": next})
		return
	case errors.Is(err, accounts.ErrWrongCode):
		s.render(c, http.StatusUnauthorized, "code.html", "code.title", map[string]any{"Error": "code.wrong", "Next": next})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	if next == "" {
		next = "/konto"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// totpSetup offers staff a second factor: a fresh secret to put in an
// authenticator app, confirmed with one code from it.
func (s *server) totpSetup(c *gin.Context) {
	u := site.User(c)
	on, err := s.Accounts.HasTOTP(c.Request.Context(), u.ID)
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
	uri, err := s.Accounts.TOTPURI(c.Request.Context(), *site.User(c), secret)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "totp.html", "totp.title", map[string]any{
		"Secret": secret, "Grouped": groupBy4(secret), "URI": uri, "Error": errKey,
	})
}

func (s *server) totpEnable(c *gin.Context) {
	secret := c.PostForm("secret")
	err := s.Accounts.EnableTOTP(c.Request.Context(), *site.User(c), secret, c.PostForm("code"))
	switch {
	case errors.Is(err, accounts.ErrWrongCode):
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
