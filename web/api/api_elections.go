package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// apiElection is an election as the API shows it.
type apiElection struct {
	ID                 int64     `json:"id"`
	Title              string    `json:"title"`
	Kind               string    `json:"kind"`
	Day                string    `json:"day"`
	State              string    `json:"state"`
	NextState          *string   `json:"next_state"`
	TasksFrom          *string   `json:"tasks_from"`
	TasksUntil         *string   `json:"tasks_until"`
	TaskDays           []string  `json:"task_days"`
	LockDays           int       `json:"lock_days"`
	AnswerDays         int       `json:"answer_days"`
	ReminderEveryDays  int       `json:"reminder_every_days"`
	ReminderDaysBefore []int     `json:"reminder_days_before"`
	TaskReminderDays   int       `json:"task_reminder_days"`
	EveningReminder    bool      `json:"evening_reminder"`
	AutoReplace        bool      `json:"auto_replace"`
	DayReplaceMinutes  int       `json:"day_replace_minutes"`
	Version            int       `json:"version"`
	PlanVersion        int       `json:"plan_version"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toAPIElection(e models.Election) apiElection {
	date := func(d *models.Date) *string {
		if d == nil {
			return nil
		}
		s := d.String()
		return &s
	}
	out := apiElection{ID: e.ID, Title: e.Title, Kind: string(e.Kind), Day: e.ElectionDay.String(), State: string(e.State),
		TasksFrom: date(e.TasksFrom), TasksUntil: date(e.TasksUntil), TaskDays: []string{}, LockDays: e.LockDays, AnswerDays: e.AnswerDays,
		ReminderEveryDays: e.ReminderEveryDays, TaskReminderDays: e.TaskReminderDays, EveningReminder: e.EveningReminder,
		AutoReplace: e.AutoReplace, DayReplaceMinutes: e.DayReplaceMinutes, Version: e.Version, PlanVersion: e.PlanVersion, UpdatedAt: e.UpdatedAt.UTC()}
	if next, ok := models.NextElectionState(e.State); ok {
		n := string(next)
		out.NextState = &n
	}
	for _, d := range e.TaskDays() {
		out.TaskDays = append(out.TaskDays, d.String())
	}
	out.ReminderDaysBefore, _ = models.ParseReminderDays(e.ReminderDaysBefore)
	if out.ReminderDaysBefore == nil {
		out.ReminderDaysBefore = []int{}
	}
	return out
}

// apiElections lists the elections, newest first.
func (s *server) apiElections(c *gin.Context) {
	es, err := s.Setup.Elections(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, mapAll(es, toAPIElection))
}

// apiCreateElection adds a draft election.
func (s *server) apiCreateElection(c *gin.Context) {
	var in struct {
		Title string `json:"title"`
		Kind  string `json:"kind"`
		Day   string `json:"day"`
	}
	if !bindJSON(c, &in) {
		return
	}
	e, err := s.Setup.CreateElection(c.Request.Context(), *site.User(c), in.Title, models.ElectionKind(in.Kind), in.Day)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	s.apiElectionByID(c, http.StatusCreated, e.ID)
}

func (s *server) apiElection(c *gin.Context) {
	s.apiElectionByID(c, http.StatusOK, apiID(c, "id"))
}

// apiElectionByID answers with the election as stored (its defaults and
// version included).
func (s *server) apiElectionByID(c *gin.Context, status int, id int64) {
	e, err := s.Setup.Election(c.Request.Context(), id)
	if id == 0 || err != nil {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return
	}
	c.JSON(status, toAPIElection(e))
}

// apiElectionPatch changes some settings; the rest stay as they are in the
// version the change is based on.
type apiElectionPatch struct {
	Version            int     `json:"version"`
	Title              *string `json:"title"`
	Day                *string `json:"day"`
	TasksFrom          *string `json:"tasks_from"` // "" for the election day
	TasksUntil         *string `json:"tasks_until"`
	LockDays           *int    `json:"lock_days"`
	AnswerDays         *int    `json:"answer_days"`
	ReminderEveryDays  *int    `json:"reminder_every_days"`
	ReminderDaysBefore *[]int  `json:"reminder_days_before"`
	TaskReminderDays   *int    `json:"task_reminder_days"`
	EveningReminder    *bool   `json:"evening_reminder"`
	AutoReplace        *bool   `json:"auto_replace"`
	DayReplaceMinutes  *int    `json:"day_replace_minutes"`
}

// apiUpdateElection changes an election's settings; a change based on an
// older version is refused with 409.
func (s *server) apiUpdateElection(c *gin.Context) {
	var in apiElectionPatch
	if !bindJSON(c, &in) {
		return
	}
	id := apiID(c, "id")
	e, err := s.Setup.Election(c.Request.Context(), id)
	if id == 0 || err != nil {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return
	}
	form := models.SettingsOf(e)
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	num := func(dst *string, v *int) {
		if v != nil {
			*dst = strconv.Itoa(*v)
		}
	}
	set(&form.Title, in.Title)
	set(&form.Day, in.Day)
	set(&form.TasksFrom, in.TasksFrom)
	set(&form.TasksUntil, in.TasksUntil)
	num(&form.LockDays, in.LockDays)
	num(&form.AnswerDays, in.AnswerDays)
	num(&form.ReminderEveryDays, in.ReminderEveryDays)
	num(&form.TaskReminderDays, in.TaskReminderDays)
	num(&form.DayReplaceMinutes, in.DayReplaceMinutes)
	if in.ReminderDaysBefore != nil {
		days := make([]string, len(*in.ReminderDaysBefore))
		for i, d := range *in.ReminderDaysBefore {
			days[i] = strconv.Itoa(d)
		}
		form.ReminderDaysBefore = strings.Join(days, ",")
	}
	if in.EveningReminder != nil {
		form.EveningReminder = *in.EveningReminder
	}
	if in.AutoReplace != nil {
		form.AutoReplace = *in.AutoReplace
	}
	if _, err := s.Setup.UpdateElection(c.Request.Context(), *site.User(c), id, in.Version, form); err != nil {
		s.apiStoreError(c, err)
		return
	}
	s.apiElectionByID(c, http.StatusOK, id)
}

// apiSetElectionState moves an election on: draft → active → closed.
func (s *server) apiSetElectionState(c *gin.Context) {
	var in struct {
		State string `json:"state"`
	}
	if !bindJSON(c, &in) {
		return
	}
	id := apiID(c, "id")
	if err := s.Recruit.SetElectionState(c.Request.Context(), *site.User(c), id, models.ElectionState(in.State)); err != nil {
		s.apiStoreError(c, err)
		return
	}
	s.apiElectionByID(c, http.StatusOK, id)
}

// apiDuplicateElection starts a new draft from an election: its settings,
// plan and seed.
func (s *server) apiDuplicateElection(c *gin.Context) {
	var in struct {
		Title string `json:"title"`
		Day   string `json:"day"`
	}
	if !bindJSON(c, &in) {
		return
	}
	id := apiID(c, "id")
	if id == 0 {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return
	}
	e, err := s.Setup.DuplicateElection(c.Request.Context(), *site.User(c), id, in.Title, in.Day)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	s.apiElectionByID(c, http.StatusCreated, e.ID)
}
