package ui

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// The slot plan pages: a grid per task type and day (stations × parties),
// a page per cell, and the forms that change them. Staff change the plan;
// read-only staff see it; party secretaries do not (they see their own
// slots in the overview).

func idParam(c *gin.Context) int64 {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	return id
}

func formInt64(c *gin.Context, key string) int64 {
	v, _ := strconv.ParseInt(c.PostForm(key), 10, 64)
	return v
}

// planRow is one station in the grid.
type planRow struct {
	Station    models.PollingStation
	Counts     []models.PartyCount // in the order of planView.Columns
	Total      models.PartyCount
	Quota      int
	Overridden bool
	CellURL    string
	// Offered is false at a work location without this task type (shown
	// only while old slots are left there, to be removed); FirstWork
	// marks the first work location, under a heading of its own.
	Offered   bool
	FirstWork bool
}

// planView is what plan.html and plan_cell.html show.
type planView struct {
	Plan     models.Plan
	TaskType models.TaskType
	Day      models.Date
	Columns  []models.Party // council groups, then pools
	Rows     []planRow
	Span     int // the grid's columns, for a heading row across it
	Summary  []summaryRow
	Records  []models.QuotaRecord
	Stations map[int64]string
	GridURL  string
}

// summaryRow is a task type with its number of slots per task day.
type summaryRow struct {
	TaskType models.TaskType
	Cells    []summaryCell
}

type summaryCell struct {
	Day   models.Date
	Slots int
	URL   string
	Shown bool
}

func planURL(electionID, taskTypeID int64, day models.Date) string {
	return fmt.Sprintf("/valg/%d/plan?opgavetype=%d&dag=%s", electionID, taskTypeID, day)
}

func cellURL(electionID int64, c models.PlanCell) string {
	return fmt.Sprintf("/valg/%d/plan/celle?valgsted=%d&opgavetype=%d&dag=%s", electionID, c.StationID, c.TaskTypeID, c.Day)
}

// loadPlanView reads the plan with the task type and day to show (the
// first ones when none or unknown are asked for) and builds the grid.
func (s *server) loadPlanView(c *gin.Context, electionID, taskTypeID int64, day string) (planView, error) {
	var v planView
	page, err := s.Setup.PlanPage(c.Request.Context(), *site.User(c), electionID, taskTypeID, day)
	if err != nil {
		return v, err
	}
	plan := page.Plan
	v.Plan, v.TaskType, v.Day, v.Records = plan, page.TaskType, page.Day, page.Records
	v.Columns = append(slices.Clone(plan.Groups), plan.Pools...)
	v.Span = len(v.Columns) + 4
	v.Stations = map[int64]string{}
	for _, st := range plan.Stations {
		v.Stations[st.ID] = st.Name
	}
	if v.TaskType.ID == 0 {
		return v, nil
	}
	v.GridURL = planURL(electionID, v.TaskType.ID, v.Day)
	work := false
	for _, st := range plan.Stations {
		cell := models.PlanCell{StationID: st.ID, TaskTypeID: v.TaskType.ID, Day: v.Day}
		offered := st.Offers(v.TaskType.ID)
		if !offered && plan.Total(cell).Slots == 0 {
			continue // a work location where this task type is not done
		}
		row := planRow{Station: st, Total: plan.Total(cell), Quota: plan.QuotaSlots(cell), Overridden: plan.Overridden(cell),
			CellURL: cellURL(electionID, cell), Offered: offered, FirstWork: !st.IsPollingStation() && !work}
		work = work || !st.IsPollingStation()
		for _, p := range v.Columns {
			row.Counts = append(row.Counts, plan.Count(cell, p.ID))
		}
		v.Rows = append(v.Rows, row)
	}
	for _, t := range plan.TaskTypes {
		sr := summaryRow{TaskType: t}
		for _, d := range plan.Days {
			n := 0
			for _, st := range plan.Stations {
				n += plan.Total(models.PlanCell{StationID: st.ID, TaskTypeID: t.ID, Day: d}).Slots
			}
			sr.Cells = append(sr.Cells, summaryCell{Day: d, Slots: n, URL: planURL(electionID, t.ID, d), Shown: t.ID == v.TaskType.ID && d == v.Day})
		}
		v.Summary = append(v.Summary, sr)
	}
	return v, nil
}

// plan shows the grid of one task type on one day.
func (s *server) plan(c *gin.Context) {
	id := idParam(c)
	tt, _ := strconv.ParseInt(c.Query("opgavetype"), 10, 64)
	s.renderPlan(c, http.StatusOK, id, tt, c.Query("dag"), nil)
}

// planMessage is an error shown on a plan page: a message key, or Danish
// text from the store, or a list of problems.
type planMessage struct {
	Key      string
	Text     string
	Problems []string
}

func (s *server) renderPlan(c *gin.Context, status int, id, taskTypeID int64, day string, msg *planMessage) {
	v, err := s.loadPlanView(c, id, taskTypeID, day)
	if s.readFailed(c, err) {
		return
	}
	s.renderView(c, status, "plan.html", "plan.title", s.planPage(c, v, nil, msg))
}

// planPage is the plan (or, with row, one cell of it) as the page shows it.
type planPage struct {
	Page
	V       planView
	E       models.Election
	Row     *planRow // the cell's station, on the cell's page
	MayEdit bool
	Error   *planMessage
	Notice  string
}

func (s *server) planPage(c *gin.Context, v planView, row *planRow, msg *planMessage) *planPage {
	e := v.Plan.Election
	return &planPage{V: v, E: e, Row: row, MayEdit: site.StaffWrite.Allows(site.User(c)) && e.State != models.ElectionClosed,
		Error: msg, Notice: noticeOf(c, "plan.distributed", "plan.saved", "plan.moved")}
}

// planCell shows one cell: its parties' counts and the forms that change it.
func (s *server) planCell(c *gin.Context) {
	station, _ := strconv.ParseInt(c.Query("valgsted"), 10, 64)
	tt, _ := strconv.ParseInt(c.Query("opgavetype"), 10, 64)
	s.renderCell(c, http.StatusOK, idParam(c), station, tt, c.Query("dag"), nil)
}

func (s *server) renderCell(c *gin.Context, status int, id, stationID, taskTypeID int64, day string, msg *planMessage) {
	v, err := s.loadPlanView(c, id, taskTypeID, day)
	if s.readFailed(c, err) {
		return
	}
	var row *planRow
	for i := range v.Rows {
		if v.Rows[i].Station.ID == stationID {
			row = &v.Rows[i]
		}
	}
	if row == nil || v.TaskType.ID != taskTypeID {
		s.notFound(c)
		return
	}
	s.renderView(c, status, "plan_cell.html", "plan.cell.title", s.planPage(c, v, row, msg))
}

// planTarget is where a plan form came from and goes back to.
type planTarget struct {
	electionID, stationID, taskTypeID int64
	day                               models.Date
	dayText                           string
	version                           int
}

func planTargetOf(c *gin.Context) planTarget {
	t := planTarget{electionID: idParam(c), stationID: formInt64(c, "valgsted"), taskTypeID: formInt64(c, "opgavetype"), dayText: c.PostForm("dag")}
	t.day, _ = models.ParseDate(t.dayText)
	t.version, _ = strconv.Atoi(c.PostForm("plan_version"))
	return t
}

func (t planTarget) cell() models.PlanCell {
	return models.PlanCell{StationID: t.stationID, TaskTypeID: t.taskTypeID, Day: t.day}
}

// planResult answers a plan change: back to the page with a notice, a
// confirmation page, or the page again with what went wrong.
func (s *server) planResult(c *gin.Context, t planTarget, toCell bool, notice string, err error) {
	back := func(status int, msg *planMessage) {
		if toCell {
			s.renderCell(c, status, t.electionID, t.stationID, t.taskTypeID, t.dayText, msg)
		} else {
			s.renderPlan(c, status, t.electionID, t.taskTypeID, t.dayText, msg)
		}
	}
	var refused *models.PlanRefused
	var confirm *models.NeedsConfirmation
	switch {
	case err == nil:
		target := planURL(t.electionID, t.taskTypeID, t.day)
		if toCell {
			target = cellURL(t.electionID, t.cell())
		}
		c.Redirect(http.StatusSeeOther, target+"&besked="+notice)
	case errors.As(err, &confirm):
		s.renderConfirm(c, "plan.confirm.title", site.T(c)("plan.confirm.removes", confirm.Removes), cancelURL(t, toCell))
	case errors.Is(err, models.ErrStale):
		back(http.StatusConflict, &planMessage{Key: "plan.stale"})
	case errors.As(err, &refused):
		back(http.StatusUnprocessableEntity, &planMessage{Key: "plan.refused", Problems: site.RefusalTexts(c, refused.Problems)})
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
	case site.IsKeyed(err):
		back(http.StatusUnprocessableEntity, &planMessage{Text: site.ErrText(c, err)})
	default:
		s.fail(c, err)
	}
}

func cancelURL(t planTarget, toCell bool) string {
	if toCell {
		return cellURL(t.electionID, t.cell())
	}
	return planURL(t.electionID, t.taskTypeID, t.day)
}

// formField is one posted field, sent again by the confirmation page.
type formField struct{ Name, Value string }

// renderConfirm asks before a destructive change: it shows what will
// happen and posts the same form again, to the same address, with
// confirm=yes.
func (s *server) renderConfirm(c *gin.Context, title, what, cancel string) {
	var fields []formField
	for name, values := range c.Request.PostForm {
		if name == site.CSRFField || name == "confirm" {
			continue
		}
		for _, v := range values {
			fields = append(fields, formField{name, v})
		}
	}
	slices.SortFunc(fields, func(a, b formField) int { return strings.Compare(a.Name, b.Name) })
	s.render(c, http.StatusOK, "plan_confirm.html", title, map[string]any{
		"What": what, "Action": c.Request.URL.Path, "Fields": fields, "Cancel": cancel,
	})
}

// distributePlan distributes the council groups' slots of a task type on a
// day by d'Hondt: per station, or municipality-wide and spread.
func (s *server) distributePlan(c *gin.Context) {
	t := planTargetOf(c)
	req := recruit.QuotaRequest{ElectionID: t.electionID, PlanVersion: t.version, TaskTypeID: t.taskTypeID, Day: t.day,
		Counts: map[int64]int{}, MunicipalityWide: c.PostForm("mode") == "kommune", ReleaseAgreements: c.PostForm("release") == "1",
		Confirm: c.PostForm("confirm") == "yes"}
	for key, values := range c.Request.PostForm {
		station, ok := strings.CutPrefix(key, "count_")
		if !ok || len(values) == 0 || strings.TrimSpace(values[0]) == "" {
			continue
		}
		id, err1 := strconv.ParseInt(station, 10, 64)
		n, err2 := strconv.Atoi(strings.TrimSpace(values[0]))
		if err1 != nil || err2 != nil {
			s.planResult(c, t, t.stationID != 0, "", models.Refuse("error.plan.countnotnumber"))
			return
		}
		req.Counts[id] = n
	}
	if t.day.IsZero() {
		s.planResult(c, t, false, "", models.Refuse("error.plan.noday"))
		return
	}
	_, err := s.Recruit.DistributeQuota(c.Request.Context(), *site.User(c), req)
	s.planResult(c, t, t.stationID != 0, "plan.distributed", err)
}

// saveCell sets parties' counts in one cell by hand (pools) or by
// agreement (council groups).
func (s *server) saveCell(c *gin.Context) {
	t := planTargetOf(c)
	req := models.CellRequest{ElectionID: t.electionID, PlanVersion: t.version, Cell: t.cell(), Counts: map[int64]int{},
		Confirm: c.PostForm("confirm") == "yes"}
	for key, values := range c.Request.PostForm {
		party, ok := strings.CutPrefix(key, "party_")
		if !ok || len(values) == 0 {
			continue
		}
		id, err1 := strconv.ParseInt(party, 10, 64)
		n, err2 := strconv.Atoi(strings.TrimSpace(values[0]))
		if err1 != nil || err2 != nil {
			s.planResult(c, t, true, "", models.Refuse("error.plan.countnotnumber"))
			return
		}
		req.Counts[id] = n
	}
	if t.day.IsZero() {
		s.notFound(c)
		return
	}
	err := s.Setup.SetCellCounts(c.Request.Context(), *site.User(c), req)
	s.planResult(c, t, true, "plan.saved", err)
}

// moveSlot gives a never-used slot of one party to another.
func (s *server) moveSlot(c *gin.Context) {
	t := planTargetOf(c)
	if t.day.IsZero() {
		s.notFound(c)
		return
	}
	err := s.Recruit.MoveSlot(c.Request.Context(), *site.User(c), t.electionID, t.version, t.cell(),
		formInt64(c, "fra"), formInt64(c, "til"))
	s.planResult(c, t, true, "plan.moved", err)
}

// parties lists the council groups, pools and valggrupper.
func (s *server) parties(c *gin.Context) {
	s.renderParties(c, http.StatusOK, "")
}

func (s *server) renderParties(c *gin.Context, status int, errText string) {
	groups, pools, valggrupper, err := s.Setup.Parties(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	names := map[int64]string{}
	members := map[int64][]string{}
	seats := map[int64]int{}
	total := 0
	for _, v := range valggrupper {
		names[v.ID] = v.Name
	}
	for _, g := range groups {
		total += g.CouncilSeats
		if g.ValggruppeID != nil {
			members[*g.ValggruppeID] = append(members[*g.ValggruppeID], g.Name)
			seats[*g.ValggruppeID] += g.CouncilSeats
		}
	}
	s.renderView(c, status, "parties.html", "parties.title", &partiesView{
		Groups: groups, Pools: pools, Valggrupper: valggrupper, GroupNames: names, Members: members, GroupSeats: seats,
		TotalSeats: total, MayEdit: site.StaffWrite.Allows(site.User(c)), Error: errText,
		Notice: noticeOf(c, "parties.saved", "parties.created", "parties.groupcreated", "parties.groupdeleted"),
	})
}

// partiesView is the council groups, the pools and the valggrupper that
// join groups for the d'Hondt distribution.
type partiesView struct {
	Page
	Groups, Pools []models.Party
	Valggrupper   []models.Valggruppe
	GroupNames    map[int64]string   // valggruppe → name
	Members       map[int64][]string // valggruppe → its groups' names
	GroupSeats    map[int64]int      // valggruppe → council seats
	TotalSeats    int
	MayEdit       bool
	Error         string
	Notice        string
}

func (s *server) partiesResult(c *gin.Context, notice string, err error) {
	var ue *models.UserError
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/partier?besked="+notice)
	case errors.As(err, &ue):
		s.renderParties(c, http.StatusUnprocessableEntity, site.ErrText(c, ue))
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
	default:
		s.fail(c, err)
	}
}

func partyFromForm(c *gin.Context) (models.Party, error) {
	p := models.Party{Name: c.PostForm("name"), Letter: c.PostForm("letter"), Kind: models.PartyKind(c.PostForm("kind"))}
	if seats := strings.TrimSpace(c.PostForm("seats")); seats != "" {
		n, err := strconv.Atoi(seats)
		if err != nil {
			return p, models.RefuseField("council_seats", "error.party.seats")
		}
		p.CouncilSeats = n
	}
	if g := formInt64(c, "valggruppe"); g != 0 {
		p.ValggruppeID = &g
	}
	return p, nil
}

// saveParty creates a party or pool (no id) or changes one.
func (s *server) saveParty(c *gin.Context) {
	p, err := partyFromForm(c)
	notice := "parties.created"
	if c.Param("id") != "" {
		p.ID, notice = idParam(c), "parties.saved"
		if p.ID == 0 {
			s.notFound(c)
			return
		}
	}
	if err == nil {
		_, err = s.Setup.SaveParty(c.Request.Context(), *site.User(c), p)
	}
	s.partiesResult(c, notice, err)
}

func (s *server) createValggruppe(c *gin.Context) {
	_, err := s.Setup.CreateValggruppe(c.Request.Context(), *site.User(c), c.PostForm("name"))
	s.partiesResult(c, "parties.groupcreated", err)
}

func (s *server) deleteValggruppe(c *gin.Context) {
	err := s.Setup.DeleteValggruppe(c.Request.Context(), *site.User(c), idParam(c))
	s.partiesResult(c, "parties.groupdeleted", err)
}

// stationDeletion shows what deleting a station would do and asks.
func (s *server) stationDeletion(c *gin.Context) {
	impact, err := s.Setup.StationDeletion(c.Request.Context(), *site.User(c), idParam(c))
	if s.readFailed(c, err) {
		return
	}
	s.render(c, http.StatusOK, "station_delete.html", "stationdelete.title", map[string]any{"I": impact})
}

// deleteStation deletes a station once confirmed.
func (s *server) deleteStation(c *gin.Context) {
	id := idParam(c)
	err := s.Setup.DeleteStation(c.Request.Context(), *site.User(c), id, c.PostForm("confirm") == "yes")
	var ue *models.UserError
	var confirm *models.NeedsConfirmation
	switch {
	case err == nil:
		s.render(c, http.StatusOK, "station_delete.html", "stationdelete.title", map[string]any{"Deleted": true})
	case errors.As(err, &confirm):
		s.stationDeletion(c)
	case errors.As(err, &ue):
		impact, _ := s.Setup.StationDeletion(c.Request.Context(), *site.User(c), id)
		s.render(c, http.StatusUnprocessableEntity, "station_delete.html", "stationdelete.title", map[string]any{"I": impact, "Error": site.ErrText(c, ue)})
	case errors.Is(err, models.ErrStale):
		impact, _ := s.Setup.StationDeletion(c.Request.Context(), *site.User(c), id)
		s.render(c, http.StatusConflict, "station_delete.html", "stationdelete.title", map[string]any{"I": impact, "ErrorKey": "stationdelete.stale"})
	default:
		s.readFailed(c, err)
	}
}
