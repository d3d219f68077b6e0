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

func TestAPITokensAreHashedActAsTheirUserAndDieWithIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		staff := models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&admin)
		db.Create(&staff)

		if _, _, err := store.CreateAPIToken(ctx, db, staff, staff.ID, "mit script", t0); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("staff creating a token: %v", err)
		}
		var ue *models.UserError
		if _, _, err := store.CreateAPIToken(ctx, db, admin, staff.ID, "  ", t0); !errors.As(err, &ue) {
			t.Fatalf("token without a name: %v", err)
		}
		if _, _, err := store.CreateAPIToken(ctx, db, admin, 9999, "x", t0); !errors.As(err, &ue) {
			t.Fatalf("token for an unknown user: %v", err)
		}
		token, saved, err := store.CreateAPIToken(ctx, db, admin, staff.ID, " valgliste ", t0)
		if err != nil || saved.Name != "valgliste" || saved.TokenHash == token || len(token) < 40 {
			t.Fatalf("CreateAPIToken = %q %+v %v", token, saved, err)
		}
		u, err := store.LookupAPIToken(ctx, db, token, t0.Add(time.Hour))
		if err != nil || u.ID != staff.ID || u.Role != models.RoleStaff {
			t.Fatalf("LookupAPIToken = %+v %v", u, err)
		}
		var stored models.APIToken
		db.First(&stored)
		if stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("last use not noted: %v", stored.LastUsedAt)
		}
		for _, bad := range []string{"", "forkert", stored.TokenHash} {
			if _, err := store.LookupAPIToken(ctx, db, bad, t0); !errors.Is(err, store.ErrNoAPIToken) {
				t.Errorf("LookupAPIToken(%q) = %v", bad, err)
			}
		}
		if err := db.Delete(&staff).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := store.LookupAPIToken(ctx, db, token, t0); !errors.Is(err, store.ErrNoAPIToken) {
			t.Errorf("token of a deleted user: %v", err)
		}
	})
}
