package accounts_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// Past five failures an account backs off: its owner waits half a
// minute, a guesser waits twice as long after each further failure, never
// more than the window.
func TestThrottledAccountBacksOffRatherThanLocks(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 17, 7, 30, 0, 0, time.UTC) // election morning
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	const password = "en lang og god adgangskode"
	hash, _ := models.HashPassword(password)
	party := models.Party{Name: "Parti", Letter: "A", Kind: models.CouncilGroup}
	db.Create(&party)
	u := models.User{Email: "sek@x.example", Name: "S", Role: models.RolePartySecretary, PartyID: &party.ID, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	signIn := func(pw string) error { _, err := svc.SignIn(ctx, u.Email, pw, ""); return err }

	for range accounts.MaxFailedLogins {
		now = now.Add(time.Second)
		if err := signIn("forkert"); !errors.Is(err, accounts.ErrWrongPassword) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	last := now
	now = last.Add(accounts.LockBase - time.Second)
	if err := signIn(password); !errors.Is(err, accounts.ErrThrottled) {
		t.Fatalf("the right password %v after the fifth failure: %v, want throttled", now.Sub(last), err)
	}
	now = last.Add(accounts.LockBase)
	if err := signIn(password); err != nil {
		t.Fatalf("the owner after %v: %v", accounts.LockBase, err)
	}

	// A guesser: each failure past the fifth doubles the wait.
	for range accounts.MaxFailedLogins {
		now = now.Add(time.Second)
		signIn("forkert")
	}
	wait := accounts.LockBase
	for i := 0; i < 8; i++ {
		last = now
		now = last.Add(wait - time.Second)
		if err := signIn("forkert"); !errors.Is(err, accounts.ErrThrottled) {
			t.Fatalf("try %d, %v after the last failure: %v, want throttled", i, now.Sub(last), err)
		}
		now = last.Add(wait)
		if err := signIn("forkert"); !errors.Is(err, accounts.ErrWrongPassword) {
			t.Fatalf("try %d, %v after the last failure: %v, want it tried", i, wait, err)
		}
		wait = min(2*wait, accounts.LoginWindow)
	}
	if wait != accounts.LoginWindow {
		t.Fatalf("the wait grew to %v only", wait)
	}
}
