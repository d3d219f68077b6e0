package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/site"
)

// participantEditView is the form that edits a person's contact data:
// staff the person's own, a party secretary their party's. Name and
// address come from the CPR register and are not on it.
type participantEditView struct {
	Page
	P                            models.Participant
	Mobile, Email, Diet, Channel string
	Exempt                       bool
	Version                      int64
	// Staff edit the person's own data (and the Digital Post exemption);
	// a party secretary what their party typed.
	Staff bool
	// Error is a refusal not about one field; FieldErrors by field name
	// (mobile, email, preferred_channel, special_diet, digital_post_exempt).
	Error       string
	ErrorKey    string
	FieldErrors map[string]string
}

func (s *server) participantEditForm(c *gin.Context) {
	u := site.User(c)
	p, err := s.People.ContactToEdit(c.Request.Context(), *u, participantIDOf(c))
	if s.readFailed(c, err) {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, http.StatusOK, "participant_edit.html", "contact.edit.title", editViewOf(p, people.EditsAll(*u)))
}

func editViewOf(p models.Participant, staff bool) *participantEditView {
	return &participantEditView{P: p, Mobile: p.Mobile.Reveal(), Email: p.Email.Reveal(), Diet: p.SpecialDiet.Reveal(),
		Channel: string(p.PreferredChannel), Exempt: p.DigitalPostExempt, Version: p.Version, Staff: staff}
}

// saveParticipantEdit saves the form: a refusal shows the form again with
// what was typed and the error by its field; an edit someone else made in
// between shows the current data with a notice, nothing overwritten.
func (s *server) saveParticipantEdit(c *gin.Context) {
	u := site.User(c)
	id := participantIDOf(c)
	staff := people.EditsAll(*u)
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	mobile, email, diet := c.PostForm("mobile"), c.PostForm("email"), c.PostForm("diet")
	channel := models.Channel(c.PostForm("channel"))
	in := people.ContactEdit{Mobile: &mobile, Email: &email, SpecialDiet: &diet, PreferredChannel: &channel, Version: version}
	if staff {
		exempt := c.PostForm("digital_post_exempt") == "1"
		in.DigitalPostExempt = &exempt
	}
	_, _, err := s.People.EditParticipant(c.Request.Context(), *u, id, in)
	var ue *models.UserError
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(id, 10)+"?besked=contact.saved")
	case errors.As(err, &ue):
		p, rerr := s.People.ContactToEdit(c.Request.Context(), *u, id)
		if s.readFailed(c, rerr) {
			return
		}
		v := editViewOf(p, staff)
		v.Mobile, v.Email, v.Diet, v.Channel, v.Version = mobile, email, diet, string(channel), version
		if in.DigitalPostExempt != nil {
			v.Exempt = *in.DigitalPostExempt
		}
		if ue.Field != "" {
			v.FieldErrors = map[string]string{ue.Field: site.ErrText(c, ue)}
		} else {
			v.Error = site.ErrText(c, ue)
		}
		s.renderView(c, http.StatusUnprocessableEntity, "participant_edit.html", "contact.edit.title", v)
	case errors.Is(err, models.ErrStale):
		p, rerr := s.People.ContactToEdit(c.Request.Context(), *u, id)
		if s.readFailed(c, rerr) {
			return
		}
		v := editViewOf(p, staff)
		v.ErrorKey = "contact.stale"
		s.renderView(c, http.StatusConflict, "participant_edit.html", "contact.edit.title", v)
	default:
		s.readFailed(c, err)
	}
}

func init() { templateFuncs["phone"] = phone }

// phone shows a Danish mobile number in E.164 the way Danes write it,
// "+45 20 30 40 50"; any other number as stored.
func phone(e164 string) string {
	if len(e164) != 11 || !strings.HasPrefix(e164, "+45") {
		return e164
	}
	d := e164[3:]
	return "+45 " + d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8]
}
