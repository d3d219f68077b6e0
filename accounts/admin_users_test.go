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

// A deactivated user's right password gets the answer of a wrong one; a
// login that completes is noted as the last; reactivated, the user logs
// in again with the same password.
func TestDeactivatedUserSignsInAsWithAWrongPassword(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, PasswordHash: hash, CreatedAt: now}
	party := models.Party{Name: "Parti", Letter: "A", Kind: models.CouncilGroup}
	db.Create(&party)
	// A party secretary: the password alone logs in (staff would set TOTP up first).
	u := models.User{Email: "a@x.example", Name: "A", Role: models.RolePartySecretary, PartyID: &party.ID, PasswordHash: hash, CreatedAt: now}
	for _, x := range []*models.User{&admin, &u} {
		if err := db.Create(x).Error; err != nil {
			t.Fatal(err)
		}
	}
	login, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
	if err != nil {
		t.Fatal(err)
	}
	var stored models.User
	db.First(&stored, u.ID)
	if stored.LastLoginAt == nil || !stored.LastLoginAt.Equal(now) {
		t.Errorf("last login %v, want %v", stored.LastLoginAt, now)
	}

	now = now.Add(time.Minute)
	if err := svc.DeactivateUser(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Session(ctx, login.Token); !errors.Is(err, accounts.ErrNoSession) {
		t.Errorf("the session after deactivation: %v", err)
	}
	if _, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", ""); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Errorf("a deactivated user's right password: %v, want ErrWrongPassword", err)
	}
	if _, err := svc.ResendAccountLink(ctx, admin, u.ID); err == nil {
		t.Error("a link was sent to a deactivated user")
	}
	if err := svc.ReactivateUser(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", ""); err != nil {
		t.Errorf("after reactivation: %v", err)
	}
	db.First(&stored, u.ID)
	if stored.LastLoginAt == nil || !stored.LastLoginAt.Equal(now) {
		t.Errorf("last login %v, want %v", stored.LastLoginAt, now)
	}
}
