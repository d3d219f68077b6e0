package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Group messages: the staff write to everyone in an election who matches
// a filter (stations, task types, parties, states). Each person gets one
// copy on the best channel that reaches them (workflows.GroupMessage).

// groupPreviewNames is how many names the recipient preview shows.
const groupPreviewNames = 30

// groupMessageRow is a sent group message with its progress: the
// workflow's count of people served and the database's count of copies
// sent and failed.
type groupMessageRow struct {
	models.GroupMessage
	Progress workflows.GroupMessageProgress
	Sends    store.GroupSends
	Known    bool // the workflow answered the progress query
	Running  bool
	Percent  int
}

// groupMessageForm is what the staff typed and ticked, kept when the page
// comes back with a preview or with problems.
type groupMessageForm struct {
	Subject, Body string
	Filter        store.GroupFilter
	// ticked boxes by name and value ("station" → "12").
	ticked map[string]map[string]bool
}

func groupFormOf(c *gin.Context) groupMessageForm {
	f := groupMessageForm{Subject: c.PostForm("subject"), Body: c.PostForm("body"),
		Filter: store.GroupFilter{StationIDs: formIDs(c, "station"), TaskTypeIDs: formIDs(c, "tasktype"), PartyIDs: formIDs(c, "party")},
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
	pv, err := store.PreviewGroupMessage(c.Request.Context(), s.DB, *currentUser(c), id, form.Filter, groupPreviewNames)
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
	_, err := s.Recruit.SendGroupMessage(c.Request.Context(), *currentUser(c), form.Filter.On(models.GroupMessage{
		ElectionID: id, Subject: form.Subject, Body: form.Body}))
	var te *store.TemplateError
	status, refused := refusalStatus(err)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(id, 10)+"/beskeder?besked=groupmsg.sent")
	case errors.As(err, &te):
		s.renderGroupMessages(c, http.StatusUnprocessableEntity, form, nil, problemsOf(c, te))
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused && status == http.StatusForbidden:
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
	case refused:
		s.renderGroupMessages(c, http.StatusUnprocessableEntity, form, nil, []templateProblem{{Reason: errText(c, err)}})
	default:
		s.fail(c, err)
	}
}

func (s *server) renderGroupMessages(c *gin.Context, status int, form groupMessageForm, pv *store.GroupPreview, problems []templateProblem) {
	ctx := c.Request.Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var e models.Election
	if err := s.DB.WithContext(ctx).First(&e, id).Error; err != nil {
		s.notFound(c)
		return
	}
	gms, err := store.GroupMessagesOf(ctx, s.DB, *currentUser(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]groupMessageRow, len(gms))
	for i, gm := range gms {
		rows[i] = s.groupMessageRow(ctx, gm)
	}
	var stations []models.PollingStation
	var taskTypes []models.TaskType
	var parties []models.Party
	db := s.DB.WithContext(ctx)
	db.Order("district").Find(&stations)
	db.Order("name").Find(&taskTypes)
	db.Order("kind, letter, name").Find(&parties)
	t := translator(c)
	var stationChoices, taskTypeChoices, partyChoices, stateChoices []choice
	for _, st := range stations {
		stationChoices = append(stationChoices, form.choice("station", strconv.FormatInt(st.ID, 10), fmt.Sprintf("%d. %s", st.District, st.Name)))
	}
	for _, tt := range taskTypes {
		taskTypeChoices = append(taskTypeChoices, form.choice("tasktype", strconv.FormatInt(tt.ID, 10), tt.Name))
	}
	for _, p := range parties {
		label := p.Name
		if p.Letter != "" {
			label = p.Letter + " – " + p.Name
		}
		partyChoices = append(partyChoices, form.choice("party", strconv.FormatInt(p.ID, 10), label))
	}
	for _, st := range store.GroupStates {
		stateChoices = append(stateChoices, form.choice("state", string(st), t("astate."+string(st))))
	}
	fields := make([]mergeField, len(models.GroupMessageFields))
	for i, f := range models.GroupMessageFields {
		fields[i] = mergeField{Name: f, Key: "groupmsg.field." + f}
	}
	s.render(c, status, "groupmessages.html", "groupmsg.title", map[string]any{
		// No automatic refresh (as on the rounds page): it would throw
		// away a text being typed.
		"Election": e, "Messages": rows,
		"MayWrite": staffWrite.Allows(currentUser(c)), "Form": form, "Preview": pv, "Problems": problems,
		"Filters": []filterGroup{{"station", "rounds.filter.stations", stationChoices},
			{"tasktype", "rounds.filter.tasktypes", taskTypeChoices}, {"party", "rounds.filter.parties", partyChoices},
			{"state", "groupmsg.filter.states", stateChoices}},
		"Fields": fields, "Notice": noticeOf(c, "groupmsg.sent"),
	})
}

func (s *server) groupMessageRow(ctx context.Context, gm models.GroupMessage) groupMessageRow {
	row := groupMessageRow{GroupMessage: gm}
	if s.Temporal != nil {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := workflows.QueryGroupMessage(qctx, s.Temporal, gm.WorkflowID)
		cancel()
		row.Progress, row.Known = p, err == nil
	}
	row.Sends, _ = store.GroupSendsOf(ctx, s.DB, gm.ID)
	row.Running = row.Known && !row.Progress.Done
	if gm.Recipients > 0 {
		row.Percent = min(100, 100*(row.Sends.Sent+row.Sends.Failed)/gm.Recipients)
	}
	if row.Progress.Done {
		row.Percent = 100
	}
	return row
}
