package store_test

import (
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestReserveListOrderAndRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		st1, st2 := f.stations[0].ID, f.stations[1].ID
		add := func(actor models.User, party models.Party, station *int64, p models.Participant) (models.Reserve, error) {
			return store.AddReserve(ctx, db, actor, f.election.ID, party.ID, station, p.ID, f.now)
		}
		wide1, atSt2, wide2, atSt1, gone, busy := f.person(t, f.a), f.person(t, f.a), f.person(t, f.a), f.person(t, f.a),
			f.person(t, f.a), f.person(t, f.a)
		for _, c := range []struct {
			station *int64
			p       models.Participant
		}{{nil, wide1}, {&st2, atSt2}, {nil, wide2}, {&st1, busy}, {&st1, gone}, {&st1, atSt1}} {
			if _, err := add(f.secA, f.a, c.station, c.p); err != nil {
				t.Fatal(err)
			}
		}
		list, err := store.ReservesOf(ctx, db, f.secA, f.election.ID, f.a.ID)
		if err != nil || len(list) != 6 || list[0].ParticipantID != wide1.ID || list[5].ParticipantID != atSt1.ID ||
			list[1].StationName != f.stations[1].Name || list[0].StationName != "" || list[0].Name != wide1.Name {
			t.Fatalf("list: %+v %v", list, err)
		}

		// Refusals: twice, another party's list, not a member, read-only,
		// a limited secretary outside their stations or for the whole municipality.
		v := f.person(t, f.v)
		for name, c := range map[string]struct {
			actor models.User
			party models.Party
			st    *int64
			p     models.Participant
			want  error
		}{
			"twice":           {f.secA, f.a, &st2, wide1, store.ErrOnReserveList},
			"other party":     {f.secA, f.v, nil, v, models.ErrForbidden},
			"not a member":    {f.secA, f.a, nil, v, store.ErrNotOnList},
			"read-only":       {f.readOnly, f.a, nil, f.person(t, f.a), models.ErrForbidden},
			"unknown station": {f.staff, f.a, new(int64(99999)), f.person(t, f.a), nil},
		} {
			_, err := add(c.actor, c.party, c.st, c.p)
			var ue *models.UserError
			if c.want == nil && !errors.As(err, &ue) || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", name, err, c.want)
			}
		}
		if _, err := store.ReservesOf(ctx, db, f.secV, f.election.ID, f.a.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("V reading A's reserves: %v", err)
		}

		// The next reserve for station 1: its own list first (skipping one
		// who holds a slot that day and one no longer on the party's list),
		// then the municipality-wide list; for station 3 straight to that.
		slot := f.slots(t, f.stations[4], f.tf, f.a, 1)[0]
		if _, err := store.Nominate(ctx, db, f.staff, slot.ID, busy.ID, f.now); err != nil {
			t.Fatal(err)
		}
		db.Where("participant_id = ? AND party_id = ?", gone.ID, f.a.ID).Delete(&models.PartyMembership{})
		day := f.election.ElectionDay
		next := func(station int64) int64 {
			r, err := store.NextReserve(ctx, db, f.election.ID, f.a.ID, station, 0, day)
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				return 0
			}
			return r.ParticipantID
		}
		if got := next(st1); got != atSt1.ID {
			t.Errorf("next at station 1: %d, want %d", got, atSt1.ID)
		}
		if got := next(f.stations[2].ID); got != wide1.ID {
			t.Errorf("next at station 3: %d, want the first municipality-wide %d", got, wide1.ID)
		}
		if r, _ := store.NextReserve(ctx, db, f.election.ID, f.a.ID, st1, 0, day.AddDays(1)); r == nil || r.ParticipantID != busy.ID {
			t.Errorf("the day after, the busy one is first again: %+v", r)
		}
		if r, _ := store.NextReserve(ctx, db, f.election.ID, f.v.ID, st1, 0, day); r != nil {
			t.Errorf("V has no reserves: %+v", r)
		}

		// Removing: another party's secretary sees nothing; then the list shrinks.
		if err := store.RemoveReserve(ctx, db, f.secV, list[0].ID, f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("V removing A's reserve: %v", err)
		}
		if err := store.RemoveReserve(ctx, db, f.secA, list[0].ID, f.now); err != nil {
			t.Fatal(err)
		}
		if got := next(f.stations[2].ID); got != wide2.ID {
			t.Errorf("after removing the first: %d, want %d", got, wide2.ID)
		}

		// A secretary limited to station 1 adds only there.
		if err := store.LimitToStations(db, &f.secA, []int64{st1}); err != nil {
			t.Fatal(err)
		}
		if _, err := add(f.secA, f.a, nil, f.person(t, f.a)); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("limited secretary, whole municipality: %v", err)
		}
		if _, err := add(f.secA, f.a, &st2, f.person(t, f.a)); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("limited secretary, another station: %v", err)
		}
		if _, err := add(f.secA, f.a, &st1, f.person(t, f.a)); err != nil {
			t.Errorf("limited secretary, own station: %v", err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action IN ?", []models.AuditAction{store.AuditReserveAdded, store.AuditReserveRemoved}).Count(&n)
		if n != 8 {
			t.Errorf("%d reserve audit entries, want 8", n)
		}
	})
}
