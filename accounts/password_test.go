package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A fourth reset in the hour sends nothing and is logged as a warning that
// does not name the address; an unknown address is not named either.
func TestPasswordResetThrottleIsLoggedWithoutTheAddress(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	u := models.User{Email: "glemsom@x.example", Name: "G", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	for range accounts.MaxResetMailsPerHour + 1 {
		svc.RequestPasswordReset(ctx, u.Email)
	}
	svc.RequestPasswordReset(ctx, "ukendt@x.example")
	var n int64
	db.Model(&models.PasswordReset{}).Count(&n)
	if n != accounts.MaxResetMailsPerHour {
		t.Fatalf("%d links, want %d", n, accounts.MaxResetMailsPerHour)
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"password reset throttled`) {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "glemsom") || strings.Contains(logs.String(), "ukendt") {
		t.Errorf("the log names an address:\n%s", logs.String())
	}
}

// A wrong current password is refused on its field and counted as a
// failed login; after too many, the change is throttled.
func TestChangePasswordCountsAWrongCurrentPassword(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	for i := range accounts.MaxFailedLogins {
		err := svc.ChangePassword(ctx, u, "", "forkert", "en helt ny og lang adgangskode")
		var ue *models.UserError
		if !errors.As(err, &ue) || ue.Key != "error.password.wrongcurrent" {
			t.Fatalf("wrong current password %d: %v", i+1, err)
		}
	}
	if n, _ := store.FailedLoginsSince(ctx, db, u.Email, now.Add(-time.Hour)); n.Count != int64(accounts.MaxFailedLogins) {
		t.Fatalf("%d failures counted", n.Count)
	}
	if err := svc.ChangePassword(ctx, u, "", "en lang og god adgangskode", "en helt ny og lang adgangskode"); !errors.Is(err, accounts.ErrThrottled) {
		t.Fatalf("after %d failures: %v, want ErrThrottled", accounts.MaxFailedLogins, err)
	}
}
