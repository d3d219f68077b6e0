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
			ElectionDay: models.NewDate(2029, time.November, 20), State: models.ElectionDraft, CreatedAt: now, UpdatedAt: now}
		db.Create(&e)
		if err := store.SetElectionState(ctx, db, p.secA, e.ID, models.ElectionActive, now); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("a party secretary activating: %v", err)
		}
		var ue *store.UserError
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
		if err := store.SetElectionState(ctx, db, p.admin, 99999, models.ElectionActive, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing election: %v", err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", "election.state").Count(&n)
		if n != 2 {
			t.Errorf("%d state changes in the audit log, want 2", n)
		}
	})
}
