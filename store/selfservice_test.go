package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A Min side login link is found through the blind indexes (the person's
// own address and a party's), used once — of two uses at once exactly one
// wins — and only within 15 minutes; a person gets at most max links an
// hour; an unknown or malformed address gets none.
func TestVolunteerLoginLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		keys := storetest.WithKeys(t, db)
		day := models.NewDate(2027, time.January, 19)
		e := storetest.SeedElection(t, db, day, 1, 1, 2)
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		p, other := e.People[0], e.People[1]
		ei := store.EmailIndex(keys, "own@example.dk")
		p.Email, p.EmailIndex = models.NewSecret("own@example.dk"), &ei
		if err := db.Save(&p).Error; err != nil {
			t.Fatal(err)
		}
		// Party A typed a mobile number for the other person.
		mi := store.MobileIndex(keys, "+4520202020")
		if err := db.Model(&models.PartyMembership{}).Where("participant_id = ?", other.ID).
			Updates(&models.PartyMembership{Mobile: models.NewSecret("+4520202020"), MobileIndex: &mi}).Error; err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "nobody@example.dk", "ikke en adresse", "12", "own@example.dk\x00"} {
			if ids, err := store.CreateVolunteerLoginLinks(ctx, db, keys, bad, 3, at); err != nil || len(ids) != 0 {
				t.Fatalf("%q: %v %v", bad, ids, err)
			}
		}
		ids, err := store.CreateVolunteerLoginLinks(ctx, db, keys, " Own@Example.dk", 3, at)
		if err != nil || len(ids) != 1 {
			t.Fatalf("own address: %v %v", ids, err)
		}
		party, err := store.CreateVolunteerLoginLinks(ctx, db, keys, "20 20 20 20", 3, at)
		if err != nil || len(party) != 1 {
			t.Fatalf("a party's number: %v %v", party, err)
		}
		if _, ch, to, err := store.IssueVolunteerLoginToken(ctx, db, party[0], at); err != nil || ch != models.ChannelSMS || to != "+4520202020" {
			t.Fatalf("party's link goes to %s %s: %v", ch, to, err)
		}
		token, _, to, err := store.IssueVolunteerLoginToken(ctx, db, ids[0], at)
		if err != nil || to != "own@example.dk" {
			t.Fatalf("issue: %s %v", to, err)
		}
		if err := store.CheckVolunteerLoginLink(ctx, db, token, at); err != nil {
			t.Fatalf("check: %v", err)
		}
		// Two uses at once: one session.
		var wg sync.WaitGroup
		results := make([]error, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = store.UseVolunteerLoginLink(ctx, db, token, at.Add(time.Minute))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			if err == nil {
				ok++
			} else if !errors.Is(err, store.ErrLinkUsed) {
				t.Fatalf("second use: %v", err)
			}
		}
		var sessions int64
		db.Model(&models.VolunteerSession{}).Where("participant_id = ?", p.ID).Count(&sessions)
		if ok != 1 || sessions != 1 {
			t.Fatalf("%d uses succeeded, %d sessions", ok, sessions)
		}
		if _, err := store.UseVolunteerLoginLink(ctx, db, token, at.Add(2*time.Minute)); !errors.Is(err, store.ErrLinkUsed) {
			t.Fatalf("used again: %v", err)
		}
		// Expiry: 15 minutes to the nanosecond.
		more, _ := store.CreateVolunteerLoginLinks(ctx, db, keys, "own@example.dk", 3, at)
		token2, _, _, _ := store.IssueVolunteerLoginToken(ctx, db, more[0], at)
		if err := store.CheckVolunteerLoginLink(ctx, db, token2, at.Add(15*time.Minute)); !errors.Is(err, store.ErrLinkExpired) {
			t.Fatalf("after 15 minutes: %v", err)
		}
		if _, err := store.UseVolunteerLoginLink(ctx, db, token2, at.Add(15*time.Minute)); !errors.Is(err, store.ErrLinkExpired) {
			t.Fatalf("use after 15 minutes: %v", err)
		}
		if _, err := store.UseVolunteerLoginLink(ctx, db, "no such token", at); !errors.Is(err, store.ErrLinkUnknown) {
			t.Fatalf("unknown: %v", err)
		}
		// The third link this hour is the last.
		if third, _ := store.CreateVolunteerLoginLinks(ctx, db, keys, "own@example.dk", 3, at); len(third) != 1 {
			t.Fatalf("third link: %v", third)
		}
		if fourth, _ := store.CreateVolunteerLoginLinks(ctx, db, keys, "own@example.dk", 3, at); len(fourth) != 0 {
			t.Fatalf("fourth link within the hour: %v", fourth)
		}
		if later, _ := store.CreateVolunteerLoginLinks(ctx, db, keys, "own@example.dk", 3, at.Add(61*time.Minute)); len(later) != 1 {
			t.Fatalf("an hour later: %v", later)
		}
		// Deletion requests: one per person, listed for staff only.
		if err := store.RequestDeletion(ctx, db, p.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := store.RequestDeletion(ctx, db, p.ID, at); err != nil {
			t.Fatal(err)
		}
		rs, err := store.DeletionRequests(ctx, db, e.Staff)
		if err != nil || len(rs) != 1 || rs[0].Name != p.Name || rs[0].ParticipantID != p.ID {
			t.Fatalf("requests: %+v %v", rs, err)
		}
		if _, err := store.DeletionRequests(ctx, db, models.User{Role: models.RolePartySecretary}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a secretary reads the requests: %v", err)
		}
	})
}
