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

// users lists the logins, those whose name or e-mail holds ?q= when it is
// given; administrators only.
func (s *server) users(c *gin.Context) {
	v, err := s.Accounts.Users(c.Request.Context(), c.Query("q"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderView(c, http.StatusOK, "users.html", "users.title", &usersView{UsersView: v,
		Notice: noticeOf(c, "users.created", "users.created.mail", "users.created.nomail", "users.totpreset")})
}

// usersView is the users page.
type usersView struct {
	Page
	accounts.UsersView
	Notice string
}

// newUserForm shows the form that creates a login.
func (s *server) newUserForm(c *gin.Context) {
	s.renderUserForm(c, http.StatusOK, "", models.NewUser{Role: models.RolePartySecretary}, true)
}

func (s *server) renderUserForm(c *gin.Context, status int, errMsg string, in models.NewUser, sendMail bool) {
	v := &userFormView{Error: errMsg, SendMail: sendMail}
	if !s.userChoices(c, &v.userChoices, in) {
		return
	}
	s.renderView(c, status, "user_new.html", "users.new", v)
}

// userChoices is what the form of a login offers to choose from, and what
// was chosen.
type userChoices struct {
	Form     models.NewUser
	Parties  []models.Party
	Roles    []models.Role
	Stations []models.PollingStation
	Chosen   map[int64]bool // the stations of Form
}

// userChoices fills in v for the form in, or answers the failure and
// reports false.
func (s *server) userChoices(c *gin.Context, v *userChoices, in models.NewUser) bool {
	ctx := c.Request.Context()
	var err error
	if v.Parties, err = s.Accounts.Parties(ctx); err == nil {
		v.Stations, err = s.Accounts.Stations(ctx)
	}
	if err != nil {
		s.fail(c, err)
		return false
	}
	v.Form, v.Chosen = in, map[int64]bool{}
	v.Roles = []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary}
	for _, id := range in.StationIDs {
		v.Chosen[id] = true
	}
	return true
}

// userFormView is the form that creates a login, again with what was typed
// when it was refused.
type userFormView struct {
	Page
	userChoices
	Error    string
	SendMail bool // e-mail the one-time link
}

// userForm reads the fields of a login's form: name, e-mail, role, party
// and the stations a party secretary is limited to.
func userForm(c *gin.Context) models.NewUser {
	in := models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: models.Role(c.PostForm("role")),
		StationLimited: c.PostForm("station_limited") == "on"}
	if id, err := strconv.ParseInt(c.PostForm("party_id"), 10, 64); err == nil && id > 0 {
		in.PartyID = &id
	}
	for _, v := range c.PostFormArray("station") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.StationIDs = append(in.StationIDs, id)
		}
	}
	return in
}

// createUser creates a login and, with the tick box (the seed's «Påmind
// bruger om ny konto»), e-mails the person a one-time link.
func (s *server) createUser(c *gin.Context) {
	in := userForm(c)
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

// userEditView is the page of one login: its form, its state, and the
// buttons that deactivate it, reactivate it and send its link again.
type userEditView struct {
	Page
	refusal
	userChoices
	Account models.User
	HasTOTP bool
	Notice  string
}

// userEdit shows the page of a login.
func (s *server) userEdit(c *gin.Context) {
	s.renderUserEdit(c, http.StatusOK, nil, refusal{})
}

// renderUserEdit shows the page of the login :id, with the form as typed
// (in, when not nil) and the refusal r.
func (s *server) renderUserEdit(c *gin.Context, status int, in *models.NewUser, r refusal) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	e, err := s.Accounts.User(c.Request.Context(), *site.User(c), id)
	if s.readFailed(c, err) {
		return
	}
	if in == nil {
		in = &e.Form
	}
	v := &userEditView{refusal: r, Account: e.User, HasTOTP: e.HasTOTP,
		Notice: noticeOf(c, "users.saved", "users.deactivated", "users.reactivated", "users.linksent", "users.linksent.nomail")}
	if !s.userChoices(c, &v.userChoices, *in) {
		return
	}
	s.renderView(c, status, "user_edit.html", "users.edit", v)
}

// saveUser changes a login's name, e-mail, role, party and stations.
func (s *server) saveUser(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	in := userForm(c)
	_, err := s.Accounts.UpdateUser(c.Request.Context(), *site.User(c), id, in)
	if s.pageRefused(c, err, func(status int, r refusal) { s.renderUserEdit(c, status, &in, r) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/brugere/"+strconv.FormatInt(id, 10)+"?besked=users.saved")
}

// deactivateUser stops a login at once: its sessions, pending logins and
// API tokens end.
func (s *server) deactivateUser(c *gin.Context) {
	s.userAction(c, func(actor models.User, id int64) (string, error) {
		return "users.deactivated", s.Accounts.DeactivateUser(c.Request.Context(), actor, id)
	})
}

// reactivateUser lets a deactivated login in again.
func (s *server) reactivateUser(c *gin.Context) {
	s.userAction(c, func(actor models.User, id int64) (string, error) {
		return "users.reactivated", s.Accounts.ReactivateUser(c.Request.Context(), actor, id)
	})
}

// resendAccountLink sends a login a new one-time link; the old one dies.
func (s *server) resendAccountLink(c *gin.Context) {
	s.userAction(c, func(actor models.User, id int64) (string, error) {
		invited, err := s.Accounts.ResendAccountLink(c.Request.Context(), actor, id)
		if !invited {
			return "users.linksent.nomail", err
		}
		return "users.linksent", err
	})
}

// userAction does act to the login :id and goes back to its page with the
// notice act names, or shows the page with the refusal.
func (s *server) userAction(c *gin.Context, act func(actor models.User, id int64) (notice string, err error)) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	notice, err := act(*site.User(c), id)
	if s.pageRefused(c, err, func(status int, r refusal) { s.renderUserEdit(c, status, nil, r) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/brugere/"+strconv.FormatInt(id, 10)+"?besked="+notice)
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
