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
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// totpSetup offers a second factor: a fresh secret to put in an
// authenticator app, confirmed with one code from it. Staff must (a
// session that must enrol reaches this page and no other); party
// secretaries may. With TOTP on, it tells how many recovery codes are
// left and offers a fresh set; the codes themselves are never shown here.
func (s *server) totpSetup(c *gin.Context) {
	u := site.User(c)
	f, err := s.Accounts.SecondFactorOf(c.Request.Context(), *u)
	if err != nil {
		s.fail(c, err)
		return
	}
	if f.Enabled {
		s.renderTOTPEnabled(c, http.StatusOK, f, nil, "")
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
	u := site.User(c)
	uri, err := s.Accounts.TOTPURI(c.Request.Context(), *u, secret)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "totp.html", "totp.title", map[string]any{
		"Secret": secret, "Grouped": groupBy4(secret), "URI": uri, "Error": errKey,
		"MustEnrol": site.EnrollingUser(c) != nil,
	})
}

// renderTOTPEnabled shows TOTP on: with codes, the recovery codes just
// made, this once (the answer to a POST, never stored by the browser).
func (s *server) renderTOTPEnabled(c *gin.Context, status int, f accounts.SecondFactor, codes []string, errKey string) {
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "totp.html", "totp.title", map[string]any{
		"Enabled": true, "Left": f.RecoveryCodesLeft, "Codes": codes, "Error": errKey,
	})
}

// totpEnable turns TOTP on and shows the recovery codes, once. The session
// it was set up in is replaced by a full one (a new cookie), as a login
// does: a session that had to enrol is now a session like any other.
func (s *server) totpEnable(c *gin.Context) {
	u := site.User(c)
	ctx := c.Request.Context()
	if f, err := s.Accounts.SecondFactorOf(ctx, *u); err != nil || f.Enabled {
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/konto/totp") // on already: never a second secret unasked
		return
	}
	secret := c.PostForm("secret")
	token, _ := c.Cookie(site.SessionCookie)
	e, err := s.Accounts.EnableTOTP(ctx, *u, token, secret, c.PostForm("code"))
	switch {
	case errors.Is(err, accounts.ErrWrongCode):
		s.renderTOTPSetup(c, http.StatusUnprocessableEntity, secret, "code.wrong")
		return
	case errors.Is(err, accounts.ErrNoSession):
		// Replaced by a request just before, or ended: nothing was changed.
		s.cookies.Clear(c, site.SessionCookie)
		c.Redirect(http.StatusSeeOther, "/login")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.cookies.Set(c, site.SessionCookie, e.Token, int(accounts.SessionMax.Seconds()))
	sess, nu, err := s.Accounts.Session(ctx, e.Token)
	if err != nil {
		s.fail(c, err)
		return
	}
	site.Enrolled(c)
	site.SignedIn(c, &nu, &sess) // the page's forms carry the new session's token
	s.renderTOTPEnabled(c, http.StatusOK, accounts.SecondFactor{Enabled: true, RecoveryCodesLeft: int64(len(e.RecoveryCodes))}, e.RecoveryCodes, "")
}

// newRecoveryCodes replaces the user's recovery codes, once a current code
// from the app shows it is them, and shows the new ones, once.
func (s *server) newRecoveryCodes(c *gin.Context) {
	u := site.User(c)
	ctx := c.Request.Context()
	codes, err := s.Accounts.NewRecoveryCodes(ctx, *u, c.PostForm("code"))
	if errors.Is(err, accounts.ErrWrongCode) {
		f, err := s.Accounts.SecondFactorOf(ctx, *u)
		switch {
		case err != nil:
			s.fail(c, err)
		case !f.Enabled:
			c.Redirect(http.StatusSeeOther, "/konto/totp")
		default:
			s.renderTOTPEnabled(c, http.StatusUnprocessableEntity, f, nil, "code.wrong")
		}
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderTOTPEnabled(c, http.StatusOK, accounts.SecondFactor{Enabled: true, RecoveryCodesLeft: int64(len(codes))}, codes, "")
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
