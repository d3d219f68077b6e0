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

func TestElectionTypesSeededWithTheLaw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		var n int64
		if err := db.Model(&models.ElectionType{}).Count(&n).Error; err != nil || n != 4 {
			t.Fatalf("%d rows in election_types, %v", n, err)
		}
		types, err := store.ElectionTypes(ctx, db)
		if err != nil || len(types) != 4 {
			t.Fatalf("%v %v", types, err)
		}
		for i, k := range models.ElectionKinds {
			want, _ := models.DefaultElectionType(k)
			if types[i] != want {
				t.Errorf("seeded %+v, want %+v", types[i], want)
			}
			r, err := store.RulesFor(ctx, db, k)
			if def, _ := models.DefaultRules(k); err != nil || r != def {
				t.Errorf("RulesFor(%s) = %+v, %v", k, r, err)
			}
		}
		if r, err := store.RulesFor(ctx, db, "XX"); err != nil || r.Citizenship.Valid() {
			t.Errorf("RulesFor(XX) = %+v, %v; want the zero rules", r, err)
		}
		// A row gone (by hand): the law's rules, not an error.
		db.Exec("DELETE FROM election_types WHERE kind = 'EP'")
		if r, err := store.RulesFor(ctx, db, models.EuropaParlamentsvalg); err != nil || r.Citizenship != models.CitizenshipDanishEU {
			t.Errorf("missing EP: %+v, %v", r, err)
		}
	})
}

func TestSaveAndResetElectionType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		staff := models.User{Email: "s@x.example", Name: "Medarbejder", Role: models.RoleStaff, CreatedAt: time.Now()}
		db.Create(&staff)
		now := time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

		kv, _ := store.ElectionType(ctx, db, models.Kommunalvalg)
		edit := kv
		edit.MinAge, edit.ResidenceYears, edit.GuardianshipExcludes, edit.Name = 21, 2, true, "  Kommunalvalg  "
		for _, u := range []models.User{staff, p.secA} {
			if _, err := store.SaveElectionType(ctx, db, u, edit, now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s saves: %v", u.Role, err)
			}
			if _, err := store.ResetElectionType(ctx, db, u, models.Kommunalvalg, 1, now); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s resets: %v", u.Role, err)
			}
		}
		for name, change := range map[string]func(*models.ElectionType){
			"min_age":         func(e *models.ElectionType) { e.MinAge = 15 },
			"residence_years": func(e *models.ElectionType) { e.ResidenceYears = 21 },
			"citizenship":     func(e *models.ElectionType) { e.Citizenship = "all" },
			"name":            func(e *models.ElectionType) { e.Name = " " },
		} {
			bad := edit
			change(&bad)
			_, err := store.SaveElectionType(ctx, db, p.admin, bad, now)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || fe[name] == nil || len(fe) != 1 {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := store.SaveElectionType(ctx, db, p.admin, models.ElectionType{Kind: "XX"}, now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown kind: %v", err)
		}

		saved, err := store.SaveElectionType(ctx, db, p.admin, edit, now)
		if err != nil || saved.Version != 2 || saved.Name != "Kommunalvalg" {
			t.Fatalf("save: %+v %v", saved, err)
		}
		r, _ := store.RulesFor(ctx, db, models.Kommunalvalg)
		if r != (models.EligibilityRules{MinAge: 21, Citizenship: models.CitizenshipDanishEUNordic, ResidenceYears: 2,
			GuardianshipExcludes: true, MustLiveInMunicipality: true}) {
			t.Errorf("stored %+v", r)
		}
		if fv, _ := store.RulesFor(ctx, db, models.Folketingsvalg); fv.MinAge != 18 {
			t.Errorf("FV changed too: %+v", fv)
		}
		if _, err := store.SaveElectionType(ctx, db, p.admin, edit, now); !errors.Is(err, models.ErrStale) {
			t.Errorf("save on version 1 again: %v", err)
		}
		if _, err := store.ResetElectionType(ctx, db, p.admin, models.Kommunalvalg, 1, now); !errors.Is(err, models.ErrStale) {
			t.Errorf("reset on version 1: %v", err)
		}
		reset, err := store.ResetElectionType(ctx, db, p.admin, models.Kommunalvalg, saved.Version, now)
		if want, _ := models.DefaultElectionType(models.Kommunalvalg); err != nil || reset.Version != 3 ||
			reset.EligibilityRules != want.EligibilityRules || reset.Name != want.Name {
			t.Fatalf("reset: %+v %v", reset, err)
		}
		if r, _ := store.RulesFor(ctx, db, models.Kommunalvalg); r.MinAge != 18 || r.ResidenceYears != 4 || r.GuardianshipExcludes {
			t.Errorf("after reset %+v", r)
		}

		var log []models.AuditEntry
		db.Where("action = ?", models.AuditElectionTypeChanged).Order("id").Find(&log)
		if len(log) != 2 || log[0].ActorID == nil || *log[0].ActorID != p.admin.ID || !log[0].At.Equal(now) {
			t.Fatalf("audit %+v", log)
		}
		if log[0].Detail != "election type KV changed: min age 21, citizenship dk_eu_nordic, residence years 2, guardianship excludes true, must live in municipality true" {
			t.Errorf("audit detail %q", log[0].Detail)
		}
	})
}
