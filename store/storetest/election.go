package storetest

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Election is a small staffed election for tests: one area with Stations
// polling stations, the task type Tilforordnet, one council group and a
// pool, slots of the council group, and people on the group's list.
type Election struct {
	Election models.Election
	TaskType models.TaskType
	Stations []models.PollingStation
	Party    models.Party
	Pool     models.Party
	Slots    []models.Slot
	People   []models.Participant
	Staff    models.User
}

// SeedElection creates, in a database opened WithKeys, an active election
// on day with slots slots spread over stations stations and people people
// on the party's list (e-mail person<i>@example.dk, CPR numbers in the
// fake register's style), no one nominated yet.
func SeedElection(t testing.TB, db *gorm.DB, day models.Date, stations, slots, people int) Election {
	t.Helper()
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var e Election
	must(db.Create(&models.Municipality{Code: "0999", Name: "Testrup Kommune", CVR: "12345674", CreatedAt: now}).Error)
	area := models.Area{Name: "Midt"}
	must(db.Create(&area).Error)
	for i := range stations {
		st := models.PollingStation{AreaID: area.ID, Name: fmt.Sprintf("Skole %d", i+1), Address: fmt.Sprintf("Skolevej %d", i+1),
			PostalCode: "9990", City: "Testrup", District: i + 1}
		must(db.Create(&st).Error)
		e.Stations = append(e.Stations, st)
	}
	e.TaskType = models.TaskType{Name: "Tilforordnet", ShortName: "TF", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320,
		Validation: true, Reminders: true}
	must(db.Create(&e.TaskType).Error)
	e.Party = models.Party{Name: "Socialdemokratiet", Letter: "A", Kind: models.CouncilGroup, CouncilSeats: 11}
	e.Pool = models.Party{Name: "Frivillige", Kind: models.Pool}
	must(db.Create(&e.Party).Error)
	must(db.Create(&e.Pool).Error)
	e.Election = models.Election{Title: "Folketingsvalg", Kind: models.Folketingsvalg, ElectionDay: day,
		State: models.ElectionActive, CreatedAt: now, UpdatedAt: now}
	must(db.Create(&e.Election).Error)
	must(db.First(&e.Election, e.Election.ID).Error) // the schema's defaults
	e.Staff = models.User{Email: "staff@example.dk", Name: "Valgsekretariatet", Role: models.RoleStaff, CreatedAt: now}
	must(db.Create(&e.Staff).Error)
	for i := range slots {
		s := models.Slot{ElectionID: e.Election.ID, StationID: e.Stations[i%stations].ID, TaskTypeID: e.TaskType.ID, Day: day,
			PartyID: e.Party.ID, CreatedAt: now}
		must(db.Create(&s).Error)
		e.Slots = append(e.Slots, s)
	}
	for i := range people {
		cpr := fmt.Sprintf("0101%02d%04d", 70+i/10000%30, i%10000)
		p := models.Participant{CPR: models.NewSecret(cpr), CPRIndex: "test-" + cpr, Name: fmt.Sprintf("Person %d", i+1),
			Email: models.NewSecret(fmt.Sprintf("person%d@example.dk", i+1)), Mobile: models.NewSecret(""),
			CreatedAt: now, UpdatedAt: now}
		must(db.Create(&p).Error)
		must(db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: e.Party.ID, CreatedAt: now}).Error)
		e.People = append(e.People, p)
	}
	return e
}

// Nominate puts person on slot in state nominated (as store.Nominate does,
// without its rules), for tests of what follows a nomination.
func Nominate(t testing.TB, db *gorm.DB, slot models.Slot, personID int64) models.Assignment {
	t.Helper()
	now := time.Now().UTC()
	a := models.Assignment{SlotID: slot.ID, ParticipantID: personID, ElectionID: slot.ElectionID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, PartyID: slot.PartyID, Day: slot.Day, State: models.StateNominated,
		WorkflowID: payload.LifecycleID(slot.ID, personID), NominatedAt: now, UpdatedAt: now}
	if err := db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a
}
