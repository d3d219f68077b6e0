package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// The candidates for a no-show's slot come in order — the party's reserves
// for the station, its municipality-wide list, the pool — and never anyone
// without a mobile number, opted out of SMS, holding a slot that day, on
// another station's list, or asked already; a wave is recorded once; the
// first to take the slot gets it, a second is refused.
func TestDayCandidatesOrderAndTakingTheSlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		keys := storetest.WithKeys(t, db)
		day := models.NewDate(2027, time.March, 2)
		e := storetest.SeedElection(t, db, day, 2, 2, 10)
		now := time.Date(2027, time.March, 2, 7, 0, 0, 0, time.UTC)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		p := func(i int) int64 { return e.People[i].ID }
		for i := range 10 {
			if i == 4 {
				continue // no mobile number
			}
			var person models.Participant
			must(db.First(&person, p(i)).Error)
			idx := store.MobileIndex(keys, fmt.Sprintf("+453000000%d", i))
			person.Mobile, person.MobileIndex = models.NewSecret(fmt.Sprintf("+453000000%d", i)), &idx
			must(db.Select("mobile", "mobile_index").Save(&person).Error)
			if i == 5 {
				must(db.Create(&models.SMSOptOut{MobileIndex: idx, OptedOutAt: now}).Error)
			}
		}
		st0, st1 := e.Stations[0].ID, e.Stations[1].ID
		reserve := func(i int, station *int64) {
			must(db.Create(&models.Reserve{ElectionID: e.Election.ID, PartyID: e.Party.ID, StationID: station, ParticipantID: p(i), CreatedAt: now}).Error)
		}
		reserve(1, nil)
		reserve(2, &st0)
		reserve(3, &st1)
		reserve(4, &st0)
		reserve(5, &st0)
		reserve(6, &st0)
		reserve(9, nil)
		must(db.Model(&models.Participant{}).Where("id = ?", p(7)).Update("keep_in_pool", true).Error)
		must(db.Create(&models.PartyMembership{ParticipantID: p(8), PartyID: e.Pool.ID, CreatedAt: now}).Error)
		// Person 6 holds the other slot that day.
		busy := storetest.Nominate(t, db, e.Slots[1], p(6))
		must(db.Model(&busy).Update("state", models.StateConfirmed).Error)
		absent := storetest.Nominate(t, db, e.Slots[0], p(0))
		must(db.Model(&absent).Update("state", models.StateNoShow).Error)

		cs, err := store.DayCandidates(ctx, db, absent, 10)
		must(err)
		want := []store.DayCandidate{{p(2), models.FromStationReserve}, {p(1), models.FromPartyReserve}, {p(9), models.FromPartyReserve},
			{p(7), models.FromPool}, {p(8), models.FromPool}}
		if fmt.Sprint(cs) != fmt.Sprint(want) {
			t.Fatalf("candidates %v, want %v", cs, want)
		}

		wid := payload.DayReplacementID(absent.ID)
		first, err := store.RecordDayWave(ctx, db, absent.ID, wid, 0, 2, now)
		must(err)
		again, err := store.RecordDayWave(ctx, db, absent.ID, wid, 0, 2, now)
		must(err)
		if len(first) != 2 || first[0].ParticipantID != p(2) || first[1].ParticipantID != p(1) || fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatalf("wave 0: %+v, again %+v", first, again)
		}
		second, err := store.RecordDayWave(ctx, db, absent.ID, wid, 1, 3, now.Add(15*time.Minute))
		must(err)
		if len(second) != 3 || second[0].ParticipantID != p(9) || second[2].ParticipantID != p(8) {
			t.Fatalf("wave 1: %+v", second)
		}
		if third, err := store.RecordDayWave(ctx, db, absent.ID, wid, 2, 3, now.Add(30*time.Minute)); err != nil || len(third) != 0 {
			t.Fatalf("wave 2: %+v %v", third, err)
		}

		// A reply from person 1's number finds their offer: the open one,
		// even when a newer offer for another absence was taken meanwhile
		// (a reserve asked for two absences at once).
		must(db.Create(&models.DayOffer{ElectionID: absent.ElectionID, AbsentAssignmentID: busy.ID, ParticipantID: p(1),
			Source: models.FromPartyReserve, State: models.DayOfferTaken, WorkflowID: payload.DayReplacementID(busy.ID),
			AskedAt: now.Add(time.Minute)}).Error)
		o, found, err := store.DayOfferByMobile(ctx, db, store.MobileIndex(keys, "+4530000001"), now.Add(-time.Hour))
		if err != nil || !found || o.ID != first[1].ID {
			t.Fatalf("offer by mobile: %+v %v %v, want the open offer %d", o, found, err, first[1].ID)
		}
		must(db.Where("absent_assignment_id = ?", busy.ID).Delete(&models.DayOffer{}).Error)

		next, err := store.TakeDaySlot(ctx, db, first[1].ID, now.Add(20*time.Minute))
		must(err)
		if next.ParticipantID != p(1) || next.State != models.StateConfirmed || next.AnsweredBy != "sms" || *next.ReplacesID != absent.ID {
			t.Fatalf("taken: %+v", next)
		}
		if again, err := store.TakeDaySlot(ctx, db, first[1].ID, now.Add(21*time.Minute)); err != nil || again.ID != next.ID {
			t.Fatalf("taken again: %+v %v", again, err)
		}
		if _, err := store.TakeDaySlot(ctx, db, first[0].ID, now.Add(22*time.Minute)); !errors.Is(err, store.ErrDaySlotTaken) {
			t.Fatalf("a second JA took the slot: %v", err)
		}
		var states []models.DayOfferState
		must(db.Model(&models.DayOffer{}).Where("absent_assignment_id = ?", absent.ID).Order("id").Pluck("state", &states).Error)
		if fmt.Sprint(states) != "[taken accepted taken taken taken]" {
			t.Fatalf("offers after the slot was taken: %v", states)
		}
		rows, err := store.DayReplacements(ctx, db, e.Staff, e.Election.ID, 10)
		if err != nil || len(rows) != 1 || rows[0].Asked != 5 || rows[0].State() != "taken" || rows[0].Station != e.Stations[0].Name {
			t.Fatalf("replacements: %+v %v", rows, err)
		}
		// The person's own data names the offers made to them; deleting
		// them takes the offers along.
		sa, err := store.SubjectAccessOf(ctx, db, keys, e.Staff, p(9), now)
		if err != nil || len(sa.DayOffers) != 1 || sa.DayOffers[0].Station != e.Stations[0].Name || sa.DayOffers[0].State != "taken" {
			t.Fatalf("subject access: %+v %v", sa.DayOffers, err)
		}
		admin := models.User{ID: e.Staff.ID, Role: models.RoleAdmin}
		if _, err := store.DeleteParticipants(ctx, db, admin, []int64{p(9)}, store.DeletionWord, now); err != nil {
			t.Fatal(err)
		}
		var left int64
		must(db.Model(&models.DayOffer{}).Where("participant_id = ?", p(9)).Count(&left).Error)
		if left != 0 {
			t.Fatal("a deleted person's day offer is left")
		}
		// A search that found nobody at all shows too, as escalated.
		third := models.Slot{ElectionID: e.Election.ID, StationID: st1, TaskTypeID: e.TaskType.ID, Day: day, PartyID: e.Party.ID, CreatedAt: now}
		must(db.Create(&third).Error)
		other := storetest.Nominate(t, db, third, p(8))
		must(db.Model(&other).Update("state", models.StateNoShow).Error)
		must(store.EscalateDay(ctx, db, other.ID, now))
		must(store.EscalateDay(ctx, db, other.ID, now)) // once
		rows, err = store.DayReplacements(ctx, db, e.Staff, e.Election.ID, 10)
		if err != nil || len(rows) != 2 || rows[0].AbsentAssignmentID != other.ID || rows[0].State() != "escalated" || rows[0].Asked != 0 {
			t.Fatalf("replacements with an escalation: %+v %v", rows, err)
		}
		secretary := models.User{ID: 999, Role: models.RolePartySecretary, PartyID: &e.Party.ID}
		if rows, err := store.DayReplacements(ctx, db, secretary, e.Election.ID, 10); err != nil || len(rows) != 0 {
			t.Fatalf("a secretary sees replacements: %+v %v", rows, err)
		}
	})
}
