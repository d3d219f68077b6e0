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

func TestElectionStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		now := time.Now().UTC()
		e := models.Election{Title: "Kommunal- og regionsrådsvalg 2029", Kind: models.Kommunalvalg,
			ElectionDay: models.NewDate(2029, time.November, 20), State: models.ElectionDraft, AnswerDays: 14, CreatedAt: now, UpdatedAt: now}
		db.Create(&e)
		if err := store.SetElectionState(ctx, db, p.secA, e.ID, models.ElectionActive, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a party secretary activating: %v", err)
		}
		var ue *models.UserError
		if err := store.SetElectionState(ctx, db, p.admin, e.ID, models.ElectionClosed, now); !errors.As(err, &ue) {
			t.Fatalf("draft → closed: %v", err)
		}
		if err := store.SetElectionState(ctx, db, p.admin, e.ID, models.ElectionActive, now); err != nil {
			t.Fatal(err)
		}
		if err := store.SetElectionState(ctx, db, p.admin, e.ID, models.ElectionActive, now); !errors.As(err, &ue) {
			t.Fatalf("active → active: %v", err)
		}
		if err := store.SetElectionState(ctx, db, p.admin, e.ID, models.ElectionClosed, now); err != nil {
			t.Fatal(err)
		}
		if err := store.SetElectionState(ctx, db, p.admin, 99999, models.ElectionActive, now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("missing election: %v", err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", "election.state").Count(&n)
		if n != 2 {
			t.Errorf("%d state changes in the audit log, want 2", n)
		}
	})
}

func TestCreateElection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC) // already 24 November in Copenhagen
		e, err := store.CreateElection(ctx, db, p.admin, " Europa-Parlamentsvalg 2029 ", models.EuropaParlamentsvalg, "2029-06-10", now)
		if err != nil || e.State != models.ElectionDraft || e.Title != "Europa-Parlamentsvalg 2029" {
			t.Fatalf("create: %+v %v", e, err)
		}
		var ue *models.UserError
		for _, c := range [][3]string{{"", "KV", "2029-11-20"}, {"X", "XX", "2029-11-20"}, {"X", "KV", "20-11-2029"}, {"X", "KV", "2026-11-23"}} {
			if _, err := store.CreateElection(ctx, db, p.admin, c[0], models.ElectionKind(c[1]), c[2], now); !errors.As(err, &ue) {
				t.Errorf("%v: %v", c, err)
			}
		}
		if _, err := store.CreateElection(ctx, db, p.admin, "X", models.Kommunalvalg, "2026-11-24", now); err != nil {
			t.Errorf("today in Copenhagen: %v", err)
		}
		if _, err := store.CreateElection(ctx, db, p.secA, "X", models.Kommunalvalg, "2029-11-20", now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a party secretary: %v", err)
		}
	})
}
