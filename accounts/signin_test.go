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

// The login sequence the sign-in page relies on: an unknown address and a
// wrong password are refused alike, five failures throttle the account
// (even for the right password), a new session ends the old one, and a
// user with a second factor gets a pending session that a code opens.
func TestSignInThrottlesAndAsksForTheCode(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db) // the TOTP secret is stored encrypted
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}

	if _, err := svc.SignIn(ctx, "ukendt@x.example", "en lang og god adgangskode", ""); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Fatalf("unknown address: %v", err)
	}
	first, err := svc.SignIn(ctx, " A@X.example", "en lang og god adgangskode", "")
	if err != nil || first.CodeDue || first.User.ID != u.ID {
		t.Fatalf("right password: %+v %v", first, err)
	}
	second, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", first.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Session(ctx, first.Token); !errors.Is(err, accounts.ErrNoSession) {
		t.Fatalf("the session before the new login lives on: %v", err)
	}
	if _, got, err := svc.Session(ctx, second.Token); err != nil || got.ID != u.ID {
		t.Fatalf("the new session: %v %v", got, err)
	}

	for range accounts.MaxFailedLogins {
		now = now.Add(time.Second)
		if _, err := svc.SignIn(ctx, "a@x.example", "forkert", ""); !errors.Is(err, accounts.ErrWrongPassword) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", ""); !errors.Is(err, accounts.ErrThrottled) {
		t.Fatalf("after %d failures: %v", accounts.MaxFailedLogins, err)
	}
	now = now.Add(accounts.LoginWindow + time.Second)

	secret, _ := models.NewTOTPSecret()
	code, _ := models.TOTPCode(secret, now)
	if err := svc.EnableTOTP(ctx, u, secret, code); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second)
	login, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
	if err != nil || !login.CodeDue {
		t.Fatalf("with a second factor: %+v %v", login, err)
	}
	if sess, _, err := svc.Session(ctx, login.Token); err != nil || !sess.SecondFactorDue {
		t.Fatalf("the pending session: %+v %v", sess, err)
	}
	if err := svc.CheckCode(ctx, u, login.Token, "000000"); !errors.Is(err, accounts.ErrWrongCode) {
		t.Fatalf("a wrong code: %v", err)
	}
	if code, _ = models.TOTPCode(secret, now); svc.CheckCode(ctx, u, login.Token, code) != nil {
		t.Fatal("the right code is refused")
	}
	if sess, _, err := svc.Session(ctx, login.Token); err != nil || sess.SecondFactorDue {
		t.Fatalf("the session after the code: %+v %v", sess, err)
	}
}
