package store_test

import (
	"errors"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// listState is what a removal touches for one person and party.
type listState struct {
	member              bool
	reserves, removals  int64
	nominated, invited  int64
	confirmed, canceled int64
}

func stateOf(t *testing.T, db *gorm.DB, personID, partyID int64) listState {
	t.Helper()
	var s listState
	var n int64
	db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", personID, partyID).Count(&n)
	s.member = n == 1
	db.Model(&models.Reserve{}).Where("participant_id = ? AND party_id = ?", personID, partyID).Count(&s.reserves)
	db.Model(&models.ListRemoval{}).Where("participant_id = ? AND party_id = ?", personID, partyID).Count(&s.removals)
	count := func(st models.AssignmentState) int64 {
		var c int64
		db.Model(&models.Assignment{}).Where("participant_id = ? AND party_id = ? AND state = ?", personID, partyID, st).Count(&c)
		return c
	}
	s.nominated, s.invited, s.confirmed, s.canceled = count(models.StateNominated), count(models.StateInvited),
		count(models.StateConfirmed), count(models.StateCancelled)
	return s
}

// A secretary takes a person off their party's list: the reserve places
// and the membership go, nominations not yet sent are withdrawn, the open
// invitation is returned to be retracted, the confirmed task kept and
// listed; the party cannot nominate, reserve or round-invite the person
// again, while another party can; staff re-add them only with a reason.
// A secretary of another party changing the ids gets ErrNotFound and
// nothing changes.
func TestRemoveFromListAndReadd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		if err := db.Model(&f.election).Update("state", models.ElectionActive).Error; err != nil {
			t.Fatal(err)
		}
		st1, st2, st3 := f.stations[0], f.stations[1], f.stations[2]
		p := f.person(t, f.a)
		// The same person is also on V's list, with a nomination of V's.
		if _, _, err := store.RegisterParticipant(ctx, db, f.keys, f.secV, store.NewParticipant{
			CPR: mustCPR(t, "0202800001"), Name: p.Name, PartyID: f.v.ID}, f.now); err != nil {
			t.Fatal(err)
		}
		// Three days of tasks (a person holds one slot a day).
		day := f.election.ElectionDay
		mk := func(st models.PollingStation, party models.Party, d models.Date) models.Slot {
			s := models.Slot{ElectionID: f.election.ID, StationID: st.ID, TaskTypeID: f.tf.ID, Day: d, PartyID: party.ID, CreatedAt: f.now}
			if err := db.Create(&s).Error; err != nil {
				t.Fatal(err)
			}
			return s
		}
		nominated := storetest.Nominate(t, db, mk(st1, f.a, day), p.ID)
		invited := storetest.Nominate(t, db, mk(st2, f.a, day.AddDays(-1)), p.ID)
		confirmed := storetest.Nominate(t, db, mk(st3, f.a, day.AddDays(-2)), p.ID)
		vNominated := storetest.Nominate(t, db, mk(st1, f.v, day.AddDays(-3)), p.ID)
		db.Model(&invited).Update("state", models.StateInvited)
		db.Model(&confirmed).Update("state", models.StateConfirmed)
		if _, err := store.AddReserve(ctx, db, f.secA, f.election.ID, f.a.ID, nil, p.ID, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := store.AddReserve(ctx, db, f.secV, f.election.ID, f.v.ID, nil, p.ID, f.now); err != nil {
			t.Fatal(err)
		}
		before, beforeV := stateOf(t, db, p.ID, f.a.ID), stateOf(t, db, p.ID, f.v.ID)

		// Another party's secretary, with A's party id or V's own: 404, nothing changes.
		for _, party := range []int64{f.a.ID, 99999} {
			if _, err := store.RemoveFromList(ctx, db, f.secV, p.ID, party, f.now); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("V's secretary removing from party %d: %v", party, err)
			}
		}
		if _, err := store.RemoveFromList(ctx, db, f.readOnly, p.ID, f.a.ID, f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
		if got := stateOf(t, db, p.ID, f.a.ID); got != before {
			t.Fatalf("refused removals changed %+v to %+v", before, got)
		}

		preview, err := store.PreviewRemoval(ctx, db, f.secA, p.ID, f.a.ID)
		if err != nil || preview.Withdrawn != 1 || preview.Reserves != 1 || len(preview.Retract) != 1 || len(preview.Kept) != 1 {
			t.Fatalf("preview %+v %v", preview, err)
		}
		out, err := store.RemoveFromList(ctx, db, f.secA, p.ID, f.a.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		if out.Withdrawn != 1 || out.Reserves != 1 || len(out.Retract) != 1 || out.Retract[0].ID != invited.ID ||
			len(out.Kept) != 1 || out.Kept[0].AssignmentID != confirmed.ID || out.Kept[0].StationName != st3.Name ||
			out.Name != p.Name || out.PartyName != f.a.Name || out.Removal.AtRequest || out.Removal.RemovedBy == nil {
			t.Fatalf("outcome %+v", out)
		}
		after := stateOf(t, db, p.ID, f.a.ID)
		want := listState{member: false, reserves: 0, removals: 1, nominated: 0, invited: 1, confirmed: 1, canceled: 1}
		if after != want {
			t.Fatalf("after removal %+v, want %+v", after, want)
		}
		if got := stateOf(t, db, p.ID, f.v.ID); got != beforeV {
			t.Fatalf("V's list changed: %+v → %+v", beforeV, got)
		}
		var audit models.AuditEntry
		db.Where("action = ? AND participant_id = ?", models.AuditListRemoved, p.ID).First(&audit)
		if audit.ID == 0 || audit.ActorID == nil || *audit.ActorID != f.secA.ID {
			t.Errorf("audit %+v", audit)
		}
		var self models.Assignment
		db.First(&self, nominated.ID)
		if self.State != models.StateCancelled {
			t.Errorf("the nomination not sent: %s", self.State)
		}

		// The party cannot take the person back, even with the membership
		// restored behind the use cases' back; V still can.
		db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: f.a.ID, CreatedAt: f.now})
		again := mk(st1, f.a, day.AddDays(-4))
		if _, err := store.Nominate(ctx, db, f.secA, again.ID, p.ID, f.now); !errors.Is(err, store.ErrRemovedFromList) {
			t.Errorf("re-nomination: %v", err)
		}
		if _, err := store.AddReserve(ctx, db, f.staff, f.election.ID, f.a.ID, nil, p.ID, f.now); !errors.Is(err, store.ErrRemovedFromList) {
			t.Errorf("reserve again: %v", err)
		}
		vSlot := mk(st2, f.v, day.AddDays(-4))
		if _, err := store.Nominate(ctx, db, f.secV, vSlot.ID, p.ID, f.now); err != nil {
			t.Errorf("V nominating: %v", err)
		}
		// A round finds V's nomination but none of A's (one slipped in).
		db.Create(&models.Assignment{SlotID: mk(st3, f.a, day.AddDays(-5)).ID, ParticipantID: p.ID, ElectionID: f.election.ID,
			StationID: st3.ID, TaskTypeID: f.tf.ID, PartyID: f.a.ID, Day: day.AddDays(-5), State: models.StateNominated,
			WorkflowID: "slipped", NominatedAt: f.now, UpdatedAt: f.now})
		round, err := store.CreateRound(ctx, db, f.staff, f.election.ID, store.RoundFilter{}, f.now)
		if err != nil {
			t.Fatal(err)
		}
		page, err := store.RoundPage(ctx, db, round.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, a := range page {
			if a.ParticipantID == p.ID {
				ids = append(ids, a.ID)
			}
		}
		if n, _ := store.CountRound(ctx, db, round.ID); len(ids) != 2 || n != len(page) {
			t.Errorf("the round picks %v of the person (want V's two: %d and the new one), count %d of %d", ids, vNominated.ID, n, len(page))
		}
		for _, a := range page {
			if a.ParticipantID == p.ID && a.PartyID == f.a.ID {
				t.Errorf("the round picks A's assignment %d", a.ID)
			}
		}
		db.Where("participant_id = ? AND party_id = ?", p.ID, f.a.ID).Delete(&models.PartyMembership{})

		// Re-add: staff only, with a reason; without one nothing changes.
		if _, err := store.ReaddToList(ctx, db, f.secA, p.ID, f.a.ID, "bad", f.now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("secretary re-adding: %v", err)
		}
		for _, reason := range []string{"", "   \n "} {
			_, err := store.ReaddToList(ctx, db, f.staff, p.ID, f.a.ID, reason, f.now)
			if ue, ok := models.AsUserError(err); !ok || ue.Field != "reason" || ue.Key != "error.removal.reason" {
				t.Errorf("re-add with %q: %v", reason, err)
			}
		}
		if r, _ := store.OpenRemovalOf(ctx, db, p.ID, f.a.ID); !r.Open() {
			t.Fatal("a refused re-add closed the removal")
		}
		if _, err := store.ReaddToList(ctx, db, f.staff, p.ID, f.v.ID, "never removed", f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("re-add where not removed: %v", err)
		}
		r, err := store.ReaddToList(ctx, db, f.staff, p.ID, f.a.ID, "Personen ringede og vil gerne igen", f.now)
		if err != nil || r.ReaddedAt == nil || r.ReaddReason != "Personen ringede og vil gerne igen" {
			t.Fatalf("re-add: %+v %v", r, err)
		}
		if !stateOf(t, db, p.ID, f.a.ID).member {
			t.Error("re-added but not on the list")
		}
		if _, err := store.Nominate(ctx, db, f.secA, mk(st1, f.a, day.AddDays(-6)).ID, p.ID, f.now); err != nil {
			t.Errorf("nominating after the re-add: %v", err)
		}
		list, err := store.RemovalsOf(ctx, db, f.staff, p.ID)
		if err != nil || len(list) != 1 || list[0].PartyName != f.a.Name || list[0].ReaddedAt == nil {
			t.Errorf("removals %+v %v", list, err)
		}
		if _, err := store.RemovalsOf(ctx, db, f.secA, p.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a secretary listing removals: %v", err)
		}
		var readds int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND participant_id = ? AND detail NOT LIKE ?", models.AuditListReadded, p.ID, "%ringede%").Count(&readds)
		if readds != 1 {
			t.Errorf("%d re-add audit entries without the reason's text", readds)
		}
	})
}

// "Fjern mig": the person of a declined assignment goes off the list of
// the party that nominated them, once however often it is run; the block
// is found by CPR number too.
func TestRemoveAtRequestIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		p := f.person(t, f.a)
		slot := f.slots(t, f.stations[0], f.tf, f.a, 1)[0]
		a := storetest.Nominate(t, db, slot, p.ID)
		if _, err := store.RemoveAtRequest(ctx, db, a.ID, "link", f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("not declined: %v", err)
		}
		db.Model(&a).Updates(map[string]any{"state": models.StateDeclined, "decline_reason": models.DeclineNotThisTime})
		if _, err := store.RemoveAtRequest(ctx, db, a.ID, "link", f.now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("declined this time only: %v", err)
		}
		db.Model(&a).Update("decline_reason", models.DeclineRemoveMe)
		for i := range 3 {
			out, err := store.RemoveAtRequest(ctx, db, a.ID, fmt.Sprintf("staff:%d", f.staff.ID), f.now)
			if err != nil || !out.Removal.AtRequest || out.Removal.AssignmentID == nil || *out.Removal.AssignmentID != a.ID ||
				out.Removal.RemovedBy == nil || *out.Removal.RemovedBy != f.staff.ID {
				t.Fatalf("run %d: %+v %v", i, out, err)
			}
		}
		if s := stateOf(t, db, p.ID, f.a.ID); s.member || s.removals != 1 {
			t.Errorf("after three runs: %+v", s)
		}
		r, err := store.OpenRemovalByCPR(ctx, db, f.keys, mustCPR(t, "0202800001"), f.a.ID)
		if err != nil || !r.Open() || !errors.Is(store.RemovalRefusal(r), store.ErrRemovedAtRequest) {
			t.Errorf("by CPR: %+v %v", r, err)
		}
		if r, _ := store.OpenRemovalByCPR(ctx, db, f.keys, mustCPR(t, "0202800001"), f.v.ID); r.Open() {
			t.Error("V is blocked too")
		}
	})
}
