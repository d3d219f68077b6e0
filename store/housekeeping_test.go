package store_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Purge deletes expired and idle sessions, old login attempts and long
// expired account links, keeps everything else, and deletes nothing more
// when run again.
func TestPurgeDeletesWhatHasOutlivedItsUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&u)
		// A session opened at t0 and never used again, one used half an hour
		// before the purge, one opened a moment before it.
		idle, _ := store.CreateSession(ctx, db, u.ID, t0)
		now := t0.Add(40 * 24 * time.Hour)
		busy, _ := store.CreateSession(ctx, db, u.ID, now.Add(-90*time.Minute))
		if _, _, err := store.LookupSession(ctx, db, busy, now.Add(-30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		fresh, _ := store.CreateSession(ctx, db, u.ID, now.Add(-time.Minute))
		// Attempts 31 and 29 days old; a link that expired 33 days ago, one
		// live.
		store.RecordLoginAttempt(ctx, db, "a@x.example", false, now.Add(-31*24*time.Hour))
		store.RecordLoginAttempt(ctx, db, "a@x.example", false, now.Add(-29*24*time.Hour))
		if _, err := store.CreateAccountLink(ctx, db, u.ID, t0); err != nil {
			t.Fatal(err)
		}
		other := models.User{Email: "b@x.example", Name: "B", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&other)
		live, err := store.CreateAccountLink(ctx, db, other.ID, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}

		p, err := store.Purge(ctx, db, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.Purged{Sessions: 1, LoginAttempts: 1, AccountLinks: 1}); p != want {
			t.Fatalf("purged %+v, want %+v", p, want)
		}
		if _, _, err := store.LookupSession(ctx, db, idle, now); !errors.Is(err, store.ErrNoSession) {
			t.Errorf("idle session: %v", err)
		}
		for name, tok := range map[string]string{"busy": busy, "fresh": fresh} {
			if _, _, err := store.LookupSession(ctx, db, tok, now); err != nil {
				t.Errorf("%s session purged: %v", name, err)
			}
		}
		if f, _ := store.FailedLoginsSince(ctx, db, "a@x.example", now.Add(-60*24*time.Hour)); f.Count != 1 {
			t.Errorf("%d attempts left, want the one 29 days old", f.Count)
		}
		if _, err := store.CheckAccountLink(ctx, db, live, now); err != nil {
			t.Errorf("live link purged: %v", err)
		}
		if again, err := store.Purge(ctx, db, now); err != nil || again != (store.Purged{}) {
			t.Errorf("second purge: %+v %v", again, err)
		}
	})
}
