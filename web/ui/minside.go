package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/selfservice"
	"github.com/valghalla/valghalla/web/site"
)

// Min side, the volunteers' own site (issue 19; selfservice). A volunteer
// logs in by a one-time link sent to an address the municipality holds for
// them: the page that asks for it answers the same whether or not the
// address is known, the link's GET only shows a button (a link scanner
// must not spend it) and its POST starts the volunteer session. Every id a
// volunteer sends is checked against their session's person by the use
// case: another person's is 404, as an unknown one.

const minSidePath = "/minside"

// minSideNotices are the notes Min side shows after an action.
var minSideNotices = []string{"answer.thanks.ja", "answer.thanks.nej", "answer.thanks.fjern", "answer.thanks.afbud",
	"minside.contact.saved", "minside.contact.unchanged", "minside.delete.registered"}

// minSideView is a Min side page: the citizen layout's fields and the
// page's own.
type minSideView struct {
	Page
	Self     string
	Notice   string
	Refusal  string
	Contact  models.Municipality
	Name     string
	Tasks    []selfservice.Task
	Refused  int64 // the task the refusal is about
	Deletion bool  // the person has asked to be deleted
	// Led are the stations the volunteer leads (their check-in lists).
	Led []models.LedStation
	// The contact form.
	Mobile, Email, Channel string
	Version                int64
	Errors                 map[string]string
	Channels               []string // the preferred channels offered
	// The login pages.
	Address string
	Sent    bool
	MitID   bool // MitID is offered (OIDC_ISSUER is set)
}

func (s *server) renderMinSide(c *gin.Context, status int, name, title string, v *minSideView) {
	v.Self, v.Contact, v.MitID = minSidePath, s.secretariat(c), s.MitID.Enabled()
	v.Channels = []string{"", string(models.ChannelDigitalPost), string(models.ChannelEmail), string(models.ChannelSMS)}
	if vol := site.VolunteerOf(c); vol != nil {
		v.Name = vol.Name
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, status, name, title, v)
}

// minSideLoginForm asks for the e-mail address or mobile number.
func (s *server) minSideLoginForm(c *gin.Context) {
	if site.VolunteerOf(c) != nil {
		c.Redirect(http.StatusSeeOther, minSidePath)
		return
	}
	s.renderMinSide(c, http.StatusOK, "minside_login.html", "minside.login.title", &minSideView{})
}

// minSideRequestLink sends a login link to every person the address is
// held for, and answers alike whether or not there is one.
func (s *server) minSideRequestLink(c *gin.Context) {
	address := c.PostForm("adresse")
	if strings.TrimSpace(address) == "" {
		s.renderMinSide(c, http.StatusBadRequest, "minside_login.html", "minside.login.title",
			&minSideView{Errors: map[string]string{"adresse": site.T(c)("minside.login.missing")}})
		return
	}
	s.SelfService.RequestLink(c.Request.Context(), address)
	s.renderMinSide(c, http.StatusOK, "minside_login.html", "minside.login.title", &minSideView{Sent: true})
}

// minSideLinkForm shows the button that logs in with a link; it writes
// nothing.
func (s *server) minSideLinkForm(c *gin.Context) {
	if err := s.SelfService.CheckLink(c.Request.Context(), c.Param("token")); err != nil {
		s.minSideLinkGone(c, err)
		return
	}
	s.renderMinSide(c, http.StatusOK, "minside_link.html", "minside.login.title", &minSideView{})
}

func (s *server) minSideLinkGone(c *gin.Context, err error) {
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusNotFound {
		s.renderMinSide(c, http.StatusNotFound, "minside_login.html", "minside.login.title",
			&minSideView{Refusal: site.ErrText(c, err)})
		return
	}
	s.fail(c, err)
}

// minSideSignIn spends the link and starts the volunteer session.
func (s *server) minSideSignIn(c *gin.Context) {
	token, err := s.SelfService.SignInByLink(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.minSideLinkGone(c, err)
		return
	}
	s.cookies.StartVolunteerSession(c, token)
	c.Redirect(http.StatusSeeOther, minSidePath)
}

// minSideMitID starts the volunteer session of the person MitID names;
// nobody of that CPR number is the same refusal page as every other.
func (s *server) minSideMitID(c *gin.Context, r mitid.Result) {
	token, err := s.SelfService.SignInByCPR(c.Request.Context(), r.CPR.Digits())
	if err != nil {
		s.mitidRefused(c, err)
		return
	}
	s.cookies.StartVolunteerSession(c, token)
	c.Redirect(http.StatusSeeOther, minSidePath)
}

// minSideLogout ends the volunteer session.
func (s *server) minSideLogout(c *gin.Context) {
	if token, err := c.Cookie(site.MinSideCookie); err == nil {
		s.SelfService.SignOut(c.Request.Context(), token)
	}
	s.cookies.Clear(c, site.MinSideCookie)
	c.Redirect(http.StatusSeeOther, minSidePath+"/log-ind")
}

// minSideTasks is Min side's front page: every task with its state and
// what the person may do.
func (s *server) minSideTasks(c *gin.Context) {
	s.renderTasks(c, http.StatusOK, noticeOf(c, minSideNotices...), "", 0)
}

func (s *server) renderTasks(c *gin.Context, status int, notice, refusal string, refused int64) {
	v := *site.VolunteerOf(c)
	tasks, err := s.SelfService.Tasks(c.Request.Context(), v)
	if err != nil {
		s.fail(c, err)
		return
	}
	deletion, err := s.SelfService.DeletionRequested(c.Request.Context(), v)
	if err != nil {
		s.fail(c, err)
		return
	}
	led, err := s.ElectionDay.LedStations(c.Request.Context(), v.ParticipantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderMinSide(c, status, "minside_tasks.html", "minside.title",
		&minSideView{Tasks: tasks, Notice: notice, Refusal: refusal, Refused: refused, Deletion: deletion, Led: led})
}

// minSideAnswer answers an invitation or withdraws a yes, through the
// lifecycle as the answer link does, with its refusals.
func (s *server) minSideAnswer(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(c)
		return
	}
	choice := c.PostForm("svar")
	_, err = s.SelfService.Answer(c.Request.Context(), *site.VolunteerOf(c), id, recruit.Choice(choice))
	if err == nil {
		c.Redirect(http.StatusSeeOther, minSidePath+"?besked=answer.thanks."+choice)
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused:
		s.renderTasks(c, answerStatus(status), "", site.ErrText(c, err), id)
	default:
		s.fail(c, err)
	}
}

// minSideContactForm shows the person's own contact data.
func (s *server) minSideContactForm(c *gin.Context) {
	p, err := s.SelfService.Contact(c.Request.Context(), *site.VolunteerOf(c))
	if s.readFailed(c, err) {
		return
	}
	s.renderMinSide(c, http.StatusOK, "minside_contact.html", "minside.contact.title", &minSideView{
		Mobile: p.Mobile.Reveal(), Email: p.Email.Reveal(), Channel: string(p.PreferredChannel), Version: p.Version})
}

// minSideSaveContact saves the person's contact data; a refusal shows the
// form again with what was typed.
func (s *server) minSideSaveContact(c *gin.Context) {
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	in := selfservice.ContactEdit{Mobile: c.PostForm("mobil"), Email: c.PostForm("email"),
		Channel: models.Channel(c.PostForm("kanal")), Version: version}
	changed, err := s.SelfService.EditContact(c.Request.Context(), *site.VolunteerOf(c), in)
	if err == nil {
		notice := "minside.contact.saved"
		if len(changed) == 0 {
			notice = "minside.contact.unchanged"
		}
		c.Redirect(http.StatusSeeOther, minSidePath+"?besked="+notice)
		return
	}
	status, refused := site.RefusalStatus(err)
	if !refused {
		s.fail(c, err)
		return
	}
	v := &minSideView{Mobile: in.Mobile, Email: in.Email, Channel: string(in.Channel), Version: version}
	if ue, ok := models.AsUserError(err); ok && ue.Field != "" {
		v.Errors = map[string]string{contactFormField(ue.Field): site.ErrText(c, err)}
	} else {
		v.Refusal = site.ErrText(c, err)
	}
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	s.renderMinSide(c, status, "minside_contact.html", "minside.contact.title", v)
}

// contactFormField is the form's name of a refused field.
func contactFormField(field string) string {
	switch field {
	case "mobile":
		return "mobil"
	case "preferred_channel":
		return "kanal"
	}
	return field
}

// minSideExport downloads everything held about the person: the
// subject-access export, audited. By POST (CSRF), since it is logged.
func (s *server) minSideExport(c *gin.Context) {
	out, err := s.SelfService.Export(c.Request.Context(), *site.VolunteerOf(c))
	if s.readFailed(c, err) {
		return
	}
	s.jsonAttachment(c, "mine-data.json", out)
}

// minSideRequestDeletion records the person's request to be deleted.
func (s *server) minSideRequestDeletion(c *gin.Context) {
	if err := s.SelfService.RequestDeletion(c.Request.Context(), *site.VolunteerOf(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, minSidePath+"?besked=minside.delete.registered")
}

// deletionRequests is the staff's list of volunteers who asked to be
// deleted.
func (s *server) deletionRequests(c *gin.Context) {
	s.renderDeletionRequests(c, http.StatusOK, noticeOf(c, "minside.requests.erased"), "")
}

func (s *server) renderDeletionRequests(c *gin.Context, status int, notice, refusal string) {
	rs, err := s.SelfService.DeletionRequests(c.Request.Context(), *site.User(c))
	if s.readFailed(c, err) {
		return
	}
	s.render(c, status, "deletion_requests.html", "minside.requests.title", map[string]any{
		"Requests": rs, "Notice": notice, "Refusal": refusal, "MayAct": site.StaffWrite.Allows(site.User(c))})
}

// eraseOnRequest erases the person of a deletion request, their
// lifecycles ended; refused while a current election needs them.
func (s *server) eraseOnRequest(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := s.SelfService.Erase(c.Request.Context(), *site.User(c), id)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/sletteanmodninger?besked=minside.requests.erased")
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	case refused:
		s.renderDeletionRequests(c, status, "", site.ErrText(c, err))
	default:
		s.fail(c, err)
	}
}
