package store_test

import (
	"errors"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestStationsWithOptimisticLocking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		var area models.Area
		db.First(&area)
		staff := p.admin
		s, err := store.SaveStation(ctx, db, staff, models.PollingStation{AreaID: area.ID, Name: " Ny Skole ", Address: "Vej 1",
			PostalCode: "9990", City: "Sønderå", District: 8})
		if err != nil || s.ID == 0 || s.Version != 1 || s.Name != "Ny Skole" {
			t.Fatalf("create: %+v, %v", s, err)
		}
		var ue *models.UserError
		for _, bad := range []models.PollingStation{
			{AreaID: area.ID, Name: "", Address: "a", PostalCode: "9990", City: "c", District: 9},
			{AreaID: area.ID, Name: "x", Address: "a", PostalCode: "999", City: "c", District: 9},
			{AreaID: area.ID, Name: "x", Address: "a", PostalCode: "9990", City: "c", District: 0},
			{AreaID: area.ID, Name: "x", Address: "a", PostalCode: "9990", City: "c", District: 8}, // taken
			{AreaID: 9999, Name: "x", Address: "a", PostalCode: "9990", City: "c", District: 9},
		} {
			if _, err := store.SaveStation(ctx, db, staff, bad); !errors.As(err, &ue) {
				t.Errorf("%+v: %v, want a UserError", bad, err)
			}
		}
		if _, err := store.SaveStation(ctx, db, p.secA, s); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a party secretary saving a station: %v", err)
		}

		// Two staff members edit the same version at once: one wins, the
		// other is told, and nothing is lost silently.
		var wg sync.WaitGroup
		results := make(chan error, 2)
		for _, name := range []string{"Ny Skole (hal A)", "Ny Skole (hal B)"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				edit := s
				edit.Name = name
				_, err := store.SaveStation(ctx, db, staff, edit)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		var ok, stale int
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrStale):
				stale++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("%d saved, %d stale; want 1 and 1", ok, stale)
		}
		var got models.PollingStation
		db.First(&got, s.ID)
		if got.Version != 2 {
			t.Errorf("version %d, want 2", got.Version)
		}
		s.ID = 99999
		if _, err := store.SaveStation(ctx, db, staff, s); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("saving a missing station: %v", err)
		}
	})
}

func TestAreas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		a, err := store.SaveArea(ctx, db, p.admin, models.Area{Name: " Øst "})
		if err != nil || a.ID == 0 || a.Name != "Øst" {
			t.Fatalf("create: %+v %v", a, err)
		}
		var ue *models.UserError
		if _, err := store.SaveArea(ctx, db, p.admin, models.Area{Name: "Nord"}); !errors.As(err, &ue) {
			t.Errorf("duplicate name: %v", err)
		}
		if _, err := store.SaveArea(ctx, db, p.admin, models.Area{Name: " "}); !errors.As(err, &ue) {
			t.Errorf("empty name: %v", err)
		}
		if _, err := store.SaveArea(ctx, db, p.secA, models.Area{Name: "Vest"}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("party secretary: %v", err)
		}
		a.Name = "Østbyen"
		if _, err := store.SaveArea(ctx, db, p.admin, a); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SaveArea(ctx, db, p.admin, models.Area{ID: 99999, Name: "X"}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("missing area: %v", err)
		}
	})
}
