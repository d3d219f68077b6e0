package bench

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// election is a seeded election with everyone nominated.
type election struct {
	ID     int64
	Staff  models.User
	People []models.Participant
	// Assignments are the nominations, in the people's order.
	Assignments []models.Assignment
}

// exemptEvery makes every tenth person exempt from Digital Post: their
// invitation is refused there and falls through to e-mail, as in a real
// municipality (about 7 % of adults are exempt).
const exemptEvery = 10

// benchCPR is person i's CPR number in the fake register's style (the
// 1 January of 1970-1999, sequence numbers 0000-9999: 300,000 people).
func benchCPR(i int) string { return fmt.Sprintf("0101%02d%04d", 70+i/10000%30, i%10000) }

// mobileOf is person i's mobile number.
func mobileOf(i int) string { return fmt.Sprintf("+4520%06d", i) }

// exemptCPRs are the CPR numbers of the people the fake Digital Post refuses.
func exemptCPRs(people int) []string {
	var out []string
	for i := 0; i < people; i += exemptEvery {
		out = append(out, benchCPR(i))
	}
	return out
}

// seed creates an active election 60 days ahead in 60 polling stations with
// one slot per person, people with e-mail and mobile on one party's list, and
// every person nominated to their slot. Reminders and the answer deadline
// lie weeks ahead, so during a benchmark every lifecycle waits on a timer.
func seed(ctx context.Context, db *gorm.DB, keys *vault.Keyring, people int) (election, error) {
	db = db.WithContext(ctx)
	now := time.Now().UTC()
	day := models.DateOf(now.In(models.Copenhagen)).AddDays(60)
	var e election
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.Municipality{Code: "0999", Name: "Benchrup Kommune", CVR: "12345674", CreatedAt: now}).Error; err != nil {
			return err
		}
		area := models.Area{Name: "Midt"}
		if err := tx.Create(&area).Error; err != nil {
			return err
		}
		stations := make([]models.PollingStation, 60)
		for i := range stations {
			stations[i] = models.PollingStation{AreaID: area.ID, Name: fmt.Sprintf("Skole %d", i+1),
				Address: fmt.Sprintf("Skolevej %d", i+1), PostalCode: "9990", City: "Benchrup", District: i + 1}
		}
		if err := tx.Create(&stations).Error; err != nil {
			return err
		}
		task := models.TaskType{Name: "Tilforordnet", ShortName: "TF", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320,
			Validation: true, Reminders: true}
		party := models.Party{Name: "Socialdemokratiet", Letter: "A", Kind: models.CouncilGroup, CouncilSeats: 11}
		election := models.Election{Title: "Folketingsvalg", Kind: models.Folketingsvalg, ElectionDay: day,
			State: models.ElectionActive, AnswerDays: 30, ReminderEveryDays: 20, CreatedAt: now, UpdatedAt: now}
		e.Staff = models.User{Email: "staff@bench.dk", Name: "Valgsekretariatet", Role: models.RoleStaff, CreatedAt: now}
		for _, v := range []any{&task, &party, &election, &e.Staff} {
			if err := tx.Create(v).Error; err != nil {
				return err
			}
		}
		e.ID = election.ID
		slots := make([]models.Slot, people)
		e.People = make([]models.Participant, people)
		for i := range people {
			slots[i] = models.Slot{ElectionID: e.ID, StationID: stations[i%len(stations)].ID, TaskTypeID: task.ID, Day: day,
				PartyID: party.ID, CreatedAt: now}
			index := store.MobileIndex(keys, mobileOf(i))
			email := fmt.Sprintf("person%d@bench.dk", i+1)
			emailIndex := store.EmailIndex(keys, email)
			e.People[i] = models.Participant{CPR: models.NewSecret(benchCPR(i)), CPRIndex: "bench-" + benchCPR(i),
				Name: fmt.Sprintf("Person %d", i+1), Email: models.NewSecret(email), EmailIndex: &emailIndex,
				Mobile: models.NewSecret(mobileOf(i)), MobileIndex: &index, CreatedAt: now, UpdatedAt: now}
		}
		if err := tx.CreateInBatches(&slots, 500).Error; err != nil {
			return err
		}
		if err := tx.CreateInBatches(&e.People, 500).Error; err != nil {
			return err
		}
		members := make([]models.PartyMembership, people)
		e.Assignments = make([]models.Assignment, people)
		for i, p := range e.People {
			members[i] = models.PartyMembership{ParticipantID: p.ID, PartyID: party.ID, CreatedAt: now}
			s := slots[i]
			e.Assignments[i] = models.Assignment{SlotID: s.ID, ParticipantID: p.ID, ElectionID: s.ElectionID, StationID: s.StationID,
				TaskTypeID: s.TaskTypeID, PartyID: s.PartyID, Day: s.Day, State: models.StateNominated,
				WorkflowID: payload.LifecycleID(s.ID, p.ID), NominatedAt: now, UpdatedAt: now}
		}
		if err := tx.CreateInBatches(&members, 500).Error; err != nil {
			return err
		}
		return tx.CreateInBatches(&e.Assignments, 500).Error
	})
	return e, err
}
