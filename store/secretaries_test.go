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

func TestExtraSecretaryLimitedToStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var stations []models.PollingStation
		db.Order("district").Find(&stations)
		s1, s2, s3 := stations[0].ID, stations[1].ID, stations[2].ID

		if _, err := store.RequestSecretary(ctx, db, p.admin, "X", "x@x.example", []int64{s1}, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("an administrator 'requesting': %v", err)
		}
		var ue *models.UserError
		if _, err := store.RequestSecretary(ctx, db, p.secA, "X", "x@x.example", nil, now); !errors.As(err, &ue) {
			t.Fatalf("no stations: %v", err)
		}
		if _, err := store.RequestSecretary(ctx, db, p.secA, "X", "x@x.example", []int64{99999}, now); !errors.As(err, &ue) {
			t.Fatalf("unknown station: %v", err)
		}
		r, err := store.RequestSecretary(ctx, db, p.secA, "Karen Ærtebjerg", "Karen@Parti-A.example", []int64{s2, s1, s1}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.PendingSecretaryRequests(ctx, db, p.secA); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a secretary listing requests: %v", err)
		}
		pending, err := store.PendingSecretaryRequests(ctx, db, p.admin)
		if err != nil || len(pending) != 1 || len(pending[0].Stations) != 2 || pending[0].PartyName != "Socialdemokratiet" {
			t.Fatalf("pending: %+v, %v", pending, err)
		}
		if _, err := store.DecideSecretaryRequest(ctx, db, p.secA, r.ID, true, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a secretary deciding: %v", err)
		}
		u, err := store.DecideSecretaryRequest(ctx, db, p.admin, r.ID, true, now)
		if err != nil || u == nil || u.Role != models.RolePartySecretary || *u.PartyID != p.a.ID || u.Email != "karen@parti-a.example" {
			t.Fatalf("approve: %+v, %v", u, err)
		}
		if got, _ := store.StationsOf(ctx, db, u.ID); len(got) != 2 || got[0] != min(s1, s2) || got[1] != max(s1, s2) {
			t.Fatalf("the new secretary's stations: %v", got)
		}
		if _, err := store.DecideSecretaryRequest(ctx, db, p.admin, r.ID, false, now); !errors.Is(err, store.ErrDecided) {
			t.Fatalf("deciding twice: %v", err)
		}

		// The limited secretary can pass on only their own stations.
		if _, err := store.RequestSecretary(ctx, db, *u, "Y", "y@x.example", []int64{s3}, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("limited secretary asking beyond their stations: %v", err)
		}
		r2, err := store.RequestSecretary(ctx, db, *u, "Y", "y@x.example", []int64{s1}, now)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := store.DecideSecretaryRequest(ctx, db, p.admin, r2.ID, false, now); err != nil || u != nil {
			t.Fatalf("reject: %v %v", u, err)
		}
	})
}
