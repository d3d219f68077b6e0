package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

func TestCheckInMarksCountsAndStationStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		day := models.NewDate(2026, 11, 3)
		e := storetest.SeedElection(t, db, day, 2, 6, 6)
		now := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
		// Slots alternate between the two stations: 0, 2, 4 at Skole 1.
		var as []models.Assignment
		for i := range 6 {
			a := storetest.Nominate(t, db, e.Slots[i], e.People[i].ID)
			db.Model(&a).Update("state", models.StateConfirmed)
			as = append(as, a)
		}
		// The party typed its own mobile number for person 1.
		typeMobile(t, db, e.People[0].ID, e.Party.ID, "+4520000001")
		if err := store.RecordAttendance(ctx, db, as[0].ID, models.AttendancePresent, "leader:7", now); err != nil {
			t.Fatal(err)
		}
		if err := store.RecordAttendance(ctx, db, as[0].ID, models.AttendancePresent, "leader:7", now); err != nil {
			t.Fatal(err) // a retried activity: one audit entry
		}
		if err := store.RecordAttendance(ctx, db, as[2].ID, models.AttendanceAbsent, "staff:1", now); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ApplyTransition(ctx, db, as[2].ID, models.StateNoShow, "", "staff:1", now); err != nil {
			t.Fatal(err)
		}
		var audits int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCheckIn).Count(&audits)
		if audits != 2 {
			t.Fatalf("%d check-in audit entries, want 2", audits)
		}
		counts, err := store.StationCounts(ctx, db, e.Election.ID, day)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[e.Stations[0].ID]; c != (models.CheckInCounts{Present: 1, Absent: 1, Unknown: 1}) {
			t.Fatalf("Skole 1 %+v, want 1 present, 1 absent, 1 unknown", c)
		}
		if c := counts[e.Stations[1].ID]; c != (models.CheckInCounts{Unknown: 3}) {
			t.Fatalf("Skole 2 %+v, want 3 unknown", c)
		}
		if other, _ := store.StationCounts(ctx, db, e.Election.ID, day.AddDays(1)); len(other) != 0 {
			t.Fatalf("counts of another day %+v, want none", other)
		}
		people, err := store.StationStaff(ctx, db, e.Election.ID, e.Stations[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 3 || people[0].Name != "Person 1" || people[0].Phone != "+4520000001" ||
			people[0].Attendance != models.AttendancePresent || people[1].State != models.StateNoShow || people[0].TaskType != "Tilforordnet" {
			t.Fatalf("station staff %+v", people)
		}
	})
}

func TestStationLeadersAreNamedAmongTheStationsPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		day := models.NewDate(2026, 11, 3)
		e := storetest.SeedElection(t, db, day, 2, 4, 4)
		now := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
		a0 := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID) // Skole 1
		storetest.Nominate(t, db, e.Slots[1], e.People[1].ID)       // Skole 2
		st := e.Stations[0].ID
		if cands, err := store.StationLeaderCandidates(ctx, db, e.Election.ID, st); err != nil || len(cands) != 1 || cands[0].ParticipantID != e.People[0].ID {
			t.Fatalf("candidates %+v, %v; want person 1 (nominated there) only", cands, err)
		}
		var ue *models.UserError
		if err := store.NameStationLeader(ctx, db, e.Staff, e.Election.ID, st, e.People[1].ID, now); !errors.As(err, &ue) {
			t.Fatalf("naming a person of another station: %v, want a refusal", err)
		}
		if err := store.NameStationLeader(ctx, db, models.User{ID: 99, Role: models.RoleReadOnly}, e.Election.ID, st, e.People[0].ID, now); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a reader naming: %v, want forbidden", err)
		}
		for range 2 { // twice is one leader
			if err := store.NameStationLeader(ctx, db, e.Staff, e.Election.ID, st, e.People[0].ID, now); err != nil {
				t.Fatal(err)
			}
		}
		leaders, err := store.StationLeaders(ctx, db, e.Election.ID, st)
		if err != nil || len(leaders) != 1 || leaders[0].ParticipantID != e.People[0].ID {
			t.Fatalf("leaders %+v, %v", leaders, err)
		}
		if ok, _ := store.LeadsStation(ctx, db, e.People[0].ID, e.Election.ID, st); !ok {
			t.Fatal("the leader does not lead their station")
		}
		if ok, _ := store.LeadsStation(ctx, db, e.People[0].ID, e.Election.ID, e.Stations[1].ID); ok {
			t.Fatal("the leader leads another station")
		}
		led, err := store.LedStations(ctx, db, e.People[0].ID)
		if err != nil || len(led) != 1 || led[0].StationName != "Skole 1" || led[0].Day != day {
			t.Fatalf("led stations %+v, %v", led, err)
		}
		if err := store.RemoveStationLeader(ctx, db, e.Staff, e.Election.ID, st, e.People[0].ID, now); err != nil {
			t.Fatal(err)
		}
		if err := store.RemoveStationLeader(ctx, db, e.Staff, e.Election.ID, st, e.People[0].ID, now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("removing twice: %v, want not found", err)
		}
		var audits int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditStationLeader).Count(&audits)
		if audits != 2 {
			t.Fatalf("%d station-leader audit entries, want 2 (named, removed)", audits)
		}
		_ = a0
	})
}

// The day's end never overrides staff's own mark, and staff may correct a
// no-show to completed unless someone took the slot on the day.
func TestDayOverKeepsStaffsMarkAndStaffCorrectNoShows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		day := models.NewDate(2026, 11, 3)
		e := storetest.SeedElection(t, db, day, 1, 2, 3)
		onDay := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
		a := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
		db.Model(&a).Update("state", models.StateConfirmed)
		if err := store.MarkAttendance(ctx, db, e.Staff, a.ID, models.StateCompleted, onDay); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ApplyTransition(ctx, db, a.ID, models.StateNoShow, "", payload.DayOver, onDay.Add(12*time.Hour)); err != nil {
			t.Fatal(err)
		}
		var got models.Assignment
		db.First(&got, a.ID)
		if got.State != models.StateCompleted || got.Attendance != models.AttendancePresent {
			t.Fatalf("%+v, want staff's completed (and its mark) kept", got)
		}
		// An unmarked no-show corrected to completed.
		b := storetest.Nominate(t, db, e.Slots[1], e.People[1].ID)
		db.Model(&b).Update("state", models.StateNoShow)
		if err := store.MarkAttendance(ctx, db, e.Staff, b.ID, models.StateCompleted, onDay); err != nil {
			t.Fatal(err)
		}
		// A no-show whose slot someone took on the day cannot be.
		db.Model(&a).Update("state", models.StateNoShow)
		taker := storetest.Nominate(t, db, e.Slots[0], e.People[2].ID)
		var ue *models.UserError
		if err := store.MarkAttendance(ctx, db, e.Staff, a.ID, models.StateCompleted, onDay); !errors.As(err, &ue) || ue.Key != "error.attendance.slottaken" {
			t.Fatalf("correcting a replaced no-show: %v, want error.attendance.slottaken", err)
		}
		db.First(&got, a.ID)
		if got.State != models.StateNoShow {
			t.Fatalf("%+v: the refusal changed the state", got)
		}
		_ = taker
	})
}

// typeMobile stores the mobile number a party typed for a person.
func typeMobile(t *testing.T, db *gorm.DB, participantID, partyID int64, mobile string) {
	t.Helper()
	var m models.PartyMembership
	if err := db.Where("participant_id = ? AND party_id = ?", participantID, partyID).First(&m).Error; err != nil {
		t.Fatal(err)
	}
	m.Mobile = models.NewSecret(mobile)
	if err := db.Save(&m).Error; err != nil {
		t.Fatal(err)
	}
}
