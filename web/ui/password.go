package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// Password reset by e-mail (/login/glemt, /login/nulstil/:token) and a
// user's change of their own password (/konto/adgangskode).

// forgotView is the form that asks for a reset link, and the answer to it.
type forgotView struct {
	Page
	refusal
	// Sent: the answer, alike for every address.
	Sent bool
}

// forgotForm asks for the address to send a reset link to.
func (s *server) forgotForm(c *gin.Context) {
	s.renderView(c, http.StatusOK, "password_forgot.html", "password.forgot.title", &forgotView{})
}

// forgot makes a reset link for the address and starts its e-mail. The
// answer is the same page whether or not the address has an account, has
// a password yet or has had its e-mails this hour: nothing typed is
// echoed, and the work that differs (the e-mail) goes on in the
// background.
func (s *server) forgot(c *gin.Context) {
	email := c.PostForm("email")
	if email == "" || len(email) > 254 || !models.CleanText(email) {
		s.renderView(c, http.StatusBadRequest, "password_forgot.html", "password.forgot.title",
			&forgotView{refusal: refusal{ErrorKey: "password.forgot.missing"}})
		return
	}
	s.Accounts.RequestPasswordReset(c.Request.Context(), email)
	s.renderView(c, http.StatusOK, "password_forgot.html", "password.forgot.title", &forgotView{Sent: true})
}

// newPasswordView is the form of a reset link: the new password twice.
type newPasswordView struct {
	Page
	refusal
	Account models.User
	Token   string
}

// resetForm is the page a reset link opens; it writes nothing.
func (s *server) resetForm(c *gin.Context) {
	u, err := s.Accounts.PasswordResetLink(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.resetLinkProblem(c, err)
		return
	}
	s.renderView(c, http.StatusOK, "password_reset.html", "password.reset.title", &newPasswordView{Account: u, Token: c.Param("token")})
}

// reset sets the new password of a reset link, which ends every session of
// its user; they then log in as usual. A password refused leaves the link
// usable for another try.
func (s *server) reset(c *gin.Context) {
	token := c.Param("token")
	u, err := s.Accounts.PasswordResetLink(c.Request.Context(), token)
	if err != nil {
		s.resetLinkProblem(c, err)
		return
	}
	again := func(r refusal) {
		s.renderView(c, http.StatusUnprocessableEntity, "password_reset.html", "password.reset.title",
			&newPasswordView{refusal: r, Account: u, Token: token})
	}
	p1 := c.PostForm("password")
	if r, bad := newPasswordRefused(c, p1, c.PostForm("password2"), "activate."); bad {
		again(r)
		return
	}
	_, err = s.Accounts.ResetPassword(c.Request.Context(), token, p1)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		again(refusal{Error: site.ErrText(c, ue)})
		return
	case err != nil:
		s.resetLinkProblem(c, err)
		return
	}
	s.render(c, http.StatusOK, "error.html", "password.reset.done.title", map[string]any{"Message": "password.reset.done", "LoginLink": true})
}

// resetLinkProblem explains a reset link that does not work. The pages say
// nothing of whose the link was.
func (s *server) resetLinkProblem(c *gin.Context, err error) {
	switch {
	case errors.Is(err, accounts.ErrLinkUsed):
		s.render(c, http.StatusGone, "error.html", "link.used.title", map[string]any{"Message": "password.link.used", "LoginLink": true})
	case errors.Is(err, accounts.ErrLinkExpired):
		s.render(c, http.StatusGone, "error.html", "link.expired.title", map[string]any{"Message": "password.link.expired", "LoginLink": true})
	case errors.Is(err, accounts.ErrLinkUnknown):
		s.render(c, http.StatusNotFound, "error.html", "link.unknown.title", map[string]any{"Message": "password.link.unknown", "LoginLink": true})
	default:
		s.fail(c, err)
	}
}

// newPasswordRefused tells why the two typed passwords cannot be chosen,
// before they are hashed: they differ, or login would refuse the password
// (control characters, broken UTF-8, longer than it takes), which would
// lock the person out. The keys are prefix + "mismatch", "badchars" and
// "toolong". The strength rules are the store's (models.HashPassword).
func newPasswordRefused(c *gin.Context, p1, p2, prefix string) (refusal, bool) {
	switch {
	case p1 != p2:
		return refusal{ErrorKey: prefix + "mismatch"}, true
	case !models.CleanText(p1):
		return refusal{ErrorKey: prefix + "badchars"}, true
	case len(p1) > maxPasswordBytes:
		return refusal{Error: site.T(c)(prefix+"toolong", maxPasswordBytes)}, true
	}
	return refusal{}, false
}

// changePasswordView is the form to change one's own password.
type changePasswordView struct {
	Page
	refusal
	Notice string
}

// changePasswordForm asks for the current password and the new one twice.
func (s *server) changePasswordForm(c *gin.Context) {
	s.renderView(c, http.StatusOK, "password_change.html", "password.change.title",
		&changePasswordView{Notice: noticeOf(c, "password.changed")})
}

// changePassword sets the user's new password; their other sessions end,
// this one stays.
func (s *server) changePassword(c *gin.Context) {
	again := func(status int, r refusal) {
		s.renderView(c, status, "password_change.html", "password.change.title", &changePasswordView{refusal: r})
	}
	current, p1 := c.PostForm("current_password"), c.PostForm("password")
	if len(current) > maxPasswordBytes {
		again(http.StatusUnprocessableEntity, refusal{ErrorKey: "error.password.wrongcurrent"})
		return
	}
	if r, bad := newPasswordRefused(c, p1, c.PostForm("password2"), "password."); bad {
		again(http.StatusUnprocessableEntity, r)
		return
	}
	token, _ := c.Cookie(site.SessionCookie)
	err := s.Accounts.ChangePassword(c.Request.Context(), *site.User(c), token, current, p1)
	if errors.Is(err, accounts.ErrThrottled) {
		again(http.StatusTooManyRequests, refusal{ErrorKey: "login.throttled"})
		return
	}
	if s.pageRefused(c, err, again) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/konto/adgangskode?besked=password.changed")
}
