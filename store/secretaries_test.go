package store_test

import (
	"errors"
	"slices"
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
		if got, _ := store.StationLimitOf(ctx, db, *u); !got.Limited || len(got.IDs) != 2 || got.IDs[0] != min(s1, s2) || got.IDs[1] != max(s1, s2) {
			t.Fatalf("the new secretary's stations: %+v", got)
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

// A secretary limited to one station whose station is deleted works for no
// station, not for every one: the limit fails closed.
func TestStationLimitFailsClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var e models.Election
		db.First(&e)
		var s1 models.PollingStation
		db.Order("district").First(&s1)
		var tt models.TaskType
		db.First(&tt)
		lone := models.PollingStation{AreaID: s1.AreaID, Name: "Forsamlingshuset", Address: "Vej 1", PostalCode: "9999",
			City: "Sønderå", District: 99}
		if err := db.Create(&lone).Error; err != nil {
			t.Fatal(err)
		}
		r, err := store.RequestSecretary(ctx, db, p.secA, "Lone Ø", "lone@x.example", []int64{lone.ID}, now)
		if err != nil {
			t.Fatal(err)
		}
		u, err := store.DecideSecretaryRequest(ctx, db, p.admin, r.ID, true, now)
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := models.Placement{ElectionID: e.ID, PartyID: p.a.ID, StationID: s1.ID, TaskTypeID: tt.ID, Day: e.ElectionDay}
		if err := store.CheckPlacement(ctx, db, *u, elsewhere); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a limited secretary at another station: %v", err)
		}

		if err := store.DeleteStation(ctx, db, p.admin, lone.ID, true, now); err != nil {
			t.Fatal(err)
		}
		var after models.User
		db.First(&after, u.ID)
		if got, err := store.StationLimitOf(ctx, db, after); err != nil || !got.Limited || len(got.IDs) != 0 {
			t.Fatalf("after the last station went: %+v, %v; want limited to none", got, err)
		}
		if err := store.CheckPlacement(ctx, db, after, elsewhere); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("with no station left, placing at another: %v, want forbidden", err)
		}
		if cells, err := store.PartySlots(ctx, db, after, e.ID, p.a.ID); err != nil || len(cells) != 0 {
			t.Errorf("with no station left, the party's slots: %d cells, %v; want none", len(cells), err)
		}
		if sec, err := store.SecretariesOf(ctx, db, p.a.ID, s1.ID); err != nil || slices.ContainsFunc(sec, func(x models.User) bool { return x.ID == u.ID }) {
			t.Errorf("with no station left, told about slots at another: %v", err)
		}
	})
}
