package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// electionRow is an election with the state it may move to next.
type electionRow struct {
	models.Election
	Next models.ElectionState
}

// elections lists the elections, newest first, for staff.
func (s *server) elections(c *gin.Context) {
	es, err := s.Setup.Elections(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]electionRow, len(es))
	for i, e := range es {
		rows[i].Election = e
		rows[i].Next, _ = models.NextElectionState(e.State)
	}
	s.render(c, http.StatusOK, "elections.html", "elections.title", map[string]any{
		"Elections": rows, "MayEdit": site.StaffWrite.Allows(site.User(c)), "Notice": noticeOf(c, "elections.changed", "elections.created"),
	})
}

// setElectionState moves an election on: draft → active → closed.
func (s *server) setElectionState(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := s.Recruit.SetElectionState(c.Request.Context(), *site.User(c), id, models.ElectionState(c.PostForm("state")))
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrStale):
		c.Redirect(http.StatusSeeOther, "/valg")
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
	case site.IsKeyed(err):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "elections.title", map[string]any{"MessageText": site.ErrText(c, err)})
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valg?besked=elections.changed")
	}
}

// createElection adds a draft election from the elections page.
func (s *server) createElection(c *gin.Context) {
	_, err := s.Setup.CreateElection(c.Request.Context(), *site.User(c), c.PostForm("title"),
		models.ElectionKind(c.PostForm("kind")), c.PostForm("day"))
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "elections.title", map[string]any{"MessageText": site.ErrText(c, ue)})
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valg?besked=elections.created")
	}
}

// election shows an election's settings, with the form for staff.
func (s *server) election(c *gin.Context) {
	e, err := s.Setup.Election(c.Request.Context(), idParam(c))
	if err != nil {
		s.notFound(c)
		return
	}
	s.renderElection(c, http.StatusOK, e, models.SettingsOf(e), nil, "")
}

func (s *server) renderElection(c *gin.Context, status int, e models.Election, form models.ElectionSettings, errs models.FieldErrors, errKey string) {
	s.renderElectionWith(c, status, e, form, errs, errKey, nil)
}

// renderElectionWith renders the election page; dup holds what was typed
// in the duplicate form, and its errors, when that failed.
func (s *server) renderElectionWith(c *gin.Context, status int, e models.Election, form models.ElectionSettings, errs models.FieldErrors, errKey string, dup map[string]any) {
	s.renderView(c, status, "election.html", e.Title, &electionView{
		E: e, F: form, Errors: site.FieldTexts(c, errs), ErrorKey: errKey, Dup: dup,
		MayEdit:  site.StaffWrite.Allows(site.User(c)) && e.State != models.ElectionClosed,
		MayCopy:  site.StaffWrite.Allows(site.User(c)),
		TaskDays: len(e.TaskDays()),
		Notice:   noticeOf(c, "election.saved", "election.duplicated"),
	})
}

// electionView is one election's settings form and its duplicate form.
type electionView struct {
	Page
	E        models.Election
	F        models.ElectionSettings
	Errors   map[string]string // per field, translated
	ErrorKey string
	// Dup is what was typed in the duplicate form, and its errors, when
	// that failed.
	Dup              map[string]any
	MayEdit, MayCopy bool
	TaskDays         int
	Notice           string
}

// saveElection changes an election's settings; a change based on an older
// version is refused and the form shows the election as it now is.
func (s *server) saveElection(c *gin.Context) {
	id := idParam(c)
	version, _ := strconv.Atoi(c.PostForm("version"))
	form := models.ElectionSettings{Title: c.PostForm("title"), Day: c.PostForm("day"), TasksFrom: c.PostForm("tasks_from"),
		TasksUntil: c.PostForm("tasks_until"), LockDays: c.PostForm("lock_days"), AnswerDays: c.PostForm("answer_days"),
		ReminderEveryDays: c.PostForm("reminder_every_days"), ReminderDaysBefore: c.PostForm("reminder_days_before"),
		TaskReminderDays: c.PostForm("task_reminder_days"), EveningReminder: c.PostForm("evening_reminder") == "1",
		AutoReplace: c.PostForm("auto_replace") == "1", DayReplaceMinutes: c.PostForm("day_replace_minutes")}
	_, err := s.Setup.UpdateElection(c.Request.Context(), *site.User(c), id, version, form)
	var current models.Election
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		var readErr error
		if current, readErr = s.Setup.Election(c.Request.Context(), id); readErr != nil {
			s.notFound(c)
			return
		}
	}
	var fe models.FieldErrors
	var ue *models.UserError
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(id, 10)+"?besked=election.saved")
	case errors.As(err, &fe):
		current.Version = version // keep the version the form was based on
		s.renderElection(c, http.StatusUnprocessableEntity, current, form, fe, "")
	case errors.Is(err, models.ErrStale):
		s.renderElection(c, http.StatusConflict, current, models.SettingsOf(current), nil, "election.stale")
	case errors.As(err, &ue):
		s.renderElection(c, http.StatusUnprocessableEntity, current, form, models.FieldErrors{"": ue}, "")
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	default:
		s.fail(c, err)
	}
}

// duplicateElection starts a new draft from this election.
func (s *server) duplicateElection(c *gin.Context) {
	id := idParam(c)
	e, err := s.Setup.DuplicateElection(c.Request.Context(), *site.User(c), id, c.PostForm("title"), c.PostForm("day"))
	var fe models.FieldErrors
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(e.ID, 10)+"?besked=election.duplicated")
	case errors.As(err, &fe):
		src, err := s.Setup.Election(c.Request.Context(), id)
		if err != nil {
			s.notFound(c)
			return
		}
		s.renderElectionWith(c, http.StatusUnprocessableEntity, src, models.SettingsOf(src), nil, "",
			map[string]any{"Title": c.PostForm("title"), "Day": c.PostForm("day"), "Errors": site.FieldTexts(c, fe)})
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	default:
		s.fail(c, err)
	}
}
