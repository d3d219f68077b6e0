package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Many requests at once cannot take more lookups than the limit: on
// PostgreSQL they run on connections of their own.
func TestReserveLookupsHoldsTheLimitUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		u := models.User{Email: "staff@example.dk", Name: "Medarbejder", Role: models.RoleStaff, CreatedAt: time.Now().UTC()}
		if err := db.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
		day := models.NewDate(2026, time.December, 7)
		const limit, tries = 10, 40
		var passed atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, tries)
		for range tries {
			wg.Go(func() {
				<-start
				ok, err := store.ReserveLookups(ctx, db, u.ID, day, 1, limit)
				if err != nil {
					errs <- err
				}
				if ok {
					passed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := passed.Load(); n != limit {
			t.Errorf("%d of %d requests at once passed a limit of %d", n, tries, limit)
		}
		if n, err := store.LookupsOn(ctx, db, u.ID, day); n != limit || err != nil {
			t.Errorf("%d lookups counted (%v)", n, err)
		}

		// The next day counts anew, and the day before is dropped; more
		// than are left is refused whole and counts nothing.
		next := day.AddDays(1)
		if ok, err := store.ReserveLookups(ctx, db, u.ID, next, 7, limit); !ok || err != nil {
			t.Fatalf("the next day: %v %v", ok, err)
		}
		if ok, _ := store.ReserveLookups(ctx, db, u.ID, next, 4, limit); ok {
			t.Error("4 more than the 3 left passed")
		}
		if ok, _ := store.ReserveLookups(ctx, db, u.ID, next, 11, limit); ok {
			t.Error("more than the limit at once passed")
		}
		if n, _ := store.LookupsOn(ctx, db, u.ID, next); n != 7 {
			t.Errorf("%d counted on the next day, want 7", n)
		}
		if n, _ := store.LookupsOn(ctx, db, u.ID, day); n != 0 {
			t.Errorf("the day before still holds %d", n)
		}
		if n, _ := store.LookupsOn(ctx, db, u.ID+1, next); n != 0 {
			t.Errorf("another user has %d", n)
		}
	})
}

func TestMunicipalityLimitsAreSavedAndChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 1, 0, 0)
		m, err := store.MunicipalityOf(ctx, db)
		// A municipality made before the settings existed has the defaults.
		if err != nil || m.LookupsPerDay() != 200 || m.CSVRows() != 500 || m.Settings().SecretaryLookupsPerDay != "200" {
			t.Fatalf("defaults %d %d (%v)", m.LookupsPerDay(), m.CSVRows(), err)
		}
		admin := models.User{Email: "admin@example.dk", Name: "Admin", Role: models.RoleAdmin, CreatedAt: time.Now().UTC()}
		if err := db.Create(&admin).Error; err != nil {
			t.Fatal(err)
		}
		in := m.Settings()
		in.Code = "607" // the seed's fictitious 0999 is shown as 999, which is no code
		in.SecretaryLookupsPerDay, in.SecretaryCSVRows = " 50 ", "0"
		_, err = store.SaveMunicipality(ctx, db, admin, in, time.Now().UTC())
		fe, ok := err.(models.FieldErrors)
		if !ok || len(fe) != 1 || fe["secretary_csv_rows"] == nil || fe["secretary_csv_rows"].Key != "error.municipality.limit" {
			t.Fatalf("a cap of 0: %v", err)
		}
		in.SecretaryCSVRows = "120"
		if _, err := store.SaveMunicipality(ctx, db, admin, in, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		m, _ = store.MunicipalityOf(ctx, db)
		if m.LookupsPerDay() != 50 || m.CSVRows() != 120 {
			t.Errorf("saved %d %d", m.LookupsPerDay(), m.CSVRows())
		}
		var e models.AuditEntry
		db.Where("action = ?", models.AuditMunicipalityUpdated).Last(&e)
		if e.Detail != "municipality settings: code, secretary_lookups_per_day, secretary_csv_rows" {
			t.Errorf("audit %q", e.Detail)
		}
	})
}
