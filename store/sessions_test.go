package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestSessionsLiveIdleAndExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&u)
		token, err := store.CreateSession(ctx, db, u.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		var stored models.Session
		db.First(&stored)
		if strings.Contains(stored.TokenHash, token) || stored.TokenHash == token {
			t.Fatal("the database holds the token itself")
		}
		// Used every hour, it lives until the absolute limit.
		for h := 1; h < 12; h++ {
			s, got, err := store.LookupSession(ctx, db, token, t0.Add(time.Duration(h)*time.Hour))
			if err != nil || got.ID != u.ID || s.CSRFToken == "" {
				t.Fatalf("hour %d: %v %v", h, got, err)
			}
		}
		if _, _, err := store.LookupSession(ctx, db, token, t0.Add(12*time.Hour)); !errors.Is(err, store.ErrNoSession) {
			t.Fatalf("after 12 h: %v", err)
		}

		token, _ = store.CreateSession(ctx, db, u.ID, t0)
		if _, _, err := store.LookupSession(ctx, db, token, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNoSession) {
			t.Fatalf("after 2 idle hours: %v", err)
		}
		token, _ = store.CreateSession(ctx, db, u.ID, t0)
		store.DeleteSession(ctx, db, token)
		if _, _, err := store.LookupSession(ctx, db, token, t0); !errors.Is(err, store.ErrNoSession) {
			t.Fatalf("after logout: %v", err)
		}
		for _, bad := range []string{"", "forged", token + "x"} {
			if _, _, err := store.LookupSession(ctx, db, bad, t0); !errors.Is(err, store.ErrNoSession) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
	})
}

func TestFailedLoginsResetBySuccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		for i := range 3 {
			store.RecordLoginAttempt(ctx, db, "A@X.example ", false, t0.Add(time.Duration(i)*time.Minute))
		}
		if f, _ := store.FailedLoginsSince(ctx, db, "a@x.example", t0.Add(-time.Minute)); f.Count != 3 || !f.Last.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("%+v, want 3 failures, the last at %v", f, t0.Add(2*time.Minute))
		}
		if f, _ := store.FailedLoginsSince(ctx, db, "a@x.example", t0.Add(90*time.Second)); f.Count != 1 {
			t.Fatalf("%d failures in the window, want 1", f.Count)
		}
		store.RecordLoginAttempt(ctx, db, "a@x.example", true, t0.Add(5*time.Minute))
		store.RecordLoginAttempt(ctx, db, "a@x.example", false, t0.Add(6*time.Minute))
		if f, _ := store.FailedLoginsSince(ctx, db, "a@x.example", t0); f.Count != 1 {
			t.Fatalf("%d failures after a success, want 1", f.Count)
		}
		if f, _ := store.FailedLoginsSince(ctx, db, "b@x.example", t0); f.Count != 0 {
			t.Fatalf("another account has %d failures", f.Count)
		}
	})
}
