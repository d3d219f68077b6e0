package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// Group messages: the staff write to everyone in an election who matches
// a filter (stations, task types, parties, states). Each person gets one
// copy on the best channel that reaches them (workflows.GroupMessage).

// groupPreviewNames is how many names the recipient preview shows.
const groupPreviewNames = 30

// groupMessageForm is what the staff typed and ticked, kept when the page
// comes back with a preview or with problems.
type groupMessageForm struct {
	Subject, Body string
	Filter        models.GroupFilter
	// ticked boxes by name and value ("station" → "12").
	ticked map[string]map[string]bool
}

func groupFormOf(c *gin.Context) groupMessageForm {
	f := groupMessageForm{Subject: c.PostForm("subject"), Body: c.PostForm("body"),
		Filter: models.GroupFilter{StationIDs: formIDs(c, "station"), TaskTypeIDs: formIDs(c, "tasktype"), PartyIDs: formIDs(c, "party")},
		ticked: map[string]map[string]bool{}}
	for _, v := range c.PostFormArray("state") {
		f.Filter.States = append(f.Filter.States, models.AssignmentState(v))
	}
	for _, name := range []string{"station", "tasktype", "party", "state"} {
		f.ticked[name] = map[string]bool{}
		for _, v := range c.PostFormArray(name) {
			f.ticked[name][v] = true
		}
	}
	return f
}

// choice is one checkbox of the filter.
type choice struct {
	Value, Label string
	Checked      bool
}

// filterGroup is one fieldset of checkboxes: the form name, its legend's
// message key and the boxes.
type filterGroup struct {
	Name, Legend string
	Choices      []choice
}

func (f groupMessageForm) choice(name, value, label string) choice {
	return choice{Value: value, Label: label, Checked: f.ticked[name][value]}
}

// groupMessages shows an election's group messages and the form that
// writes a new one.
func (s *server) groupMessages(c *gin.Context) {
	form := groupMessageForm{Subject: models.GroupMessageSubjectDefault, Body: models.GroupMessageDefault}
	s.renderGroupMessages(c, http.StatusOK, form, nil, nil)
}

// previewGroupMessage shows who the ticked filter reaches, with the form
// as typed.
func (s *server) previewGroupMessage(c *gin.Context) {
	form := groupFormOf(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	pv, err := s.Messaging.PreviewGroupMessage(c.Request.Context(), *site.User(c), id, form.Filter, groupPreviewNames)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderGroupMessages(c, http.StatusOK, form, &pv, nil)
}

// sendGroupMessage records a group message and starts its workflow. A text
// with mistakes comes back with each one, by line and column.
func (s *server) sendGroupMessage(c *gin.Context) {
	form := groupFormOf(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	_, err := s.Recruit.SendGroupMessage(c.Request.Context(), *site.User(c), form.Filter.On(models.GroupMessage{
		ElectionID: id, Subject: form.Subject, Body: form.Body}))
	var te *models.TemplateError
	status, refused := site.RefusalStatus(err)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(id, 10)+"/beskeder?besked=groupmsg.sent")
	case errors.As(err, &te):
		s.renderGroupMessages(c, http.StatusUnprocessableEntity, form, nil, problemsOf(c, te))
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	case refused:
		s.renderGroupMessages(c, http.StatusUnprocessableEntity, form, nil, []templateProblem{{Reason: site.ErrText(c, err)}})
	default:
		s.fail(c, err)
	}
}

func (s *server) renderGroupMessages(c *gin.Context, status int, form groupMessageForm, pv *models.GroupPreview, problems []templateProblem) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	v, err := s.Messaging.GroupMessages(c.Request.Context(), *site.User(c), id)
	if s.readFailed(c, err) {
		return
	}
	t := site.T(c)
	var stationChoices, taskTypeChoices, partyChoices, stateChoices []choice
	for _, st := range v.Stations {
		stationChoices = append(stationChoices, form.choice("station", strconv.FormatInt(st.ID, 10), st.Label()))
	}
	for _, tt := range v.TaskTypes {
		taskTypeChoices = append(taskTypeChoices, form.choice("tasktype", strconv.FormatInt(tt.ID, 10), tt.Name))
	}
	for _, p := range v.Parties {
		label := p.Name
		if p.Letter != "" {
			label = p.Letter + " – " + p.Name
		}
		partyChoices = append(partyChoices, form.choice("party", strconv.FormatInt(p.ID, 10), label))
	}
	for _, st := range models.GroupStates {
		stateChoices = append(stateChoices, form.choice("state", string(st), t("astate."+string(st))))
	}
	fields := make([]mergeField, len(models.GroupMessageFields))
	for i, f := range models.GroupMessageFields {
		fields[i] = mergeField{Name: f, Key: "groupmsg.field." + f}
	}
	s.renderView(c, status, "groupmessages.html", "groupmsg.title", &groupMessagesView{
		// No automatic refresh (as on the rounds page): it would throw
		// away a text being typed.
		Election: v.Election, Messages: v.Messages,
		MayWrite: site.StaffWrite.Allows(site.User(c)), Form: form, Preview: pv, Problems: problems,
		Filters: []filterGroup{{"station", "rounds.filter.stations", stationChoices},
			{"tasktype", "rounds.filter.tasktypes", taskTypeChoices}, {"party", "rounds.filter.parties", partyChoices},
			{"state", "groupmsg.filter.states", stateChoices}},
		Fields: fields, Notice: noticeOf(c, "groupmsg.sent"),
	})
}

// groupMessagesView is the group messages page: the messages sent and the form.
type groupMessagesView struct {
	Page
	Election models.Election
	Messages []messaging.GroupMessageRow
	MayWrite bool
	Form     groupMessageForm
	Preview  *models.GroupPreview
	Problems []templateProblem
	Filters  []filterGroup
	Fields   []mergeField
	Notice   string
}
