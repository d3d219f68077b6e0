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

// Purge deletes the answer tokens of invitations that ended, or whose task
// day passed, more than AnswerTokensKept ago, and keeps the links a person
// may still use: an open invitation, a confirmation before the day, an
// answer given a few days ago.
func TestPurgeDeletesOldAnswerTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		storetest.WithKeys(t, db)
		day := models.NewDate(2026, 11, 3)
		e := storetest.SeedElection(t, db, day, 1, 5, 5)
		now := day.In(models.Copenhagen).Add(30 * 24 * time.Hour).UTC()
		future := models.DateOf(now.In(models.Copenhagen)).AddDays(20)
		type tc struct {
			state models.AssignmentState
			day   models.Date
			ended *time.Time
			kept  bool
		}
		at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
		cases := map[string]tc{
			"confirmed, the day 30 days past": {models.StateConfirmed, day, nil, false},
			"declined 20 days ago":            {models.StateDeclined, future, at(20 * 24 * time.Hour), false},
			"open invitation":                 {models.StateInvited, future, nil, true},
			"confirmed before the day":        {models.StateConfirmed, future, nil, true},
			"declined 2 days ago":             {models.StateDeclined, future, at(2 * 24 * time.Hour), true},
		}
		tokens := map[string]string{}
		i := 0
		for name, c := range cases {
			a := storetest.Nominate(t, db, e.Slots[i], e.People[i].ID)
			if err := db.Model(&a).Updates(map[string]any{"state": c.state, "day": c.day, "ended_at": c.ended}).Error; err != nil {
				t.Fatal(err)
			}
			tokens[name] = fmt.Sprintf("%064d", i)
			if err := store.SaveAnswerToken(ctx, db, a.ID, tokens[name], fmt.Sprintf("K%d", i), now.Add(-40*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			i++
		}
		p, err := store.Purge(ctx, db, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.AnswerTokens != 2 {
			t.Errorf("purged %d answer tokens, want 2", p.AnswerTokens)
		}
		for name, c := range cases {
			_, err := store.AssignmentByAnswerToken(ctx, db, tokens[name])
			switch {
			case c.kept && err != nil:
				t.Errorf("%s: the link no longer opens: %v", name, err)
			case !c.kept && !errors.Is(err, models.ErrNotFound):
				t.Errorf("%s: the link still opens (%v)", name, err)
			}
		}
		if again, err := store.Purge(ctx, db, now); err != nil || again.AnswerTokens != 0 {
			t.Errorf("second purge: %+v %v", again, err)
		}
	})
}
