package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// nomination is a seeded municipality with its election, stations by
// district, two task types and a staff and read-only login.
type nomination struct {
	people
	db       *gorm.DB
	keys     *vault.Keyring
	election models.Election
	stations []models.PollingStation
	tf, vs   models.TaskType // Tilforordnet; Valgstyrer (appointed only)
	staff    models.User
	readOnly models.User
	now      time.Time
	serial   int
}

func newNomination(t *testing.T, db *gorm.DB) *nomination {
	t.Helper()
	f := &nomination{people: seedPeople(t, db), db: db, keys: withKeys(t, db), now: time.Now().UTC()}
	db.First(&f.election)
	db.Order("district").Find(&f.stations)
	db.Where("short_name = ?", "TF").First(&f.tf)
	db.Where("short_name = ?", "VS").First(&f.vs)
	f.staff = models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: f.now}
	f.readOnly = models.User{Email: "ro@x.example", Name: "Read", Role: models.RoleReadOnly, CreatedAt: f.now}
	db.Create(&f.staff)
	db.Create(&f.readOnly)
	return f
}

// slots makes n slots of the party's in a cell on the election day.
func (f *nomination) slots(t *testing.T, station models.PollingStation, tt models.TaskType, party models.Party, n int) []models.Slot {
	t.Helper()
	out := make([]models.Slot, n)
	for i := range out {
		out[i] = models.Slot{ElectionID: f.election.ID, StationID: station.ID, TaskTypeID: tt.ID, Day: f.election.ElectionDay,
			PartyID: party.ID, CreatedAt: f.now}
	}
	if err := f.db.Create(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// person registers a new person on the party's list.
func (f *nomination) person(t *testing.T, party models.Party) models.Participant {
	t.Helper()
	f.serial++
	p, _, err := store.RegisterParticipant(ctx, f.db, f.keys, f.admin, store.NewParticipant{
		CPR: mustCPR(t, fmt.Sprintf("020280%04d", f.serial)), Name: fmt.Sprintf("Person %d", f.serial), PartyID: party.ID}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNominationRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		st1, st2 := f.stations[0], f.stations[1]
		aSlots := f.slots(t, st1, f.tf, f.a, 2)
		vSlot := f.slots(t, st1, f.tf, f.v, 1)[0]
		vsSlot := f.slots(t, st1, f.vs, f.a, 1)[0]
		st2Slot := f.slots(t, st2, f.tf, f.a, 1)[0]
		søren, lena, other := f.person(t, f.a), f.person(t, f.a), f.person(t, f.v)

		a, err := store.Nominate(ctx, db, f.secA, aSlots[0].ID, søren.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != models.StateNominated || a.WorkflowID != payload.LifecycleID(aSlots[0].ID, søren.ID) ||
			a.StationID != st1.ID || a.TaskTypeID != f.tf.ID || a.PartyID != f.a.ID || a.Day != f.election.ElectionDay ||
			a.ElectionID != f.election.ID || a.NominatedBy == nil || *a.NominatedBy != f.secA.ID {
			t.Fatalf("assignment %+v", a)
		}
		var audits int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND participant_id = ?", store.AuditNominated, søren.ID).Count(&audits)
		if audits != 1 {
			t.Errorf("%d audit entries for the nomination", audits)
		}

		for _, c := range []struct {
			name   string
			actor  models.User
			slot   int64
			person int64
			want   error
		}{
			{"another party's slot", f.secA, vSlot.ID, lena.ID, models.ErrForbidden},
			{"appointed only, by a secretary", f.secA, vsSlot.ID, lena.ID, models.ErrForbidden},
			{"read-only staff", f.readOnly, aSlots[1].ID, lena.ID, models.ErrForbidden},
			{"not on the party's list", f.secA, aSlots[1].ID, other.ID, store.ErrNotOnList},
			{"slot held", f.staff, aSlots[0].ID, lena.ID, store.ErrSlotTaken},
			{"a second slot the same day", f.staff, aSlots[1].ID, søren.ID, store.ErrBusyThatDay},
			{"no such slot", f.staff, 99999, lena.ID, models.ErrNotFound},
		} {
			if _, err := store.Nominate(ctx, db, c.actor, c.slot, c.person, f.now); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		// Staff fill appointed-only slots, and any party's.
		if _, err := store.Nominate(ctx, db, f.staff, vsSlot.ID, lena.ID, f.now); err != nil {
			t.Errorf("staff to an appointed-only slot: %v", err)
		}
		if _, err := store.Nominate(ctx, db, f.admin, vSlot.ID, other.ID, f.now); err != nil {
			t.Errorf("staff to V's slot: %v", err)
		}

		// A secretary limited to station 1 cannot nominate at station 2.
		if err := store.LimitToStations(db, &f.secA, []int64{st1.ID}); err != nil {
			t.Fatal(err)
		}
		x := f.person(t, f.a)
		if _, err := store.Nominate(ctx, db, f.secA, st2Slot.ID, x.ID, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("outside the secretary's stations: %v", err)
		}
		if _, err := store.Nominate(ctx, db, f.secA, aSlots[1].ID, x.ID, f.now); err != nil {
			t.Errorf("inside the secretary's stations: %v", err)
		}

		// A closed election takes no nominations.
		db.Model(&models.Election{}).Where("id = ?", f.election.ID).Update("state", models.ElectionClosed)
		if _, err := store.Nominate(ctx, db, f.staff, st2Slot.ID, f.person(t, f.a).ID, f.now); !errors.Is(err, store.ErrClosed) {
			t.Errorf("closed election: %v", err)
		}
	})
}

// Many people at once for one slot: exactly one gets it, the rest are told
// it is taken. The unique index decides, not a check before the write.
func TestConcurrentNominationsToOneSlotHaveOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		slot := f.slots(t, f.stations[0], f.tf, f.a, 1)[0]
		const n = 16
		people := make([]models.Participant, n)
		for i := range people {
			people[i] = f.person(t, f.a)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = store.Nominate(ctx, db, f.secA, slot.ID, people[i].ID, f.now) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrSlotTaken):
				t.Errorf("a loser got %v, want ErrSlotTaken", err)
			}
		}
		var holders int64
		db.Model(&models.Assignment{}).Where("slot_id = ?", slot.ID).Count(&holders)
		if won != 1 || holders != 1 {
			t.Fatalf("%d winners, %d assignments; want 1 and 1", won, holders)
		}
	})
}

// Concurrent nominations into one cell fill distinct slots, and those left
// over are told there is no vacancy.
func TestConcurrentNominationsIntoACellFillDistinctSlots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		st := f.stations[2]
		f.slots(t, st, f.tf, f.a, 5)
		f.slots(t, st, f.tf, f.v, 3) // another party's: never filled from A's cell
		const n = 12
		people := make([]models.Participant, n)
		for i := range people {
			people[i] = f.person(t, f.a)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = store.NominateToVacant(ctx, db, f.secA, f.election.ID, st.ID, f.tf.ID, f.election.ElectionDay, f.a.ID, people[i].ID, f.now)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrNoVacancy):
				t.Errorf("got %v, want ErrNoVacancy", err)
			}
		}
		var distinct, vHeld int64
		db.Model(&models.Assignment{}).Distinct("slot_id").Where("party_id = ?", f.a.ID).Count(&distinct)
		db.Model(&models.Assignment{}).Where("party_id = ?", f.v.ID).Count(&vHeld)
		if won != 5 || distinct != 5 || vHeld != 0 {
			t.Fatalf("%d nominated into %d distinct slots (V: %d); want 5, 5, 0", won, distinct, vHeld)
		}
		cells, err := store.PartySlots(ctx, db, f.secA, f.election.ID, f.a.ID)
		if err != nil || len(cells) != 1 || cells[0].Vacant != 0 || len(cells[0].Slots) != 5 || !cells[0].Slots[0].Held() {
			t.Fatalf("A's slots: %+v %v", cells, err)
		}
		if _, err := store.PartySlots(ctx, db, f.secA, f.election.ID, f.v.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("A's secretary reading V's slots: %v", err)
		}
	})
}

func TestUnnominate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		slots := f.slots(t, f.stations[0], f.tf, f.a, 2)
		p, q := f.person(t, f.a), f.person(t, f.a)
		a, err := store.Nominate(ctx, db, f.secA, slots[0].ID, p.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Unnominate(ctx, db, f.secV, a.ID, f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another party's secretary: %v", err)
		}
		if err := store.Unnominate(ctx, db, f.readOnly, a.ID, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
		if err := store.Unnominate(ctx, db, f.secA, a.ID, f.now); err != nil {
			t.Fatal(err)
		}
		// The slot is free again, for the same person too.
		if _, err := store.Nominate(ctx, db, f.secA, slots[0].ID, p.ID, f.now); err != nil {
			t.Fatalf("again after unnominating: %v", err)
		}
		// Once invited, the lifecycle owns it.
		b, _ := store.Nominate(ctx, db, f.staff, slots[1].ID, q.ID, f.now)
		db.Model(&models.Assignment{}).Where("id = ?", b.ID).Update("state", models.StateInvited)
		if err := store.Unnominate(ctx, db, f.staff, b.ID, f.now); !errors.Is(err, store.ErrInvitedOn) {
			t.Errorf("invited: %v", err)
		}
		// A declined person no longer holds the slot; the same pair cannot
		// be nominated again (one lifecycle per slot and person), another can.
		db.Model(&models.Assignment{}).Where("id = ?", b.ID).Update("state", models.StateDeclined)
		if _, err := store.Nominate(ctx, db, f.staff, slots[1].ID, q.ID, f.now); !errors.Is(err, store.ErrWasOnSlot) {
			t.Errorf("the same pair again: %v", err)
		}
		if _, err := store.Nominate(ctx, db, f.staff, slots[1].ID, f.person(t, f.a).ID, f.now); err != nil {
			t.Errorf("another person on a declined slot: %v", err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", store.AuditUnnominated).Count(&n)
		if n != 1 {
			t.Errorf("%d unnomination audit entries", n)
		}
	})
}

// One person on a slot and a slot-less cell: NominateToVacant says so.
func TestNominateToVacantRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		st := f.stations[0]
		f.slots(t, st, f.tf, f.a, 1)
		p := f.person(t, f.a)
		day := f.election.ElectionDay
		if _, err := store.NominateToVacant(ctx, db, f.secA, f.election.ID, st.ID, f.vs.ID, day, f.a.ID, p.ID, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("appointed only by a secretary: %v", err)
		}
		if _, err := store.NominateToVacant(ctx, db, f.staff, f.election.ID, st.ID, f.vs.ID, day, f.a.ID, p.ID, f.now); !errors.Is(err, store.ErrNoVacancy) {
			t.Errorf("no slots in the cell: %v", err)
		}
		if _, err := store.NominateToVacant(ctx, db, f.secV, f.election.ID, st.ID, f.tf.ID, day, f.a.ID, p.ID, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("V into A's cell: %v", err)
		}
		if _, err := store.NominateToVacant(ctx, db, f.secA, f.election.ID, st.ID, f.tf.ID, day, f.a.ID, p.ID, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := store.NominateToVacant(ctx, db, f.secA, f.election.ID, st.ID, f.tf.ID, day, f.a.ID, f.person(t, f.a).ID, f.now); !errors.Is(err, store.ErrNoVacancy) {
			t.Errorf("full cell: %v", err)
		}
	})
}

// A refused placement leaves no registration behind.
func TestRegisterAndPlaceIsOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		st := f.stations[0]
		to := models.Placement{ElectionID: f.election.ID, PartyID: f.a.ID, StationID: st.ID, TaskTypeID: f.tf.ID, Day: f.election.ElectionDay}
		in := store.NewParticipant{CPR: mustCPR(t, "0303901234"), Name: "Ny Person", Mobile: "20304050"}
		if _, err := store.RegisterAndPlace(ctx, db, f.keys, f.secA, in, to, f.now); !errors.Is(err, store.ErrNoVacancy) {
			t.Fatalf("no slot: %v", err)
		}
		var n int64
		db.Model(&models.Participant{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d participants left by a refused placement", n)
		}
		f.slots(t, st, f.tf, f.a, 1)
		p, err := store.RegisterAndPlace(ctx, db, f.keys, f.secA, in, to, f.now)
		if err != nil || p.ID == 0 || p.Mobile.Reveal() != "+4520304050" {
			t.Fatalf("placed: %+v %v", p, err)
		}
		to.Reserve = true
		if _, err := store.RegisterAndPlace(ctx, db, f.keys, f.secA, in, to, f.now); err != nil {
			t.Fatalf("the same person to the reserve list: %v", err)
		}
	})
}
