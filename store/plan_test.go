package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// planFixture is the demo municipality with its election, as staff see it.
type planFixture struct {
	db       *gorm.DB
	p        people
	staff    models.User
	readOnly models.User
	e        models.Election
	stations []models.PollingStation
	tt       models.TaskType // Tilforordnet
	parties  map[string]models.Party
	day      models.Date
	now      time.Time
}

func newPlanFixture(t *testing.T, db *gorm.DB) *planFixture {
	t.Helper()
	f := &planFixture{db: db, p: seedPeople(t, db), now: time.Now().UTC(), parties: map[string]models.Party{}}
	f.staff = models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: f.now}
	f.readOnly = models.User{Email: "ro@x.example", Name: "Read", Role: models.RoleReadOnly, CreatedAt: f.now}
	db.Create(&f.staff)
	db.Create(&f.readOnly)
	db.First(&f.e)
	db.Order("district").Find(&f.stations)
	db.Where("name = ?", "Tilforordnet").First(&f.tt)
	var ps []models.Party
	db.Find(&ps)
	for _, p := range ps {
		key := p.Letter
		if key == "" {
			key = p.Name
		}
		f.parties[key] = p
	}
	f.day = f.e.ElectionDay
	return f
}

func (f *planFixture) version(t *testing.T) int {
	t.Helper()
	var e models.Election
	f.db.First(&e, f.e.ID)
	return e.PlanVersion
}

func (f *planFixture) cell(station int) models.PlanCell {
	return models.PlanCell{StationID: f.stations[station].ID, TaskTypeID: f.tt.ID, Day: f.day}
}

// counts is a cell's slots per party letter (or pool name).
func (f *planFixture) counts(t *testing.T, c models.PlanCell) map[string]int {
	t.Helper()
	var slots []models.Slot
	f.db.Where("election_id = ? AND station_id = ? AND task_type_id = ? AND day = ?", f.e.ID, c.StationID, c.TaskTypeID, c.Day).Find(&slots)
	out := map[string]int{}
	for _, s := range slots {
		for k, p := range f.parties {
			if p.ID == s.PartyID {
				out[k]++
			}
		}
	}
	return out
}

func (f *planFixture) distribute(t *testing.T, counts map[int]int, wide bool) (store.QuotaResult, error) {
	t.Helper()
	req := store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), TaskTypeID: f.tt.ID, Day: f.day,
		Counts: map[int64]int{}, MunicipalityWide: wide, Confirm: true}
	for s, n := range counts {
		req.Counts[f.stations[s].ID] = n
	}
	return store.DistributeByQuota(ctx, f.db, f.staff, req, f.now)
}

var participantSeq int

// occupy puts a new person on a slot in the given state.
func (f *planFixture) occupy(t *testing.T, slot models.Slot, state models.AssignmentState) {
	t.Helper()
	participantSeq++
	p := models.Participant{CPRIndex: fmt.Sprintf("test-index-%d-%d", participantSeq, time.Now().UnixNano()), Name: "Test", CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.db.Exec("INSERT INTO participants (cpr, cpr_index, name, created_at, updated_at) VALUES ('x', ?, ?, ?, ?)",
		p.CPRIndex, p.Name, p.CreatedAt, p.UpdatedAt).Error; err != nil {
		t.Fatal(err)
	}
	f.db.Where("cpr_index = ?", p.CPRIndex).First(&p)
	a := models.Assignment{SlotID: slot.ID, ParticipantID: p.ID, ElectionID: slot.ElectionID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, PartyID: slot.PartyID, Day: slot.Day, State: state,
		WorkflowID: payload.LifecycleID(slot.ID, p.ID), NominatedAt: f.now, UpdatedAt: f.now}
	if err := f.db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
}

func (f *planFixture) slotsOf(t *testing.T, c models.PlanCell, party string) []models.Slot {
	t.Helper()
	var slots []models.Slot
	f.db.Where("election_id = ? AND station_id = ? AND task_type_id = ? AND day = ? AND party_id = ?",
		f.e.ID, c.StationID, c.TaskTypeID, c.Day, f.parties[party].ID).Order("id").Find(&slots)
	return slots
}

func TestUpdateElectionSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		in := models.SettingsOf(f.e)
		if in.AnswerDays != "14" || in.LockDays != "3" || !in.AutoReplace {
			t.Fatalf("the schema's defaults are not there: %+v", in)
		}
		in.Title = "Folketingsvalg (udskrevet)"
		in.TasksFrom = f.day.AddDays(-21).String()
		in.TasksUntil = f.day.AddDays(1).String()
		in.LockDays, in.ReminderDaysBefore, in.EveningReminder = "0", "3, 14,7", false
		e, err := store.UpdateElection(ctx, db, f.staff, f.e.ID, f.e.Version, in, f.now)
		if err != nil {
			t.Fatal(err)
		}
		var got models.Election
		db.First(&got, f.e.ID)
		if got.Title != in.Title || got.LockDays != 0 || got.ReminderDaysBefore != "14,7,3" || got.EveningReminder ||
			*got.TasksFrom != f.day.AddDays(-21) || len(got.TaskDays()) != 23 || got.Version != f.e.Version+1 || e.Version != got.Version {
			t.Errorf("saved: %+v", got)
		}
		// The same form again: someone else saved first.
		if _, err := store.UpdateElection(ctx, db, f.staff, f.e.ID, f.e.Version, in, f.now); !errors.Is(err, models.ErrStale) {
			t.Errorf("stale save: %v", err)
		}
		bad := in
		bad.TasksFrom, bad.TasksUntil = f.day.AddDays(1).String(), f.day.AddDays(-1).String()
		bad.LockDays, bad.AnswerDays, bad.ReminderDaysBefore, bad.Title = "-1", "0", "7,,x", " "
		_, err = store.UpdateElection(ctx, db, f.staff, f.e.ID, got.Version, bad, f.now)
		var fe models.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("bad input: %v", err)
		}
		for _, field := range []string{"title", "tasks_from", "tasks_until", "lock_days", "answer_days", "reminder_days_before"} {
			if fe[field] == nil {
				t.Errorf("no message for %s: %v", field, fe)
			}
		}
		bad = in
		bad.Day = "2020-01-01"
		if _, err := store.UpdateElection(ctx, db, f.staff, f.e.ID, got.Version, bad, f.now); !errors.As(err, &fe) || fe["day"] == nil {
			t.Errorf("a day in the past: %v", err)
		}
		for _, u := range []models.User{f.p.secA, f.readOnly} {
			if _, err := store.UpdateElection(ctx, db, u, f.e.ID, got.Version, in, f.now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s: %v", u.Role, err)
			}
		}

		// Slots before the election day: the period cannot shrink past them.
		early := models.PlanCell{StationID: f.stations[0].ID, TaskTypeID: f.tt.ID, Day: f.day.AddDays(-21)}
		if err := store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: early,
			Counts: map[int64]int{f.parties["Frivillige"].ID: 2}}, f.now); err != nil {
			t.Fatal(err)
		}
		shrink := in
		shrink.TasksFrom = ""
		if _, err := store.UpdateElection(ctx, db, f.staff, f.e.ID, got.Version, shrink, f.now); !errors.As(err, &fe) ||
			!strings.Contains(danish(fe["tasks_from"]), "2 pladser") {
			t.Errorf("shrinking past slots: %v", err)
		}
	})
}

func TestDistributeByQuotaPerStationRecordsSeedAndLots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		if f.e.QuotaSeed != 0 {
			t.Fatal("the demo election has a seed already")
		}
		// 9 at the first station (A 4, V 2, F 1, Ø 1, C 1); 7 at the
		// second, where Ø and C draw lots for the last slot.
		res, err := f.distribute(t, map[int]int{0: 9, 1: 7}, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 16 || res.Removed != 0 {
			t.Errorf("added %d, removed %d", res.Added, res.Removed)
		}
		var e models.Election
		db.First(&e, f.e.ID)
		if e.QuotaSeed == 0 || e.PlanVersion != f.e.PlanVersion+1 {
			t.Fatalf("seed %d, plan version %d", e.QuotaSeed, e.PlanVersion)
		}
		if got := f.counts(t, f.cell(0)); !reflect.DeepEqual(got, map[string]int{"A": 4, "V": 2, "F": 1, "Ø": 1, "C": 1}) {
			t.Errorf("station 1: %v", got)
		}
		second := f.counts(t, f.cell(1))
		if second["A"] != 3 || second["V"] != 2 || second["F"] != 1 || second["Ø"]+second["C"] != 1 {
			t.Errorf("station 2: %v", second)
		}
		records, err := store.QuotaRecords(ctx, db, f.readOnly, f.e.ID, f.tt.ID, f.day, 5)
		if err != nil || len(records) != 1 {
			t.Fatalf("records: %v %v", records, err)
		}
		r := records[0]
		if int64(r.QuotaSeed) != e.QuotaSeed || len(r.Draws) != 2 || r.Draws[1].StationID != f.stations[1].ID ||
			len(r.Draws[1].Lots) != 1 || !reflect.DeepEqual(r.Draws[1].Lots[0].Among, []string{"Det Konservative Folkeparti", "Enhedslisten"}) {
			t.Fatalf("record: %+v", r)
		}
		// Reproducible: the recorded seed gives the same result again.
		if _, err := f.distribute(t, map[int]int{0: 9, 1: 7}, false); err != nil {
			t.Fatal(err)
		}
		if again := f.counts(t, f.cell(1)); !reflect.DeepEqual(again, second) {
			t.Errorf("the same seed gave %v, then %v", second, again)
		}
		db.First(&e, f.e.ID)
		if r2, _ := store.QuotaRecords(ctx, db, f.staff, f.e.ID, f.tt.ID, f.day, 5); len(r2) != 2 || r2[0].QuotaSeed != r.QuotaSeed {
			t.Error("the seed changed on the second distribution")
		}
		// Pools are outside the quota: set by hand, untouched by it.
		cell := f.cell(0)
		if err := store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: cell,
			Counts: map[int64]int{f.parties["Frivillige"].ID: 3}}, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.distribute(t, map[int]int{0: 9}, false); err != nil {
			t.Fatal(err)
		}
		plan, err := store.LoadPlan(ctx, db, f.readOnly, f.e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Count(cell, f.parties["Frivillige"].ID).Slots != 3 || plan.QuotaSlots(cell) != 9 || plan.Total(cell).Slots != 12 || plan.Overridden(cell) {
			t.Errorf("plan of the cell: %+v", plan.Cells[cell])
		}
	})
}

func TestDistributeMunicipalityWide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		// 40 tilforordnede over the 7 stations: A 15, V 10, F 5, Ø 4, C 4, O 2.
		counts := map[int]int{0: 6, 1: 6, 2: 6, 3: 6, 4: 6, 5: 5, 6: 5}
		res, err := f.distribute(t, counts, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Record.Mode != "municipality" || len(res.Record.Draws) != 1 || res.Record.Draws[0].Slots != 40 {
			t.Errorf("record: %+v", res.Record)
		}
		totals := map[string]int{}
		for s := range f.stations {
			got := f.counts(t, f.cell(s))
			n := 0
			for k, v := range got {
				totals[k] += v
				n += v
			}
			if n != counts[s] {
				t.Errorf("station %d has %d slots, want %d", s, n, counts[s])
			}
		}
		if want := map[string]int{"A": 15, "V": 10, "F": 5, "Ø": 4, "C": 4, "O": 2}; !reflect.DeepEqual(totals, want) {
			t.Errorf("municipal totals %v, want %v", totals, want)
		}
	})
}

// An overridden cell keeps its counts when the quota is computed again for
// the other cells, per station and municipality-wide.
func TestOverriddenCellKeepsItsCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		if _, err := f.distribute(t, map[int]int{0: 9, 1: 9, 2: 9}, false); err != nil {
			t.Fatal(err)
		}
		agreed := map[string]int{"A": 3, "V": 3, "F": 1, "Ø": 1, "C": 1, "O": 1}
		req := models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: f.cell(1), Counts: map[int64]int{}, Confirm: true}
		for k, v := range agreed {
			req.Counts[f.parties[k].ID] = v
		}
		if err := store.SetCellCounts(ctx, db, f.staff, req, f.now); err != nil {
			t.Fatal(err)
		}
		for _, wide := range []bool{false, true} {
			res, err := f.distribute(t, map[int]int{0: 7, 1: 7, 2: 7}, wide)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Record.Skipped, []int64{f.stations[1].ID}) {
				t.Errorf("wide %v: skipped %v", wide, res.Record.Skipped)
			}
			if got := f.counts(t, f.cell(1)); !reflect.DeepEqual(got, agreed) {
				t.Errorf("wide %v: the overridden cell became %v", wide, got)
			}
			if n := len(f.slotsOf(t, f.cell(0), "A")) + len(f.slotsOf(t, f.cell(0), "V")); n < 4 {
				t.Errorf("wide %v: the other cells were not recomputed", wide)
			}
		}
		plan, _ := store.LoadPlan(ctx, db, f.staff, f.e.ID)
		if !plan.Overridden(f.cell(1)) || plan.Overridden(f.cell(0)) {
			t.Error("Overridden is wrong")
		}
		// Releasing the agreement puts the cell back under the quota.
		req2 := store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), TaskTypeID: f.tt.ID, Day: f.day,
			Counts: map[int64]int{f.stations[1].ID: 9}, ReleaseAgreements: true, Confirm: true}
		if _, err := store.DistributeByQuota(ctx, db, f.staff, req2, f.now); err != nil {
			t.Fatal(err)
		}
		if got := f.counts(t, f.cell(1)); !reflect.DeepEqual(got, map[string]int{"A": 4, "V": 2, "F": 1, "Ø": 1, "C": 1}) {
			t.Errorf("released cell: %v", got)
		}
		plan, _ = store.LoadPlan(ctx, db, f.staff, f.e.ID)
		if plan.Overridden(f.cell(1)) {
			t.Error("the agreement was not released")
		}
	})
}

// Two staff members change the plan from the same version at once: one
// wins, the other gets models.ErrStale, and nothing of the loser's is written.
func TestConcurrentPlanEditsLoseNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		v := f.version(t)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, n := range []int{3, 5} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: v, Cell: f.cell(0),
					Counts: map[int64]int{f.parties["Frivillige"].ID: n}}, f.now)
			}()
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrStale):
				stale++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("%d saved, %d stale: %v", ok, stale, errs)
		}
		n := f.counts(t, f.cell(0))["Frivillige"]
		if (errs[0] == nil && n != 3) || (errs[1] == nil && n != 5) {
			t.Errorf("the winner's count was not kept: %d", n)
		}
		if f.version(t) != v+1 {
			t.Errorf("plan version %d, want %d", f.version(t), v+1)
		}
		// Every kind of plan change checks the version.
		old := v
		if _, err := store.DistributeByQuota(ctx, db, f.staff, store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: old, TaskTypeID: f.tt.ID,
			Day: f.day, Counts: map[int64]int{f.stations[0].ID: 9}}, f.now); !errors.Is(err, models.ErrStale) {
			t.Errorf("distribute on an old version: %v", err)
		}
		if err := store.MoveVacantSlot(ctx, db, f.staff, f.e.ID, old, f.cell(0), f.parties["Frivillige"].ID, f.parties["A"].ID, f.now); !errors.Is(err, models.ErrStale) {
			t.Errorf("move on an old version: %v", err)
		}
	})
}

func TestLoweringCountsNeverDropsAPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		cell := f.cell(0)
		a := f.parties["A"].ID
		set := func(n int, confirm bool) error {
			return store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: cell,
				Counts: map[int64]int{a: n}, Confirm: confirm}, f.now)
		}
		if err := set(5, false); err != nil {
			t.Fatal(err)
		}
		slots := f.slotsOf(t, cell, "A")
		f.occupy(t, slots[0], models.StateConfirmed)
		f.occupy(t, slots[1], models.StateInvited)
		f.occupy(t, slots[2], models.StateDeclined) // vacant, but it has a history
		// Below the two people holding slots: refused, naming them.
		var refused *models.PlanRefused
		if err := set(1, true); !errors.As(err, &refused) || !strings.Contains(danishErr(refused), "2 personer har pladserne her") {
			t.Fatalf("below the holders: %v", err)
		}
		// Below the three used slots: the declined one is kept too.
		if err := set(2, true); !errors.As(err, &refused) || !strings.Contains(danishErr(refused), "1 af pladserne har haft en person på") {
			t.Fatalf("below the used: %v", err)
		}
		// Removing the two empty slots asks first and writes nothing.
		v := f.version(t)
		var confirm *models.NeedsConfirmation
		if err := set(3, false); !errors.As(err, &confirm) || confirm.Removes != 2 {
			t.Fatalf("without confirmation: %v", err)
		}
		if len(f.slotsOf(t, cell, "A")) != 5 || f.version(t) != v {
			t.Fatal("an unconfirmed change was written")
		}
		if err := set(3, true); err != nil {
			t.Fatal(err)
		}
		left := f.slotsOf(t, cell, "A")
		if len(left) != 3 || left[0].ID != slots[0].ID || left[1].ID != slots[1].ID || left[2].ID != slots[2].ID {
			t.Errorf("the wrong slots went: %v", left)
		}
		// The same through the quota: a party with held slots cannot lose them.
		var fe *models.PlanRefused
		_, err := store.DistributeByQuota(ctx, db, f.staff, store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), TaskTypeID: f.tt.ID,
			Day: f.day, Counts: map[int64]int{cell.StationID: 1}, ReleaseAgreements: true, Confirm: true}, f.now)
		if !errors.As(err, &fe) || !strings.Contains(danishErr(fe), "Sønderå Rådhus, Socialdemokratiet") {
			t.Errorf("quota below the holders: %v", err)
		}
		// The foreign key guards a held slot even against a direct delete.
		if err := db.Delete(&models.Slot{}, slots[0].ID).Error; err == nil {
			t.Error("a held slot was deleted")
		}
	})
}

func TestMoveVacantSlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		cell := f.cell(2)
		if _, err := f.distribute(t, map[int]int{2: 9}, false); err != nil {
			t.Fatal(err)
		}
		o, c := f.parties["O"].ID, f.parties["C"].ID
		if err := store.MoveVacantSlot(ctx, db, f.staff, f.e.ID, f.version(t), cell, c, o, f.now); err != nil {
			t.Fatal(err)
		}
		if got := f.counts(t, cell); got["C"] != 0 || got["O"] != 1 {
			t.Errorf("after the move: %v", got)
		}
		plan, _ := store.LoadPlan(ctx, db, f.staff, f.e.ID)
		if !plan.Overridden(cell) {
			t.Error("a moved slot does not mark the cell as by agreement")
		}
		// A slot someone was ever invited to does not move.
		f.occupy(t, f.slotsOf(t, cell, "O")[0], models.StateDeclined)
		var ue *models.UserError
		if err := store.MoveVacantSlot(ctx, db, f.staff, f.e.ID, f.version(t), cell, o, c, f.now); !errors.As(err, &ue) ||
			!strings.Contains(danish(ue), "Dansk Folkeparti har ingen ledig plads") {
			t.Errorf("moving an invited slot: %v", err)
		}
		for _, u := range []models.User{f.p.secA, f.readOnly} {
			if err := store.MoveVacantSlot(ctx, db, u, f.e.ID, f.version(t), cell, f.parties["A"].ID, c, f.now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s moving: %v", u.Role, err)
			}
		}
	})
}

func TestValggruppeInThePlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		blue, err := store.CreateValggruppe(ctx, db, f.staff, "Blå liste")
		if err != nil {
			t.Fatal(err)
		}
		var ue *models.UserError
		if _, err := store.CreateValggruppe(ctx, db, f.staff, "Venstre"); !errors.As(err, &ue) {
			t.Errorf("a valggruppe named as a party: %v", err)
		}
		if _, err := store.CreateValggruppe(ctx, db, f.p.secA, "X"); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a secretary: %v", err)
		}
		for _, l := range []string{"Ø", "C", "O"} {
			p := f.parties[l]
			p.ValggruppeID = &blue.ID
			if _, err := store.SaveParty(ctx, db, f.staff, p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.distribute(t, map[int]int{0: 7}, false); err != nil {
			t.Fatal(err)
		}
		// A 2, V 2, Blå 2 (Ø 1, C 1), F 1: see models.TestPartyQuotaValggruppe.
		if got := f.counts(t, f.cell(0)); !reflect.DeepEqual(got, map[string]int{"A": 2, "V": 2, "F": 1, "Ø": 1, "C": 1}) {
			t.Errorf("with the valggruppe: %v", got)
		}
		records, _ := store.QuotaRecords(ctx, db, f.staff, f.e.ID, f.tt.ID, f.day, 1)
		if records[0].Draws[0].Seats["Blå liste"] != 8 {
			t.Errorf("the record lacks the valggruppe's seats: %v", records[0].Draws[0].Seats)
		}
		if err := store.DeleteValggruppe(ctx, db, f.staff, blue.ID); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Model(&models.Party{}).Where("valggruppe_id IS NOT NULL").Count(&n)
		if n != 0 {
			t.Error("members still in a deleted valggruppe")
		}
	})
}

func TestSaveParty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		p, err := store.SaveParty(ctx, db, f.staff, models.Party{Name: "Liberal Alliance", Letter: "i", Kind: models.CouncilGroup, CouncilSeats: 1})
		if err != nil || p.ID == 0 || p.Letter != "I" {
			t.Fatalf("create: %+v %v", p, err)
		}
		p.CouncilSeats, p.Kind = 2, models.Pool // the kind does not change
		if _, err := store.SaveParty(ctx, db, f.staff, p); err != nil {
			t.Fatal(err)
		}
		var got models.Party
		db.First(&got, p.ID)
		if got.CouncilSeats != 2 || got.Kind != models.CouncilGroup {
			t.Errorf("saved: %+v", got)
		}
		var ue *models.UserError
		for _, bad := range []models.Party{
			{Name: "", Kind: models.CouncilGroup},
			{Name: "X", Kind: models.CouncilGroup, CouncilSeats: -1},
			{Name: "Y", Kind: models.Pool, CouncilSeats: 2},
			{Name: "Venstre", Kind: models.CouncilGroup},
			{Name: "Z", Kind: "other"},
		} {
			if _, err := store.SaveParty(ctx, db, f.staff, bad); !errors.As(err, &ue) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := store.SaveParty(ctx, db, f.readOnly, p); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
	})
}

func TestDeleteStationWithSlots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		if _, err := f.distribute(t, map[int]int{5: 9, 6: 9}, false); err != nil {
			t.Fatal(err)
		}
		st := f.stations[5]
		impact, err := store.StationDeletion(ctx, db, f.staff, st.ID)
		if err != nil || impact.Slots != 9 || impact.Held != 0 || !impact.Deletable() || !impact.NeedsConfirmation() ||
			len(impact.Elections) != 1 || impact.Elections[0].Title != f.e.Title {
			t.Fatalf("impact: %+v %v", impact, err)
		}
		v := f.version(t)
		var confirm *models.NeedsConfirmation
		if err := store.DeleteStation(ctx, db, f.staff, st.ID, false, f.now); !errors.As(err, &confirm) || confirm.Removes != 9 {
			t.Fatalf("unconfirmed: %v", err)
		}
		if err := store.DeleteStation(ctx, db, f.staff, st.ID, true, f.now); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Model(&models.PollingStation{}).Where("id = ?", st.ID).Count(&n)
		if n != 0 || f.version(t) != v+1 {
			t.Errorf("station still there (%d) or plan version not raised (%d)", n, f.version(t))
		}
		// A station where someone holds a slot cannot be deleted.
		other := f.stations[6]
		f.occupy(t, f.slotsOf(t, f.cell(6), "A")[0], models.StateConfirmed)
		var ue *models.UserError
		if err := store.DeleteStation(ctx, db, f.staff, other.ID, true, f.now); !errors.As(err, &ue) || !strings.Contains(danish(ue), "1 person har en af pladserne") {
			t.Errorf("deleting a station with a holder: %v", err)
		}
		if err := store.DeleteStation(ctx, db, f.p.secA, other.ID, true, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a secretary: %v", err)
		}
		// A station without slots needs no confirmation.
		empty, _ := store.SaveStation(ctx, db, f.staff, models.PollingStation{AreaID: st.AreaID, Name: "Ny skole", Address: "Vej 1",
			PostalCode: "9990", City: "Sønderå", District: 99})
		if err := store.DeleteStation(ctx, db, f.staff, empty.ID, false, f.now); err != nil {
			t.Errorf("deleting an unused station: %v", err)
		}
	})
}

func TestDuplicateElection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		in := models.SettingsOf(f.e)
		in.TasksFrom, in.TasksUntil, in.LockDays, in.EveningReminder, in.ReminderDaysBefore = f.day.AddDays(-14).String(), f.day.AddDays(1).String(), "0", false, "7,3"
		if _, err := store.UpdateElection(ctx, db, f.staff, f.e.ID, f.e.Version, in, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.distribute(t, map[int]int{0: 9, 1: 7}, false); err != nil {
			t.Fatal(err)
		}
		early := models.PlanCell{StationID: f.stations[0].ID, TaskTypeID: f.tt.ID, Day: f.day.AddDays(-14)}
		if err := store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: early,
			Counts: map[int64]int{f.parties["Frivillige"].ID: 2, f.parties["A"].ID: 1}}, f.now); err != nil {
			t.Fatal(err)
		}
		// People and reserves stay behind.
		f.occupy(t, f.slotsOf(t, f.cell(0), "A")[0], models.StateConfirmed)
		var src models.Election
		db.First(&src, f.e.ID)

		newDay := f.day.AddDays(364)
		dup, err := store.DuplicateElection(ctx, db, f.staff, f.e.ID, "Folketingsvalg næste år", newDay.String(), f.now)
		if err != nil {
			t.Fatal(err)
		}
		var got models.Election
		db.First(&got, dup.ID)
		if got.State != models.ElectionDraft || got.Title != "Folketingsvalg næste år" || got.ElectionDay != newDay || got.Kind != src.Kind ||
			*got.TasksFrom != newDay.AddDays(-14) || *got.TasksUntil != newDay.AddDays(1) || got.LockDays != 0 || got.EveningReminder ||
			got.ReminderDaysBefore != "7,3" || got.AnswerDays != src.AnswerDays || got.AutoReplace != src.AutoReplace || got.QuotaSeed != 0 {
			t.Errorf("duplicate: %+v\nsource: %+v", got, src)
		}
		type key struct {
			station, taskType, party int64
			offset                   int
			agreed                   bool
		}
		structure := func(e models.Election) map[key]int {
			var slots []models.Slot
			db.Where("election_id = ?", e.ID).Find(&slots)
			out := map[key]int{}
			for _, s := range slots {
				out[key{s.StationID, s.TaskTypeID, s.PartyID, s.Day.DaysSince(e.ElectionDay), s.ByAgreement}]++
			}
			return out
		}
		a, b := structure(src), structure(got)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("slot structure differs:\n%v\n%v", a, b)
		}
		var n int64
		db.Model(&models.Assignment{}).Where("election_id = ?", got.ID).Count(&n)
		if n != 0 {
			t.Error("people came along")
		}
		var fe models.FieldErrors
		if _, err := store.DuplicateElection(ctx, db, f.staff, f.e.ID, "X", "2020-01-01", f.now); !errors.As(err, &fe) || fe["day"] == nil {
			t.Errorf("a day in the past: %v", err)
		}
		if _, err := store.DuplicateElection(ctx, db, f.readOnly, f.e.ID, "X", newDay.String(), f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
		if _, err := store.DuplicateElection(ctx, db, f.staff, 99999, "X", newDay.String(), f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	})
}

func TestPlanRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPlanFixture(t, db)
		if _, err := store.LoadPlan(ctx, db, f.p.secA, f.e.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a secretary reading the plan: %v", err)
		}
		if _, err := store.LoadPlan(ctx, db, f.readOnly, f.e.ID); err != nil {
			t.Errorf("read-only reading the plan: %v", err)
		}
		for _, u := range []models.User{f.p.secA, f.readOnly} {
			if err := store.SetCellCounts(ctx, db, u, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), Cell: f.cell(0),
				Counts: map[int64]int{f.p.a.ID: 5}}, f.now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s setting counts: %v", u.Role, err)
			}
			if _, err := store.DistributeByQuota(ctx, db, u, store.QuotaRequest{ElectionID: f.e.ID, PlanVersion: f.version(t), TaskTypeID: f.tt.ID,
				Day: f.day, Counts: map[int64]int{f.stations[0].ID: 9}}, f.now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s distributing: %v", u.Role, err)
			}
		}
		var ue *models.UserError
		if err := store.SetCellCounts(ctx, db, f.staff, models.CellRequest{ElectionID: f.e.ID, PlanVersion: f.version(t),
			Cell:   models.PlanCell{StationID: f.stations[0].ID, TaskTypeID: f.tt.ID, Day: f.day.AddDays(5)},
			Counts: map[int64]int{f.p.a.ID: 5}}, f.now); !errors.As(err, &ue) || !strings.Contains(danish(ue), "opgavedage") {
			t.Errorf("a day outside the task days: %v", err)
		}
	})
}
