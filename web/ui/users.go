package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// newUserForm shows the form that creates a login.
func (s *server) newUserForm(c *gin.Context) {
	s.renderUserForm(c, http.StatusOK, "", models.NewUser{Role: models.RolePartySecretary}, true)
}

func (s *server) renderUserForm(c *gin.Context, status int, errMsg string, in models.NewUser, sendMail bool) {
	parties, err := s.Accounts.Parties(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderView(c, status, "user_new.html", "users.new", &userFormView{
		Error: errMsg, Form: in, Parties: parties, SendMail: sendMail,
		Roles: []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary},
	})
}

// userFormView is the form that creates a login, again with what was typed
// when it was refused.
type userFormView struct {
	Page
	Error    string
	Form     models.NewUser
	Parties  []models.Party
	Roles    []models.Role
	SendMail bool // e-mail the one-time link
}

// createUser creates a login and, with the tick box (the seed's «Påmind
// bruger om ny konto»), e-mails the person a one-time link.
func (s *server) createUser(c *gin.Context) {
	in := models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: models.Role(c.PostForm("role"))}
	if id, err := strconv.ParseInt(c.PostForm("party_id"), 10, 64); err == nil && id > 0 {
		in.PartyID = &id
	}
	sendMail := c.PostForm("send_mail") == "on"
	_, invited, err := s.Accounts.CreateUser(c.Request.Context(), *site.User(c), in, sendMail)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderUserForm(c, http.StatusUnprocessableEntity, site.ErrText(c, ue), in, sendMail)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	notice := "users.created"
	switch {
	case invited:
		notice = "users.created.mail"
	case sendMail:
		notice = "users.created.nomail"
	}
	c.Redirect(http.StatusSeeOther, "/admin/brugere?besked="+notice)
}

// activationForm is the page a one-time link opens: choose a password.
func (s *server) activationForm(c *gin.Context) {
	u, err := s.Accounts.AccountLink(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.linkProblem(c, err)
		return
	}
	s.render(c, http.StatusOK, "activate.html", "activate.title", map[string]any{"Account": u, "Token": c.Param("token")})
}

// activate sets the password a one-time link's owner chose. A password
// the login form would refuse (control characters, broken UTF-8, longer
// than it takes) would lock the person out, so it is refused here, and the
// link stays usable for another try.
func (s *server) activate(c *gin.Context) {
	token := c.Param("token")
	u, err := s.Accounts.AccountLink(c.Request.Context(), token)
	if err != nil {
		s.linkProblem(c, err)
		return
	}
	again := func(data map[string]any) {
		data["Account"], data["Token"] = u, token
		s.render(c, http.StatusUnprocessableEntity, "activate.html", "activate.title", data)
	}
	p1 := c.PostForm("password")
	if r, bad := newPasswordRefused(c, p1, c.PostForm("password2"), "activate."); bad {
		again(map[string]any{"Error": r.ErrorKey, "ErrorText": r.Error})
		return
	}
	_, err = s.Accounts.ChoosePassword(c.Request.Context(), token, p1)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		again(map[string]any{"ErrorText": site.ErrText(c, ue)})
		return
	case err != nil:
		s.linkProblem(c, err)
		return
	}
	s.Log.InfoContext(c.Request.Context(), "password chosen through a one-time link", "user_id", u.ID)
	s.render(c, http.StatusOK, "error.html", "activate.done.title", map[string]any{"Message": "activate.done", "LoginLink": true})
}

// linkProblem explains a one-time link that does not work, as a page.
func (s *server) linkProblem(c *gin.Context, err error) {
	switch {
	case errors.Is(err, accounts.ErrLinkUsed):
		s.render(c, http.StatusGone, "error.html", "link.used.title", map[string]any{"Message": "link.used"})
	case errors.Is(err, accounts.ErrLinkExpired):
		s.render(c, http.StatusGone, "error.html", "link.expired.title", map[string]any{"Message": "link.expired"})
	case errors.Is(err, accounts.ErrLinkUnknown):
		s.render(c, http.StatusNotFound, "error.html", "link.unknown.title", map[string]any{"Message": "link.unknown"})
	default:
		s.fail(c, err)
	}
}

func (s *server) fail(c *gin.Context, err error) {
	s.Log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	c.AbortWithStatus(http.StatusInternalServerError)
}
