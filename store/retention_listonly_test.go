package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// The retention run of an election also deletes the people on a party's
// list who never got a slot or a reserve place, listed before its day —
// through the same erasure (memberships, messages, audit entries naming
// them) — and keeps the consenting pool member, the person listed for the
// next election after this one's day, and the person with a reserve place
// in a later election.
func TestRetentionDeletesListOnlyPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newRetentionWorld(t, db)
		eid := w.e.Election.ID
		before := retentionDay.In(models.Copenhagen).Add(-60 * 24 * time.Hour).UTC()
		after := retentionDay.In(models.Copenhagen).Add(10 * 24 * time.Hour).UTC()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		person := func(i int, listedAt time.Time, party int64) models.Participant {
			cpr := fmt.Sprintf("02029%05d", i)
			p := models.Participant{CPR: models.NewSecret(cpr), CPRIndex: "test-" + cpr, Name: fmt.Sprintf("Liste %d", i),
				Email: models.NewSecret(fmt.Sprintf("liste%d@example.dk", i)), Mobile: models.NewSecret(""), CreatedAt: before, UpdatedAt: before}
			must(db.Create(&p).Error)
			must(db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: party, CreatedAt: listedAt}).Error)
			return p
		}
		listOnly := person(1, before, w.e.Party.ID)
		pool := person(2, before, w.e.Pool.ID)
		must(db.Model(&pool).Updates(map[string]any{"keep_in_pool": true, "pool_consent_at": before}).Error)
		nextList := person(3, before, w.e.Party.ID)
		must(db.Create(&models.PartyMembership{ParticipantID: nextList.ID, PartyID: w.e.Pool.ID, CreatedAt: after}).Error)
		reserve := person(4, before, w.e.Party.ID)
		must(db.Create(&models.Reserve{ElectionID: w.other.ID, PartyID: w.e.Party.ID, ParticipantID: reserve.ID, CreatedAt: after}).Error)
		// Registered after the day, on no list any more (taken off).
		lateUnlisted := person(5, after, w.e.Party.ID)
		must(db.Model(&lateUnlisted).Update("created_at", after).Error)
		must(db.Where("participant_id = ?", lateUnlisted.ID).Delete(&models.PartyMembership{}).Error)
		// What names the list-only person: their registration's CPR lookup
		// (by blind index), an entry about them, a message.
		idx := listOnly.CPRIndex
		must(store.Audit(db, models.AuditEntry{At: before, Action: models.AuditCPRLookup, SubjectIndex: &idx, Detail: "SF1520 lookup at registration"}))
		must(store.Audit(db, models.AuditEntry{At: before, Action: models.AuditParticipantCreated, ParticipantID: &listOnly.ID,
			Detail: fmt.Sprintf("on the list of party %d", w.e.Party.ID)}))
		must(db.Create(&models.Message{ID: "m-list", DedupeKey: "k-list", Kind: "registered", ParticipantID: &listOnly.ID,
			Status: models.MessageSent, CreatedAt: before}).Error)

		plan, err := store.PreviewRetention(ctx, db, eid)
		if err != nil {
			t.Fatal(err)
		}
		// The election's own: p0 and p3 deleted, p1 and p2 kept (newRetentionWorld).
		if plan.ListOnly != 1 || plan.Deleted != 3 || plan.People != 4 || plan.KeptConsent != 1 || plan.KeptOther != 1 {
			t.Fatalf("dry run: %d list-only, %d deleted of %d people (kept %d + %d); want 1, 3 of 4 (1 + 1)",
				plan.ListOnly, plan.Deleted, plan.People, plan.KeptConsent, plan.KeptOther)
		}
		if _, err := store.AnonymiseElection(ctx, db, eid, models.RetentionDue(retentionDay, 90).Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var left []int64
		must(db.Model(&models.Participant{}).Order("id").Pluck("id", &left).Error)
		if slices.Contains(left, listOnly.ID) {
			t.Error("the list-only person is kept")
		}
		for name, p := range map[string]models.Participant{"the consenting pool member": pool, "the person listed after the day": nextList,
			"the person with a reserve place in a later election": reserve, "the person registered after the day": lateUnlisted} {
			if !slices.Contains(left, p.ID) {
				t.Errorf("%s is deleted", name)
			}
		}
		for what, q := range map[string]*gorm.DB{
			"memberships":    db.Model(&models.PartyMembership{}).Where("participant_id = ?", listOnly.ID),
			"messages":       db.Model(&models.Message{}).Where("id = ?", "m-list"),
			"audit by id":    db.Model(&models.AuditEntry{}).Where("participant_id = ?", listOnly.ID),
			"audit by index": db.Model(&models.AuditEntry{}).Where("subject_index = ?", idx),
		} {
			if n := count(t, q); n != 0 {
				t.Errorf("%s of the list-only person: %d left", what, n)
			}
		}
		if n := count(t, db.Model(&models.PartyMembership{}).Where("participant_id = ?", nextList.ID)); n != 2 {
			t.Errorf("the person listed after the day has %d memberships, want both", n)
		}
		stats, err := store.ElectionStatistics(ctx, db, eid)
		must(err)
		if stats[store.StatListOnly] != 1 || stats[store.StatDeleted] != 3 {
			t.Errorf("statistics %v; want 1 list-only of 3 deleted", stats)
		}
		var e models.AuditEntry
		must(db.Where("action = ?", models.AuditAnonymised).First(&e).Error)
		if want := "3 people deleted (1 on a party list only)"; !strings.Contains(e.Detail, want) {
			t.Errorf("audit %q lacks %q", e.Detail, want)
		}
	})
}
