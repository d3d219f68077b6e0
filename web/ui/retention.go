package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/site"
)

// Closing an election (/valg/:id/afslutning): who served, when its
// personal data is deleted and what goes then (the dry run); deleting
// people by hand (/admin/sletning); and a person's own data for their
// request for access (/deltagere/:id/indsigt).

// stationAttendance is one polling station's people on the closing page.
type stationAttendance struct {
	StationID int64
	Name      string
	Rows      []models.AttendanceRow
	Confirmed int // still to be marked
}

func (s *server) closingPath(id int64) string {
	return "/valg/" + strconv.FormatInt(id, 10) + "/afslutning"
}

// closing shows the closing page: attendance per station, the retention
// date with its form, and the dry run — or, once deleted, the counts kept.
func (s *server) closing(c *gin.Context) {
	s.renderClosing(c, http.StatusOK, "")
}

func (s *server) renderClosing(c *gin.Context, status int, problem string) {
	u := site.User(c)
	v, err := s.People.Closing(c.Request.Context(), *u, idParam(c))
	if s.readFailed(c, err) {
		return
	}
	e, rows := v.Election, v.Attendance
	var stations []*stationAttendance
	for _, r := range rows {
		if len(stations) == 0 || stations[len(stations)-1].StationID != r.StationID {
			stations = append(stations, &stationAttendance{StationID: r.StationID, Name: r.StationName})
		}
		st := stations[len(stations)-1]
		st.Rows = append(st.Rows, r)
		if r.State == models.StateConfirmed {
			st.Confirmed++
		}
	}
	view := &closingView{E: e, Stations: stations, Problem: problem, MayEdit: site.StaffWrite.Allows(u),
		Today: models.DateOf(s.Now().In(models.Copenhagen)), Due: e.RetentionDue(),
		Notice:       noticeOf(c, "closing.marked", "closing.retention.saved"),
		DeletionWord: people.DeletionWord, Plan: v.Plan}
	if v.Plan == nil {
		view.Stats = statRows(v.Stats)
	}
	s.renderView(c, status, "closing.html", "closing.title", view)
}

// closingView is an election's closing: who served, per station, and what
// deleting its personal data will remove (or, once done, the counts kept).
type closingView struct {
	Page
	E            models.Election
	Stations     []*stationAttendance
	Problem      string
	MayEdit      bool
	Today        models.Date
	Due          time.Time
	Notice       string
	DeletionWord string
	Plan         *models.RetentionCounts // nil once anonymised
	Stats        []statRow               // once anonymised
}

// statRow is one kept count, for the table.
type statRow struct {
	Key   string
	Count int64
}

func statRows(stats map[string]int64) []statRow {
	out := make([]statRow, 0, len(stats))
	for k, n := range stats {
		out = append(out, statRow{k, n})
	}
	models.SortDanish(out, func(r statRow) string { return r.Key })
	return out
}

// markAttendance marks one person completed or no-show.
func (s *server) markAttendance(c *gin.Context) {
	err := s.People.MarkAttendance(c.Request.Context(), *site.User(c), formInt64(c, "assignment"),
		models.AssignmentState(c.PostForm("state")))
	s.afterClosingChange(c, err, "closing.marked")
}

// markStation marks every confirmed person of a station completed or
// no-show.
func (s *server) markStation(c *gin.Context) {
	_, err := s.People.MarkStation(c.Request.Context(), *site.User(c), idParam(c), formInt64(c, "station"),
		models.AssignmentState(c.PostForm("state")))
	s.afterClosingChange(c, err, "closing.marked")
}

// saveRetention changes how long the election's personal data is kept and
// wakes its Retention workflow to read the new date (recruit.SaveRetention).
func (s *server) saveRetention(c *gin.Context) {
	err := s.Recruit.SaveRetention(c.Request.Context(), *site.User(c), idParam(c), c.PostForm("retention_days"))
	s.afterClosingChange(c, err, "closing.retention.saved")
}

func (s *server) afterClosingChange(c *gin.Context, err error, notice string) {
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, s.closingPath(idParam(c))+"?besked="+notice)
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrStale):
		s.renderClosing(c, http.StatusConflict, site.T(c)("closing.stale"))
	case site.IsKeyed(err):
		s.renderClosing(c, http.StatusUnprocessableEntity, site.ErrText(c, err))
	default:
		s.fail(c, err)
	}
}

// deletionRow is a person on the deletion page.
type deletionRow struct {
	ID         int64
	Name       string
	MaskedCPR  string
	KeepInPool bool
}

// deletionPage lists everyone with a checkbox, for an administrator to
// delete people (the right to erasure).
func (s *server) deletionPage(c *gin.Context) {
	s.renderDeletion(c, http.StatusOK, "", nil)
}

func (s *server) renderDeletion(c *gin.Context, status int, problem string, checked map[int64]bool) {
	ps, err := s.People.Participants(c.Request.Context(), *site.User(c), 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]deletionRow, len(ps))
	for i, p := range ps {
		rows[i] = deletionRow{ID: p.ID, Name: p.Name, MaskedCPR: maskedCPR(p), KeepInPool: p.KeepInPool}
	}
	s.renderView(c, status, "deletion.html", "deletion.title", &deletionView{People: rows, Problem: problem,
		Checked: checked, DeletionWord: people.DeletionWord, Notice: noticeOf(c, "deletion.done")})
}

// deletionView is everyone, to pick whom to delete on request.
type deletionView struct {
	Page
	People          []deletionRow
	Checked         map[int64]bool // ticked in a refused form
	Problem, Notice string
	DeletionWord    string // typed to confirm
}

// deleteParticipants deletes the chosen people once the confirmation word
// is typed.
func (s *server) deleteParticipants(c *gin.Context) {
	var ids []int64
	checked := map[int64]bool{}
	for _, v := range c.PostFormArray("participant") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
			checked[id] = true
		}
	}
	n, err := s.People.DeleteParticipants(c.Request.Context(), *site.User(c), ids, c.PostForm("confirm"))
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderDeletion(c, http.StatusUnprocessableEntity, site.ErrText(c, ue), checked)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/admin/sletning?besked=deletion.done&antal="+strconv.Itoa(n))
	}
}

// subjectAccess downloads everything held about a person as JSON, for
// the staff to hand to them; the export and the CPR number in it are
// audited.
func (s *server) subjectAccess(c *gin.Context) {
	out, err := s.People.SubjectAccess(c.Request.Context(), *site.User(c), idParam(c))
	if s.readFailed(c, err) {
		return
	}
	s.jsonAttachment(c, "indsigt-"+strconv.FormatInt(out.Person.ID, 10)+".json", out)
}

// jsonAttachment sends v as an indented JSON file to download, kept out of
// every cache: a subject-access export holds personal data.
func (s *server) jsonAttachment(c *gin.Context, filename string, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// savePoolConsent records whether the person consented to stay in the
// reserve pool after their elections.
func (s *server) savePoolConsent(c *gin.Context) {
	id := idParam(c)
	err := s.People.SetPoolConsent(c.Request.Context(), *site.User(c), id, c.PostForm("keep_in_pool") == "1")
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(id, 10))
	}
}
