package store_test

import (
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Two set-ups at the same moment: one municipality, one administrator, and
// the other refused.
func TestInstallMunicipalityOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = store.InstallMunicipality(ctx, db, models.Municipality{Code: "0607", Name: "Sønderå Kommune", CVR: "12345674"},
					models.NewUser{Email: "admin" + string(rune('a'+i)) + "@sondera.example", Name: "Admin", Role: models.RoleAdmin}, now)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if ue, ok := models.AsUserError(err); !ok || ue.Key != "error.municipality.exists" {
				t.Errorf("a concurrent install: %v", err)
			}
		}
		var m, u int64
		db.Model(&models.Municipality{}).Count(&m)
		db.Model(&models.User{}).Count(&u)
		if won != 1 || m != 1 || u != 1 {
			t.Errorf("%d installs succeeded, %d municipalities, %d users; want 1 each", won, m, u)
		}
	})
}

// The demo seed's municipality passes the checks setup makes, but for its
// fictitious kommunekode.
func TestDemoMunicipalityHasAValidCVR(t *testing.T) {
	db := storetest.SQLite(t)
	if _, err := store.SeedDemo(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil || !models.ValidCVR(m.CVR) {
		t.Errorf("demo municipality %+v (%v): CVR fails the modulus-11 check", m, err)
	}
}
