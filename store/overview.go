package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// addCounts adds o to c: a total of cells.
func addCounts(c *models.Counts, o models.Counts) {
	c.Slots += o.Slots
	c.Vacant += o.Vacant
	c.Nominated += o.Nominated
	c.Invited += o.Invited
	c.Confirmed += o.Confirmed
	c.NoShow += o.NoShow
	c.Declined += o.Declined
	c.Expired += o.Expired
	c.Cancelled += o.Cancelled
	c.Removed += o.Removed
}

// held is how many of the cell's slots someone holds.
func held(c models.Counts) int { return c.Nominated + c.Invited + c.Confirmed + c.NoShow }

// MaxDeclinedShown caps the list of declined invitations (newest first);
// Overview.Total.Declined tells how many there are in all.
const MaxDeclinedShown = 200

// scanRows runs q and hands each row to fn.
func scanRows(q *gorm.DB, fn func(scan func(...any) error) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// overviewScope is what an actor may see: all parties and stations, or one
// party (a party secretary) and maybe some of its stations.
type overviewScope struct {
	partyID  int64   // 0: every party
	stations []int64 // nil: every station
}

func scopeOf(ctx context.Context, db *gorm.DB, actor models.User) (overviewScope, error) {
	if mayReadAllParties(actor) {
		return overviewScope{}, nil
	}
	if actor.Role != models.RolePartySecretary || actor.PartyID == nil {
		return overviewScope{}, models.ErrForbidden
	}
	limit, err := StationLimitOf(ctx, db, actor)
	sc := overviewScope{partyID: *actor.PartyID}
	if limit.Limited {
		sc.stations = limit.IDs // not nil: none left is none
	}
	return sc, err
}

// allows tells whether a record of partyID at stationID is in the scope.
func (sc overviewScope) allows(partyID, stationID int64) bool {
	return (sc.partyID == 0 || sc.partyID == partyID) && (sc.stations == nil || slices.Contains(sc.stations, stationID))
}

// where narrows a query on slots or assignments to the scope and filter.
func (sc overviewScope) where(q *gorm.DB, electionID int64, f models.OverviewFilter) *gorm.DB {
	q = q.Where("election_id = ?", electionID)
	if sc.partyID != 0 {
		q = q.Where("party_id = ?", sc.partyID)
	}
	if sc.stations != nil {
		q = q.Where("station_id IN ?", sc.stations)
	}
	if !f.Day.IsZero() {
		q = q.Where("day = ?", f.Day)
	}
	if f.PartyID != 0 {
		q = q.Where("party_id = ?", f.PartyID)
	}
	if f.TaskTypeID != 0 {
		q = q.Where("task_type_id = ?", f.TaskTypeID)
	}
	if f.StationID != 0 {
		q = q.Where("station_id = ?", f.StationID)
	}
	return q
}

// OverviewElections lists the elections for the overview's chooser: active
// ones first (nearest day first), then drafts, then closed ones (newest
// first). Party secretaries do not see drafts: their plan is not settled.
func OverviewElections(ctx context.Context, db *gorm.DB, actor models.User) ([]models.Election, error) {
	if _, err := scopeOf(ctx, db, actor); err != nil {
		return nil, err
	}
	q := db.WithContext(ctx).Order("election_day, id")
	if !mayReadAllParties(actor) {
		q = q.Where("state <> ?", models.ElectionDraft)
	}
	var es []models.Election
	if err := q.Find(&es).Error; err != nil {
		return nil, err
	}
	rank := map[models.ElectionState]int{models.ElectionActive: 0, models.ElectionDraft: 1, models.ElectionClosed: 2}
	slices.SortStableFunc(es, func(a, b models.Election) int {
		if d := rank[a.State] - rank[b.State]; d != 0 {
			return d
		}
		if a.State == models.ElectionClosed {
			return b.ElectionDay.DaysSince(a.ElectionDay)
		}
		return 0
	})
	return es, nil
}

// stateCounts counts a cell's assignments per state; FILTER works on
// PostgreSQL and SQLite (3.30+) alike.
var stateCounts = func() string {
	cols := []struct {
		name   string
		states []models.AssignmentState
	}{
		{"nominated", []models.AssignmentState{models.StateNominated}},
		{"invited", []models.AssignmentState{models.StateInvited}},
		{"confirmed", []models.AssignmentState{models.StateConfirmed, models.StateCompleted}},
		{"no_show", []models.AssignmentState{models.StateNoShow}},
		{"declined", []models.AssignmentState{models.StateDeclined}},
		{"expired", []models.AssignmentState{models.StateExpired}},
		{"cancelled", []models.AssignmentState{models.StateCancelled}},
		{"removed", []models.AssignmentState{models.StateRemoved}},
	}
	var parts []string
	for _, c := range cols {
		var in []string
		for _, s := range c.states {
			in = append(in, "'"+string(s)+"'")
		}
		parts = append(parts, fmt.Sprintf("COUNT(*) FILTER (WHERE state IN (%s)) AS %s", strings.Join(in, ", "), c.name))
	}
	return strings.Join(parts, ", ")
}()

type cellKey struct{ station, taskType, party int64 }

// Overview counts an election's slots and assignments per area → polling
// station → task type → party, with totals at each level, as actor may see
// them: staff, administrators and read-only staff every party, a party
// secretary their own party only (and only their stations when limited).
// A filter for a party or station outside the actor's scope is
// models.ErrForbidden. It runs a fixed handful of queries whatever the size of
// the election: two GROUP BY counts over the plan indexes (slots_plan,
// assignments_overview), the declined invitations and the small lookup
// tables; the tree is assembled here.
func Overview(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f models.OverviewFilter) (models.ElectionOverview, error) {
	out := models.ElectionOverview{Filter: f}
	sc, err := scopeOf(ctx, db, actor)
	if err != nil {
		return out, err
	}
	if sc.partyID != 0 && f.PartyID != 0 && f.PartyID != sc.partyID {
		return out, models.ErrForbidden
	}
	if sc.stations != nil && f.StationID != 0 && !slices.Contains(sc.stations, f.StationID) {
		return out, models.ErrForbidden
	}
	db = db.WithContext(ctx)
	if err := db.First(&out.Election, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return out, models.ErrNotFound
	} else if err != nil {
		return out, err
	}
	if sc.partyID != 0 && out.Election.State == models.ElectionDraft {
		return out, models.ErrNotFound
	}
	out.Days = out.Election.TaskDays()

	// The two counts. The snapshot is not atomic across them (a read
	// transaction would take SQLite's write lock): a person nominated in
	// between shows for a moment, and Vacant never goes below zero.
	cells := map[cellKey]*models.Counts{}
	cell := func(k cellKey) *models.Counts {
		c := cells[k]
		if c == nil {
			c = &models.Counts{}
			cells[k] = c
		}
		return c
	}
	// Scanned by hand: a staff overview has thousands of cells, and
	// gorm's reflection per row cost more than the query.
	err = scanRows(sc.where(db.Table("slots"), electionID, f).
		Select("station_id, task_type_id, party_id, COUNT(*)").
		Group("station_id, task_type_id, party_id"), func(scan func(...any) error) error {
		var k cellKey
		var n int
		if err := scan(&k.station, &k.taskType, &k.party, &n); err != nil {
			return err
		}
		cell(k).Slots += n
		return nil
	})
	if err != nil {
		return out, err
	}
	// One row per cell with a count per state, not a row per cell and
	// state: a seventh of the rows to carry to Go.
	err = scanRows(sc.where(db.Table("assignments"), electionID, f).
		Select("station_id, task_type_id, party_id, "+stateCounts).
		Group("station_id, task_type_id, party_id"), func(scan func(...any) error) error {
		var k cellKey
		var r models.Counts
		if err := scan(&k.station, &k.taskType, &k.party, &r.Nominated, &r.Invited, &r.Confirmed, &r.NoShow,
			&r.Declined, &r.Expired, &r.Cancelled, &r.Removed); err != nil {
			return err
		}
		r.Slots = cell(k).Slots
		*cell(k) = r
		return nil
	})
	if err != nil {
		return out, err
	}
	for _, c := range cells {
		c.Vacant = max(0, c.Slots-held(*c))
	}

	// The small tables, whole: at most a few hundred rows.
	var (
		areas     []models.Area
		stations  []models.PollingStation
		taskTypes []models.TaskType
		parties   []models.Party
	)
	for _, load := range []func() error{
		func() error { return db.Find(&areas).Error },
		func() error { return db.Find(&stations).Error },
		func() error { return db.Find(&taskTypes).Error },
		func() error { return db.Find(&parties).Error },
	} {
		if err := load(); err != nil {
			return out, err
		}
	}
	sortParties(parties)
	models.SortDanish(areas, func(a models.Area) string { return a.Name })
	models.SortDanish(stations, func(s models.PollingStation) string { return s.Name })
	models.SortDanish(taskTypes, func(t models.TaskType) string { return t.Name })
	for _, p := range parties {
		if sc.partyID == 0 || p.ID == sc.partyID {
			out.Parties = append(out.Parties, p)
		}
	}
	for _, s := range stations {
		if sc.stations == nil || slices.Contains(sc.stations, s.ID) {
			out.Stations = append(out.Stations, s)
		}
	}
	out.TaskTypes = taskTypes

	out.Areas = assembleOverview(cells, areas, stations, taskTypes, parties, &out.Total)
	if len(cells) > 0 {
		out.HasSlots = true
	} else {
		var one []int64
		if err := sc.where(db.Table("slots"), electionID, models.OverviewFilter{}).Limit(1).Pluck("id", &one).Error; err != nil {
			return out, err
		}
		out.HasSlots = len(one) > 0
	}

	out.Declined, err = declinedInvitations(db, sc, electionID, f, stations, taskTypes, parties)
	return out, err
}

// assembleOverview builds the tree in display order from the cells, leaving
// out every branch without a cell.
func assembleOverview(cells map[cellKey]*models.Counts, areas []models.Area, stations []models.PollingStation,
	taskTypes []models.TaskType, parties []models.Party, total *models.Counts) []models.AreaOverview {
	// Which stations, task types and parties occur, so the loops below
	// visit only those (a party secretary's tree is a twelfth of staff's).
	occurs := map[int64]bool{}
	taskTypesAt := map[int64]map[int64]bool{}
	partiesAt := map[[2]int64]map[int64]bool{}
	for k := range cells {
		occurs[k.station] = true
		if taskTypesAt[k.station] == nil {
			taskTypesAt[k.station] = map[int64]bool{}
		}
		taskTypesAt[k.station][k.taskType] = true
		st := [2]int64{k.station, k.taskType}
		if partiesAt[st] == nil {
			partiesAt[st] = map[int64]bool{}
		}
		partiesAt[st][k.party] = true
	}
	stationsIn := map[int64][]models.PollingStation{}
	for _, s := range stations {
		if occurs[s.ID] {
			stationsIn[s.AreaID] = append(stationsIn[s.AreaID], s)
		}
	}
	var out []models.AreaOverview
	for _, a := range areas {
		if len(stationsIn[a.ID]) == 0 {
			continue
		}
		ao := models.AreaOverview{Area: a}
		for _, s := range stationsIn[a.ID] {
			so := models.StationOverview{Station: s}
			for _, t := range taskTypes {
				if !taskTypesAt[s.ID][t.ID] {
					continue
				}
				to := models.TaskTypeOverview{TaskType: t}
				for _, p := range parties {
					if !partiesAt[[2]int64{s.ID, t.ID}][p.ID] {
						continue
					}
					c := *cells[cellKey{s.ID, t.ID, p.ID}]
					to.Parties = append(to.Parties, models.PartyCounts{Party: p, Counts: c})
					addCounts(&to.Total, c)
				}
				so.TaskTypes = append(so.TaskTypes, to)
				addCounts(&so.Total, to.Total)
			}
			ao.Stations = append(ao.Stations, so)
			addCounts(&ao.Total, so.Total)
		}
		out = append(out, ao)
		addCounts(total, ao.Total)
	}
	return out
}

// sortParties puts council groups by letter first (A … Å, Danish order),
// then pools and letterless groups by name.
func sortParties(ps []models.Party) {
	c := collate.New(language.Danish)
	slices.SortStableFunc(ps, func(a, b models.Party) int {
		switch {
		case a.Letter != "" && b.Letter == "":
			return -1
		case a.Letter == "" && b.Letter != "":
			return 1
		case a.Letter != b.Letter:
			return c.CompareString(a.Letter, b.Letter)
		}
		return c.CompareString(a.Name, b.Name)
	})
}

// declinedInvitations lists the newest "no" answers in scope, by name only.
func declinedInvitations(db *gorm.DB, sc overviewScope, electionID int64, f models.OverviewFilter,
	stations []models.PollingStation, taskTypes []models.TaskType, parties []models.Party) ([]models.DeclinedInvitation, error) {
	var rows []struct {
		ID, ParticipantID              int64
		Name                           string
		StationID, TaskTypeID, PartyID int64
		Day                            models.Date
		DeclineReason                  models.DeclineReason
		AnsweredAt                     *time.Time
	}
	// Only participants.name is read: no CPR, no contact data, nothing to
	// decrypt. A decline is an answer and has its time; the index
	// assignments_declined serves the order and the limit.
	q := sc.where(db.Table("assignments"), electionID, f).Where("state = ?", models.StateDeclined).
		Select("id, participant_id, station_id, task_type_id, party_id, day, decline_reason, answered_at, " +
			"(SELECT name FROM participants WHERE participants.id = assignments.participant_id) AS name").
		Order("answered_at DESC, id DESC").Limit(MaxDeclinedShown)
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	stationOf, taskTypeOf, partyOf := map[int64]models.PollingStation{}, map[int64]models.TaskType{}, map[int64]models.Party{}
	for _, s := range stations {
		stationOf[s.ID] = s
	}
	for _, t := range taskTypes {
		taskTypeOf[t.ID] = t
	}
	for _, p := range parties {
		partyOf[p.ID] = p
	}
	out := make([]models.DeclinedInvitation, len(rows))
	for i, r := range rows {
		out[i] = models.DeclinedInvitation{AssignmentID: r.ID, ParticipantID: r.ParticipantID, Name: r.Name, Station: stationOf[r.StationID], TaskType: taskTypeOf[r.TaskTypeID],
			Party: partyOf[r.PartyID], Day: r.Day, Reason: r.DeclineReason, At: r.AnsweredAt}
	}
	return out, nil
}
