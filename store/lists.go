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
	"github.com/valghalla/valghalla/vault"
)

// Lists and exports of the people staffing an election. People with name
// and address protection (adressebeskyttelse) are on every list like
// anyone else — left out, they would be missing from the election system
// and not paid — with their row marked (ListRow.Protected); no list holds
// an address. A party secretary's list shows them by name only: station,
// task and state, never contact data nor special diet (protectedRow).

// ListStates are the states a list may be filtered by, in the form's order.
var ListStates = models.GroupStates

// ServingStates are the states of the people who do (or did) the task: the
// ready-made lists for the day, the diæt and the election system are of
// them only.
var ServingStates = []models.AssignmentState{models.StateConfirmed, models.StateCompleted}

// ListScopeOf returns what actor may list in an election.
func ListScopeOf(ctx context.Context, db *gorm.DB, actor models.User, electionID int64) (models.ListScope, error) {
	var out models.ListScope
	sc, err := scopeOf(ctx, db, actor)
	if err != nil {
		return out, err
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
	var stations []models.PollingStation
	var parties []models.Party
	for _, load := range []func() error{
		func() error { return db.Find(&stations).Error },
		func() error { return db.Find(&out.TaskTypes).Error },
		func() error { return db.Find(&parties).Error },
	} {
		if err := load(); err != nil {
			return out, err
		}
	}
	models.SortDanish(stations, func(s models.PollingStation) string { return s.Name })
	models.SortDanish(out.TaskTypes, func(t models.TaskType) string { return t.Name })
	sortParties(parties)
	for _, s := range stations {
		if sc.stations == nil || slices.Contains(sc.stations, s.ID) {
			out.Stations = append(out.Stations, s)
		}
	}
	for _, p := range parties {
		if sc.partyID == 0 || p.ID == sc.partyID {
			out.Parties = append(out.Parties, p)
		}
	}
	out.OneParty = sc.partyID != 0
	return out, nil
}

// listQuery selects the assignments of the list in the actor's scope.
func listQuery(db *gorm.DB, sc overviewScope, electionID int64, f models.ListFilter) *gorm.DB {
	q := sc.where(db.Model(&models.Assignment{}), electionID, models.OverviewFilter{Day: f.Day})
	if len(f.StationIDs) > 0 {
		q = q.Where("station_id IN ?", f.StationIDs)
	}
	if len(f.TaskTypeIDs) > 0 {
		q = q.Where("task_type_id IN ?", f.TaskTypeIDs)
	}
	if len(f.PartyIDs) > 0 {
		q = q.Where("party_id IN ?", f.PartyIDs)
	}
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	return q
}

// checkListFilter refuses a filter outside the actor's scope (as the
// overview does) and a state no assignment can be in.
func checkListFilter(sc overviewScope, f models.ListFilter) error {
	for _, s := range f.States {
		if !slices.Contains(ListStates, s) {
			return fmt.Errorf("unknown assignment state %q", s)
		}
	}
	if sc.partyID != 0 && slices.ContainsFunc(f.PartyIDs, func(id int64) bool { return id != sc.partyID }) {
		return models.ErrForbidden
	}
	if sc.stations != nil && slices.ContainsFunc(f.StationIDs, func(id int64) bool { return !slices.Contains(sc.stations, id) }) {
		return models.ErrForbidden
	}
	return nil
}

// ParticipantList returns one row per assignment in an election that the
// actor may see and the filter admits, sorted in Danish order by station,
// then name (then day, task type): staff, administrators and read-only
// staff see every party; a party secretary their own party (and only their
// stations when limited), like the overview. A filter outside the actor's
// scope is models.ErrForbidden. People with a protected address are listed
// and marked, by name only for a party secretary (protectedRow).
func ParticipantList(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f models.ListFilter) ([]models.ListRow, error) {
	rows, _, err := participantList(ctx, db, actor, electionID, f, false)
	return rows, err
}

// participantList is ParticipantList that may also return each row's CPR
// number (digits), for the election-system export only.
func participantList(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f models.ListFilter,
	withCPR bool) ([]models.ListRow, map[int64]string, error) {
	scope, err := ListScopeOf(ctx, db, actor, electionID)
	if err != nil {
		return nil, nil, err
	}
	sc, err := scopeOf(ctx, db, actor)
	if err != nil {
		return nil, nil, err
	}
	if err := checkListFilter(sc, f); err != nil {
		return nil, nil, err
	}
	db = db.WithContext(ctx)
	var as []models.Assignment
	if err := listQuery(db, sc, electionID, f).Find(&as).Error; err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.ParticipantID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	cols := []string{"id", "name", "mobile", "email", "special_diet", "protected_address"}
	if withCPR {
		cols = append(cols, "cpr")
	}
	people := map[int64]models.Participant{}
	// In chunks: a parameter list has limits (SQLite 32,766).
	for chunk := range slices.Chunk(ids, 5000) {
		var ps []models.Participant
		if err := db.Select(cols).Where("id IN ?", chunk).Find(&ps).Error; err != nil {
			return nil, nil, err
		}
		if sc.partyID != 0 {
			// A party secretary reads what their party typed.
			if err := asPartyHolds(ctx, db, ps, sc.partyID); err != nil {
				return nil, nil, err
			}
		}
		for _, p := range ps {
			people[p.ID] = p
		}
	}
	// The election's parties, stations and task types, whole: the scope
	// decided which rows there are, these only name them.
	var stations []models.PollingStation
	var parties []models.Party
	if err := db.Find(&stations).Error; err != nil {
		return nil, nil, err
	}
	if err := db.Find(&parties).Error; err != nil {
		return nil, nil, err
	}
	stationOf, taskTypeOf, partyOf := map[int64]models.PollingStation{}, map[int64]models.TaskType{}, map[int64]models.Party{}
	for _, s := range stations {
		stationOf[s.ID] = s
	}
	for _, t := range scope.TaskTypes {
		taskTypeOf[t.ID] = t
	}
	for _, p := range parties {
		partyOf[p.ID] = p
	}
	rows := make([]models.ListRow, 0, len(as))
	var cprs map[int64]string
	if withCPR {
		cprs = map[int64]string{}
	}
	for _, a := range as {
		p, ok := people[a.ParticipantID]
		if !ok { // deleted between the two queries
			continue
		}
		rows = append(rows, protectedRow(sc, p, models.ListRow{AssignmentID: a.ID, ParticipantID: p.ID, Station: stationOf[a.StationID],
			TaskType: taskTypeOf[a.TaskTypeID], Party: partyOf[a.PartyID], Day: a.Day, Name: p.Name, State: a.State, Attendance: a.Attendance,
			SpecialDiet: p.SpecialDiet.Reveal(), Mobile: p.Mobile.Reveal(), Email: p.Email.Reveal()}))
		if withCPR {
			cprs[p.ID] = p.CPR.Reveal()
		}
	}
	sortList(rows, func(a, b models.ListRow, c *collate.Collator) int {
		if d := c.CompareString(a.Station.Name, b.Station.Name); d != 0 {
			return d
		}
		if d := a.Station.ID - b.Station.ID; d != 0 { // two stations of one name
			return sign(d)
		}
		return c.CompareString(a.Name, b.Name)
	})
	return rows, cprs, nil
}

// protectedRow marks the row of a person with name and address protection;
// a party secretary's row of them keeps the name, station, task, day and
// state only: no contact data, no special diet.
func protectedRow(sc overviewScope, p models.Participant, r models.ListRow) models.ListRow {
	if !p.ProtectedAddress {
		return r
	}
	r.Protected = true
	if sc.partyID != 0 {
		r.Mobile, r.Email, r.SpecialDiet = "", "", ""
	}
	return r
}

// ProtectedAmong returns which of the people ids have name and address
// protection, for marking them on a page (the closing's attendance).
func ProtectedAmong(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, 5000) {
		var got []int64
		if err := db.WithContext(ctx).Model(&models.Participant{}).Where("id IN ? AND protected_address = ?", chunk, true).
			Pluck("id", &got).Error; err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// sortList sorts rows by first, then by name, person, day, task type and
// assignment: the same rows always come in the same order.
func sortList(rows []models.ListRow, first func(a, b models.ListRow, c *collate.Collator) int) {
	c := collate.New(language.Danish) // not safe for concurrent use: one per sort
	slices.SortStableFunc(rows, func(a, b models.ListRow) int {
		if d := first(a, b, c); d != 0 {
			return d
		}
		if d := c.CompareString(a.Name, b.Name); d != 0 {
			return d
		}
		if d := a.ParticipantID - b.ParticipantID; d != 0 {
			return sign(d)
		}
		if d := a.Day.DaysSince(b.Day); d != 0 {
			return d
		}
		if d := c.CompareString(a.TaskType.Name, b.TaskType.Name); d != 0 {
			return d
		}
		return sign(a.AssignmentID - b.AssignmentID)
	})
}

func sign(d int64) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

// SortByName re-sorts a list by person (Danish order), for lists about
// people rather than places, such as the diæt list.
func SortByName(rows []models.ListRow) {
	sortList(rows, func(a, b models.ListRow, c *collate.Collator) int { return c.CompareString(a.Name, b.Name) })
}

// ElectionSystemRow is one line of the export to the election system: the
// full CPR number, with a dash, for the people who serve; a person with
// name and address protection marked (the export holds no address).
type ElectionSystemRow struct {
	TaskType  string
	Name      string
	BirthDate models.Date
	District  int    // afstemningsområde of the polling station
	CPR       string // DDMMYY-XXXX, the full number
	Protected bool   // adressebeskyttelse
}

// ElectionSystemExport returns the rows of the export to the election
// system (the confirmed and completed people of the filter, or the states
// it names, at polling stations: never at a work location) and records it in the audit log in the same transaction: one
// entry for the export with its count, and one per person exported, so a
// subject-access request finds it. Administrators and staff only, never
// read-only staff nor party secretaries: it holds full CPR numbers.
func ElectionSystemExport(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f models.ListFilter,
	format string, now time.Time) ([]ElectionSystemRow, error) {
	if !isStaff(actor) {
		return nil, models.ErrForbidden
	}
	if len(f.States) == 0 {
		f.States = ServingStates
	}
	rows, cprs, err := participantList(ctx, db, actor, electionID, f, true)
	if err != nil {
		return nil, err
	}
	// Only polling stations are known to the election system: the people
	// of a work location (the postal-vote desk, the counting hall) are not
	// exported, nor counted, nor recorded as exported.
	rows = slices.DeleteFunc(rows, func(r models.ListRow) bool { return !r.Station.IsPollingStation() })
	out := make([]ElectionSystemRow, 0, len(rows))
	for _, r := range rows {
		number, err := models.ParseCPR(cprs[r.ParticipantID])
		if err != nil {
			// Stored numbers were checked on the way in; a broken one
			// is a data error that must not be passed on silently.
			return nil, fmt.Errorf("participant %d: stored CPR number unreadable", r.ParticipantID)
		}
		d := number.Digits()
		out = append(out, ElectionSystemRow{TaskType: r.TaskType.Name, Name: r.Name, BirthDate: number.BirthDate(),
			District: r.Station.District, CPR: d[:6] + "-" + d[6:], Protected: r.Protected})
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := make([]int64, 0, len(rows))
		for _, r := range rows {
			ids = append(ids, r.ParticipantID)
		}
		return recordExport(tx, actor, models.ExportRecord{ElectionID: electionID, List: "valgsystem", Format: format,
			Rows: len(out), ParticipantIDs: ids}, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordExport writes an export to the audit log: who, which list, which
// election, how many rows; never a name or CPR number in the text.
func RecordExport(ctx context.Context, db *gorm.DB, actor models.User, r models.ExportRecord, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return recordExport(tx, actor, r, now) })
}

func recordExport(tx *gorm.DB, actor models.User, r models.ExportRecord, now time.Time) error {
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	list := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, r.List)
	detail := fmt.Sprintf("list %s of election %d as %s: %d rows", list, r.ElectionID, r.Format, r.Rows)
	if err := Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditExport, Detail: detail}); err != nil {
		return err
	}
	seen := map[int64]bool{}
	entries := make([]models.AuditEntry, 0, len(r.ParticipantIDs))
	for _, id := range r.ParticipantIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		entries = append(entries, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditExport, ParticipantID: &id,
			Detail: fmt.Sprintf("exported with CPR number on list %s of election %d", list, r.ElectionID)})
	}
	if len(entries) == 0 {
		return nil
	}
	return tx.CreateInBatches(entries, 500).Error
}

// MarkProtectedAddress records that the CPR register says the person with
// this number has name and address protection, for a person registered
// before the register said so (the CSV import). Nothing happens for a
// number not registered.
func MarkProtectedAddress(ctx context.Context, db *gorm.DB, keys *vault.Keyring, number models.CPR) error {
	return db.WithContext(ctx).Model(&models.Participant{}).Where("cpr_index = ?", CPRIndex(keys, number)).
		Update("protected_address", true).Error
}
