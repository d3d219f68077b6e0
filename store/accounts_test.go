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

func TestCreateUserAndOneTimeLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		if _, err := store.CreateUser(ctx, db, p.secA, models.NewUser{Email: "x@x.example", Name: "X", Role: models.RoleStaff}, t0); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a party secretary created a user: %v", err)
		}
		for _, bad := range []models.NewUser{
			{Email: "ikke en adresse", Name: "X", Role: models.RoleStaff},
			{Email: "y@x.example", Name: " ", Role: models.RoleStaff},
			{Email: "y@x.example", Name: "Y", Role: models.RolePartySecretary},
			{Email: "y@x.example", Name: "Y", Role: "superuser"},
			{Email: "A@X.example", Name: "Dublet", Role: models.RoleStaff}, // a@x.example exists
		} {
			var ue *models.UserError
			if _, err := store.CreateUser(ctx, db, p.admin, bad, t0); !errors.As(err, &ue) {
				t.Errorf("%+v: %v, want a UserError", bad, err)
			}
		}
		u, err := store.CreateUser(ctx, db, p.admin, models.NewUser{Email: " Ny@X.example", Name: "Ny Sekretær",
			Role: models.RolePartySecretary, PartyID: &p.v.ID}, t0)
		if err != nil || u.Email != "ny@x.example" || u.PasswordHash != "" {
			t.Fatalf("CreateUser: %+v, %v", u, err)
		}

		old, _ := store.CreateAccountLink(ctx, db, u.ID, t0)
		token, _ := store.CreateAccountLink(ctx, db, u.ID, t0)
		if _, err := store.CheckAccountLink(ctx, db, old, t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Errorf("an older link still works: %v", err)
		}
		if _, err := store.UseAccountLink(ctx, db, token, "kort", t0); err == nil {
			t.Error("a 4-character password was accepted")
		}
		if got, err := store.UseAccountLink(ctx, db, token, "en god lang adgangskode", t0.Add(time.Hour)); err != nil || got.ID != u.ID {
			t.Fatalf("UseAccountLink: %v", err)
		}
		if _, err := store.UseAccountLink(ctx, db, token, "en anden lang adgangskode", t0.Add(2*time.Hour)); !errors.Is(err, store.ErrLinkUsed) {
			t.Errorf("second use: %v", err)
		}
		var after models.User
		db.First(&after, u.ID)
		if ok, _ := models.VerifyPassword(after.PasswordHash, "en god lang adgangskode"); !ok {
			t.Error("the password chosen through the link does not verify")
		}

		late, _ := store.CreateAccountLink(ctx, db, u.ID, t0)
		if _, err := store.CheckAccountLink(ctx, db, late, t0.Add(store.AccountLinkValidity-time.Second)); err != nil {
			t.Errorf("link just before 7 days: %v", err)
		}
		if _, err := store.UseAccountLink(ctx, db, late, "en god lang adgangskode", t0.Add(store.AccountLinkValidity)); !errors.Is(err, store.ErrLinkExpired) {
			t.Errorf("link after 7 days: %v", err)
		}
	})
}
