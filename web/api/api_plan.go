package api

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// The slot plan, the d'Hondt quota and the status overview.

type apiPlanCell struct {
	StationID  int64  `json:"station_id"`
	TaskTypeID int64  `json:"task_type_id"`
	Day        string `json:"day"`
	PartyID    int64  `json:"party_id"`
	Slots      int    `json:"slots"`
	Held       int    `json:"held"`
	Used       int    `json:"used"`
	Agreed     int    `json:"agreed"`
}

// apiPlan answers with an election's slot counts per station × task type ×
// day × party; cells without slots are left out.
func (s *server) apiPlan(c *gin.Context) {
	p, err := s.Setup.Plan(c.Request.Context(), *site.User(c), apiID(c, "id"))
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := struct {
		ElectionID  int64         `json:"election_id"`
		PlanVersion int           `json:"plan_version"`
		Days        []string      `json:"days"`
		Cells       []apiPlanCell `json:"cells"`
	}{ElectionID: p.Election.ID, PlanVersion: p.Election.PlanVersion, Days: []string{}, Cells: []apiPlanCell{}}
	for _, d := range p.Days {
		out.Days = append(out.Days, d.String())
	}
	for cell, parties := range p.Cells {
		for party, n := range parties {
			out.Cells = append(out.Cells, apiPlanCell{StationID: cell.StationID, TaskTypeID: cell.TaskTypeID, Day: cell.Day.String(),
				PartyID: party, Slots: n.Slots, Held: n.Held, Used: n.Used, Agreed: n.Agreed})
		}
	}
	slices.SortFunc(out.Cells, func(a, b apiPlanCell) int {
		return cmp.Or(cmp.Compare(a.StationID, b.StationID), cmp.Compare(a.TaskTypeID, b.TaskTypeID),
			cmp.Compare(a.Day, b.Day), cmp.Compare(a.PartyID, b.PartyID))
	})
	c.JSON(http.StatusOK, out)
}

// apiDistributeByQuota sets the council groups' slots of a task type on a
// day by d'Hondt (recruit.DistributeQuota). A change that removes empty
// slots is refused with 409 and "removes" until it is sent with confirm.
func (s *server) apiDistributeByQuota(c *gin.Context) {
	var in struct {
		PlanVersion int    `json:"plan_version"`
		TaskTypeID  int64  `json:"task_type_id"`
		Day         string `json:"day"`
		Counts      []struct {
			StationID int64 `json:"station_id"`
			Slots     int   `json:"slots"`
		} `json:"counts"`
		MunicipalityWide  bool `json:"municipality_wide"`
		ReleaseAgreements bool `json:"release_agreements"`
		Confirm           bool `json:"confirm"`
	}
	if !bindJSON(c, &in) {
		return
	}
	day, err := models.ParseDate(in.Day)
	if err != nil {
		msg := site.ErrText(c, models.RefuseField("day", "error.date"))
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: msg, Fields: map[string]string{"day": msg}})
		return
	}
	req := recruit.QuotaRequest{ElectionID: apiID(c, "id"), PlanVersion: in.PlanVersion, TaskTypeID: in.TaskTypeID, Day: day,
		Counts: map[int64]int{}, MunicipalityWide: in.MunicipalityWide, ReleaseAgreements: in.ReleaseAgreements, Confirm: in.Confirm}
	for _, n := range in.Counts {
		req.Counts[n.StationID] = n.Slots
	}
	res, err := s.Recruit.DistributeQuota(c.Request.Context(), *site.User(c), req)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"added": res.Added, "removed": res.Removed,
		// The change raised the plan version by one: the version the
		// client's next change is based on.
		"plan_version": in.PlanVersion + 1, "record": res.Record})
}

// apiQuota is `valghalla quota` over HTTP: d'Hondt over the contenders with
// a seeded, recorded lot for ties. Nothing is stored.
func (s *server) apiQuota(c *gin.Context) {
	var in struct {
		Seats      int                `json:"seats"`
		Seed       uint64             `json:"seed"`
		Contenders []models.Contender `json:"contenders"`
	}
	if !bindJSON(c, &in) {
		return
	}
	alloc, err := models.DHondt(in.Seats, in.Contenders, in.Seed)
	if errors.Is(err, models.ErrQuota) {
		apiError(c, http.StatusUnprocessableEntity, site.ErrText(c, err))
		return
	} else if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, alloc)
}

type apiCounts struct {
	Slots     int `json:"slots"`
	Vacant    int `json:"vacant"`
	Nominated int `json:"nominated"`
	Invited   int `json:"invited"`
	Confirmed int `json:"confirmed"`
	NoShow    int `json:"no_show"`
	Declined  int `json:"declined"`
	Expired   int `json:"expired"`
	Cancelled int `json:"cancelled"`
	Removed   int `json:"removed"`
}

func toAPICounts(n models.Counts) apiCounts {
	return apiCounts{n.Slots, n.Vacant, n.Nominated, n.Invited, n.Confirmed, n.NoShow, n.Declined, n.Expired, n.Cancelled, n.Removed}
}

type apiNamed struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiOverviewParty struct {
	Party  apiNamed  `json:"party"`
	Counts apiCounts `json:"counts"`
}

type apiOverviewTaskType struct {
	TaskType apiNamed           `json:"task_type"`
	Total    apiCounts          `json:"total"`
	Parties  []apiOverviewParty `json:"parties"`
}

type apiOverviewStation struct {
	Station   apiNamed              `json:"station"`
	District  int                   `json:"district"`
	Total     apiCounts             `json:"total"`
	TaskTypes []apiOverviewTaskType `json:"task_types"`
}

type apiOverviewArea struct {
	Area     apiNamed             `json:"area"`
	Total    apiCounts            `json:"total"`
	Stations []apiOverviewStation `json:"stations"`
}

type apiDeclined struct {
	AssignmentID  int64      `json:"assignment_id"`
	ParticipantID int64      `json:"participant_id"`
	Name          string     `json:"name"`
	StationID     int64      `json:"station_id"`
	TaskTypeID    int64      `json:"task_type_id"`
	PartyID       int64      `json:"party_id"`
	Day           string     `json:"day"`
	Reason        string     `json:"reason"`
	At            *time.Time `json:"at"`
}

// apiOverview is the status overview of an election; a party secretary
// gets their own party only (the store decides).
func (s *server) apiOverview(c *gin.Context) {
	var f models.OverviewFilter
	ids := map[string]*int64{"party_id": &f.PartyID, "task_type_id": &f.TaskTypeID, "station_id": &f.StationID}
	for name, dst := range ids {
		if v := c.Query(name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id < 1 {
				apiError(c, http.StatusBadRequest, site.T(c)("api.malformed", name))
				return
			}
			*dst = id
		}
	}
	if v := c.Query("day"); v != "" {
		d, err := models.ParseDate(v)
		if err != nil {
			apiError(c, http.StatusBadRequest, site.T(c)("api.malformed", err.Error()))
			return
		}
		f.Day = d
	}
	o, err := s.Recruit.Overview(c.Request.Context(), *site.User(c), apiID(c, "id"), f)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := struct {
		ElectionID int64             `json:"election_id"`
		HasSlots   bool              `json:"has_slots"`
		Total      apiCounts         `json:"total"`
		Areas      []apiOverviewArea `json:"areas"`
		Declined   []apiDeclined     `json:"declined"`
	}{ElectionID: o.Election.ID, HasSlots: o.HasSlots, Total: toAPICounts(o.Total), Areas: []apiOverviewArea{}, Declined: []apiDeclined{}}
	for _, a := range o.Areas {
		area := apiOverviewArea{Area: apiNamed{a.Area.ID, a.Area.Name}, Total: toAPICounts(a.Total), Stations: []apiOverviewStation{}}
		for _, st := range a.Stations {
			station := apiOverviewStation{Station: apiNamed{st.Station.ID, st.Station.Name}, District: st.Station.District,
				Total: toAPICounts(st.Total), TaskTypes: []apiOverviewTaskType{}}
			for _, tt := range st.TaskTypes {
				taskType := apiOverviewTaskType{TaskType: apiNamed{tt.TaskType.ID, tt.TaskType.Name}, Total: toAPICounts(tt.Total),
					Parties: []apiOverviewParty{}}
				for _, p := range tt.Parties {
					taskType.Parties = append(taskType.Parties, apiOverviewParty{apiNamed{p.Party.ID, p.Party.Name}, toAPICounts(p.Counts)})
				}
				station.TaskTypes = append(station.TaskTypes, taskType)
			}
			area.Stations = append(area.Stations, station)
		}
		out.Areas = append(out.Areas, area)
	}
	for _, d := range o.Declined {
		out.Declined = append(out.Declined, apiDeclined{AssignmentID: d.AssignmentID, ParticipantID: d.ParticipantID, Name: d.Name,
			StationID: d.Station.ID, TaskTypeID: d.TaskType.ID, PartyID: d.Party.ID, Day: d.Day.String(), Reason: string(d.Reason), At: d.At})
	}
	c.JSON(http.StatusOK, out)
}

// apiPlanCellInput names one cell of the plan and the plan version a
// change is based on.
type apiPlanCellInput struct {
	PlanVersion int    `json:"plan_version"`
	StationID   int64  `json:"station_id"`
	TaskTypeID  int64  `json:"task_type_id"`
	Day         string `json:"day"`
}

// cell parses the day; a bad one is answered with 422 (false).
func (in apiPlanCellInput) cell(c *gin.Context) (models.PlanCell, bool) {
	day, err := models.ParseDate(in.Day)
	if err != nil {
		msg := site.ErrText(c, models.RefuseField("day", "error.date"))
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: msg, Fields: map[string]string{"day": msg}})
		return models.PlanCell{}, false
	}
	return models.PlanCell{StationID: in.StationID, TaskTypeID: in.TaskTypeID, Day: day}, true
}

// apiSetCellCounts sets parties' slots in one cell (setup.SetCellCounts):
// pools by hand, council groups by agreement. Removing empty slots is
// refused with 409 and "removes" until sent with confirm.
func (s *server) apiSetCellCounts(c *gin.Context) {
	var in struct {
		apiPlanCellInput
		Counts []struct {
			PartyID int64 `json:"party_id"`
			Slots   int   `json:"slots"`
		} `json:"counts"`
		Confirm bool `json:"confirm"`
	}
	if !bindJSON(c, &in) {
		return
	}
	cell, ok := in.cell(c)
	if !ok {
		return
	}
	req := models.CellRequest{ElectionID: apiID(c, "id"), PlanVersion: in.PlanVersion, Cell: cell, Counts: map[int64]int{}, Confirm: in.Confirm}
	for _, n := range in.Counts {
		req.Counts[n.PartyID] = n.Slots
	}
	if err := s.Setup.SetCellCounts(c.Request.Context(), *site.User(c), req); err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan_version": in.PlanVersion + 1})
}

// apiMoveVacantSlot gives a never-used slot of one party in a cell to
// another (recruit.MoveSlot).
func (s *server) apiMoveVacantSlot(c *gin.Context) {
	var in struct {
		apiPlanCellInput
		FromPartyID int64 `json:"from_party_id"`
		ToPartyID   int64 `json:"to_party_id"`
	}
	if !bindJSON(c, &in) {
		return
	}
	cell, ok := in.cell(c)
	if !ok {
		return
	}
	err := s.Recruit.MoveSlot(c.Request.Context(), *site.User(c), apiID(c, "id"), in.PlanVersion, cell,
		in.FromPartyID, in.ToPartyID)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan_version": in.PlanVersion + 1})
}
