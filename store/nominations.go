package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Audit actions of nominations: a nomination reveals political opinion, so
// putting a person on a slot or a reserve list, and taking them off, is logged.
const (
	AuditNominated      models.AuditAction = "assignment.nominated"
	AuditUnnominated    models.AuditAction = "assignment.unnominated"
	AuditReserveAdded   models.AuditAction = "reserve.added"
	AuditReserveRemoved models.AuditAction = "reserve.removed"
)

// The refusals of a nomination. The first two are what the unique partial
// indexes of migration 12 say when they refuse an insert: the database
// decides, not a check before the write.
var (
	ErrSlotTaken   = models.Refuse("error.nomination.slottaken")
	ErrBusyThatDay = models.Refuse("error.nomination.busythatday")
	ErrWasOnSlot   = models.Refuse("error.nomination.wasonslot")
	ErrNoVacancy   = models.Refuse("error.nomination.novacancy")
	ErrNotOnList   = models.Refuse("error.nomination.notonlist")
	ErrClosed      = models.Refuse("error.nomination.closed")
	ErrInvitedOn   = models.Refuse("error.nomination.invited")
)

// holdingStates are the states in which a person holds a slot: exactly those
// of the unique partial indexes (models.AssignmentState.HoldsSlot).
var holdingStates = []models.AssignmentState{models.StateNominated, models.StateInvited, models.StateConfirmed,
	models.StateCompleted}

// mayNominate: staff for every party and pool; a party secretary for their
// own party, and only at their own stations when limited to some. stationID
// nil is the whole municipality, which a limited secretary may not act for.
func mayNominate(db *gorm.DB, actor models.User, partyID int64, stationID *int64) error {
	if isStaff(actor) {
		return nil
	}
	if actor.Role != models.RolePartySecretary || actor.PartyID == nil || *actor.PartyID != partyID {
		return models.ErrForbidden
	}
	own, err := StationLimitOf(db.Statement.Context, db, actor)
	if err != nil || !own.Limited {
		return err
	}
	if stationID == nil || !own.Allows(*stationID) {
		return models.ErrForbidden
	}
	return nil
}

// openElection loads an election that still takes nominations.
func openElection(db *gorm.DB, id int64) (models.Election, error) {
	var e models.Election
	err := db.Where("id = ?", id).Limit(1).Find(&e).Error
	switch {
	case err != nil:
		return e, err
	case e.ID == 0:
		return e, models.ErrNotFound
	case e.State == models.ElectionClosed:
		return e, ErrClosed
	}
	return e, nil
}

// isMember tells whether the person is on the party's list.
func isMember(db *gorm.DB, participantID, partyID int64) (bool, error) {
	var n int64
	err := db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", participantID, partyID).Count(&n).Error
	return n > 0, err
}

// checkCell checks what every nomination into a cell (election × station ×
// task type, for a party) needs: the actor's right, an open election, a task
// type a secretary may fill, and a person on the party's list.
func checkCell(db *gorm.DB, actor models.User, electionID, stationID, taskTypeID, partyID, participantID int64) error {
	if err := mayNominate(db, actor, partyID, &stationID); err != nil {
		return err
	}
	if _, err := openElection(db, electionID); err != nil {
		return err
	}
	var tt models.TaskType
	if err := db.Where("id = ?", taskTypeID).Limit(1).Find(&tt).Error; err != nil {
		return err
	}
	if tt.ID == 0 {
		return models.ErrNotFound
	}
	// Betroede opgaver are the council's appointments, not the party's.
	if tt.AppointedOnly && !isStaff(actor) {
		return models.ErrForbidden
	}
	member, err := isMember(db, participantID, partyID)
	if err != nil {
		return err
	}
	if !member {
		return ErrNotOnList
	}
	return refuseRemoved(db, participantID, partyID)
}

// Nominate puts a person on a slot: an assignment in state nominated, the
// slot's election, station, task type, party and day copied, its lifecycle
// workflow's id derived from slot and person. Staff may nominate to any
// party's or pool's slot; a party secretary only to their own party's, at
// their own stations, and never to an appointed-only task type. The person
// must be on the slot's party's list. A slot already held, or a person
// already holding a slot that day, is refused by the database's unique
// indexes and reported as ErrSlotTaken or ErrBusyThatDay.
func Nominate(ctx context.Context, db *gorm.DB, actor models.User, slotID, participantID int64, now time.Time) (models.Assignment, error) {
	db = db.WithContext(ctx)
	var slot models.Slot
	if err := db.Where("id = ?", slotID).Limit(1).Find(&slot).Error; err != nil {
		return models.Assignment{}, err
	}
	if slot.ID == 0 {
		return models.Assignment{}, models.ErrNotFound
	}
	if err := checkCell(db, actor, slot.ElectionID, slot.StationID, slot.TaskTypeID, slot.PartyID, participantID); err != nil {
		return models.Assignment{}, err
	}
	return nominate(db, actor, slot, participantID, now)
}

// NominateToVacant nominates a person to a vacant slot of the party's in a
// cell (election × station × task type × day). Of concurrent nominations
// into one cell each gets a slot of its own: one that loses a slot to
// another goes on to the next vacant one. ErrNoVacancy when none is left.
func NominateToVacant(ctx context.Context, db *gorm.DB, actor models.User, electionID, stationID, taskTypeID int64, day models.Date,
	partyID, participantID int64, now time.Time) (models.Assignment, error) {
	db = db.WithContext(ctx)
	if err := checkCell(db, actor, electionID, stationID, taskTypeID, partyID, participantID); err != nil {
		return models.Assignment{}, err
	}
	slots, err := vacantSlots(db, electionID, stationID, taskTypeID, day, partyID)
	if err != nil {
		return models.Assignment{}, err
	}
	for _, slot := range slots {
		a, err := nominate(db, actor, slot, participantID, now)
		if errors.Is(err, ErrSlotTaken) || errors.Is(err, ErrWasOnSlot) {
			continue
		}
		return a, err
	}
	return models.Assignment{}, ErrNoVacancy
}

// vacantSlots lists a cell's slots of the party that nobody holds, in order.
func vacantSlots(db *gorm.DB, electionID, stationID, taskTypeID int64, day models.Date, partyID int64) ([]models.Slot, error) {
	var slots []models.Slot
	err := db.Where("election_id = ? AND station_id = ? AND task_type_id = ? AND day = ? AND party_id = ?",
		electionID, stationID, taskTypeID, day, partyID).
		Where("id NOT IN (?)", db.Model(&models.Assignment{}).Select("slot_id").Where("state IN ?", holdingStates)).
		Order("id").Find(&slots).Error
	return slots, err
}

// nominate makes one attempt at the slot, in a transaction of its own (a
// savepoint inside a caller's), so a refused insert leaves a caller's
// transaction usable on PostgreSQL.
func nominate(db *gorm.DB, actor models.User, slot models.Slot, participantID int64, now time.Time) (models.Assignment, error) {
	a := models.Assignment{SlotID: slot.ID, ParticipantID: participantID, ElectionID: slot.ElectionID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, PartyID: slot.PartyID, Day: slot.Day, State: models.StateNominated,
		WorkflowID: payload.LifecycleID(slot.ID, participantID), NominatedBy: actorID(actor), NominatedAt: now, UpdatedAt: now}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: AuditNominated, ParticipantID: &participantID,
			Detail: fmt.Sprintf("slot %d (election %d, station %d, task type %d, %s, party %d)",
				slot.ID, slot.ElectionID, slot.StationID, slot.TaskTypeID, slot.Day, slot.PartyID)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Assignment{}, explainConflict(db, slot, participantID)
	}
	if err != nil {
		return models.Assignment{}, err
	}
	return a, nil
}

// explainConflict says which unique index refused a nomination. The index
// already decided; this only finds the words for it (the driver's error no
// longer names the index once gorm has translated it).
func explainConflict(db *gorm.DB, slot models.Slot, participantID int64) error {
	count := func(q *gorm.DB) int64 {
		var n int64
		q.Model(&models.Assignment{}).Count(&n)
		return n
	}
	switch {
	case count(db.Where("slot_id = ? AND state IN ?", slot.ID, holdingStates)) > 0:
		return ErrSlotTaken
	case count(db.Where("participant_id = ? AND day = ? AND state IN ?", participantID, slot.Day, holdingStates)) > 0:
		return ErrBusyThatDay
	case count(db.Where("slot_id = ? AND participant_id = ?", slot.ID, participantID)) > 0:
		return ErrWasOnSlot
	}
	// The holder left again between the refusal and this look.
	return ErrSlotTaken
}

func actorID(actor models.User) *int64 {
	if actor.ID == 0 {
		return nil
	}
	id := actor.ID
	return &id
}

// Unnominate takes a person off a slot they were nominated to and never
// invited to: the assignment is deleted. Staff, or a secretary of the
// slot's party (at their stations). Once invited, the lifecycle workflow
// owns the assignment: ErrInvitedOn.
func Unnominate(ctx context.Context, db *gorm.DB, actor models.User, assignmentID int64, now time.Time) error {
	db = db.WithContext(ctx)
	var a models.Assignment
	if err := db.Where("id = ?", assignmentID).Limit(1).Find(&a).Error; err != nil {
		return err
	}
	// Another party's nomination looks like none at all.
	if a.ID == 0 || (!mayReadAllParties(actor) && (actor.PartyID == nil || *actor.PartyID != a.PartyID)) {
		return models.ErrNotFound
	}
	if err := mayNominate(db, actor, a.PartyID, &a.StationID); err != nil {
		return err
	}
	var tt models.TaskType
	if err := db.First(&tt, a.TaskTypeID).Error; err != nil {
		return err
	}
	if tt.AppointedOnly && !isStaff(actor) {
		return models.ErrForbidden
	}
	if a.State != models.StateNominated {
		return ErrInvitedOn
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND state = ?", a.ID, models.StateNominated).Delete(&models.Assignment{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInvitedOn // invited (or gone) since it was read
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: AuditUnnominated, ParticipantID: &a.ParticipantID,
			Detail: fmt.Sprintf("slot %d (election %d, party %d)", a.SlotID, a.ElectionID, a.PartyID)})
	})
}

// CheckPlacement tells, before anyone is looked up in the CPR register,
// whether the actor may place people where to says: their party and
// stations, an open election, a task type they may fill.
func CheckPlacement(ctx context.Context, db *gorm.DB, actor models.User, to models.Placement) error {
	db = db.WithContext(ctx)
	var station *int64
	if to.StationID != 0 || !to.Reserve {
		station = &to.StationID
	}
	if err := mayNominate(db, actor, to.PartyID, station); err != nil {
		return err
	}
	if _, err := openElection(db, to.ElectionID); err != nil {
		return err
	}
	if to.Reserve {
		return nil
	}
	var tt models.TaskType
	if err := db.Where("id = ?", to.TaskTypeID).Limit(1).Find(&tt).Error; err != nil {
		return err
	}
	if tt.ID == 0 {
		return models.ErrNotFound
	}
	if tt.AppointedOnly && !isStaff(actor) {
		return models.ErrForbidden
	}
	return nil
}

// Place puts a person already on the party's list where to says.
func Place(ctx context.Context, db *gorm.DB, actor models.User, participantID int64, to models.Placement, now time.Time) error {
	if to.Reserve {
		var station *int64
		if to.StationID != 0 {
			station = &to.StationID
		}
		_, err := AddReserve(ctx, db, actor, to.ElectionID, to.PartyID, station, participantID, now)
		return err
	}
	_, err := NominateToVacant(ctx, db, actor, to.ElectionID, to.StationID, to.TaskTypeID, to.Day, to.PartyID, participantID, now)
	return err
}

// RegisterAndPlace registers a person on the party's list (or finds them,
// by the CPR blind index) and places them, in one transaction: a placement
// that is refused leaves no registration behind.
func RegisterAndPlace(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actor models.User, in NewParticipant, to models.Placement,
	now time.Time) (models.Participant, error) {
	var p models.Participant
	in.PartyID = to.PartyID
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if p, _, err = RegisterParticipant(ctx, tx, keys, actor, in, now); err != nil {
			return err
		}
		return Place(ctx, tx, actor, p.ID, to, now)
	})
	return p, err
}

// PartySlots lists a party's slots in an election, cell by cell (station
// district, task type, day), with who holds each. Staff and read-only staff
// see any party's; a party secretary only their own party's, and only their
// stations when limited to some.
func PartySlots(ctx context.Context, db *gorm.DB, actor models.User, electionID, partyID int64) ([]models.NominationCell, error) {
	db = db.WithContext(ctx)
	var limit models.StationLimit
	if !mayReadAllParties(actor) {
		if actor.Role != models.RolePartySecretary || actor.PartyID == nil || *actor.PartyID != partyID {
			return nil, models.ErrForbidden
		}
		var err error
		if limit, err = StationLimitOf(ctx, db, actor); err != nil {
			return nil, err
		}
	}
	var rows []struct {
		SlotID, StationID, TaskTypeID int64
		Day                           models.Date
		ByAgreement                   bool
		AssignmentID, ParticipantID   *int64
		Name                          *string
		State                         *string
	}
	q := db.Table("slots").
		Select("slots.id AS slot_id, slots.station_id, slots.task_type_id, slots.day, slots.by_agreement, "+
			"a.id AS assignment_id, a.participant_id, p.name, a.state").
		Joins("LEFT JOIN assignments a ON a.slot_id = slots.id AND a.state IN ?", holdingStates).
		Joins("LEFT JOIN participants p ON p.id = a.participant_id").
		Where("slots.election_id = ? AND slots.party_id = ?", electionID, partyID)
	if limit.Limited {
		q = q.Where("slots.station_id IN ?", limit.IDs)
	}
	if err := q.Order("slots.id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	var stations []models.PollingStation
	var types []models.TaskType
	if err := db.Find(&stations).Error; err != nil {
		return nil, err
	}
	if err := db.Find(&types).Error; err != nil {
		return nil, err
	}
	stationOf := map[int64]models.PollingStation{}
	for _, s := range stations {
		stationOf[s.ID] = s
	}
	typeOf := map[int64]models.TaskType{}
	for _, t := range types {
		typeOf[t.ID] = t
	}
	var cells []models.NominationCell
	index := map[string]int{}
	for _, r := range rows {
		c := models.NominationCell{Station: stationOf[r.StationID], TaskType: typeOf[r.TaskTypeID], Day: r.Day}
		i, ok := index[c.Key()]
		if !ok {
			i = len(cells)
			index[c.Key()] = i
			cells = append(cells, c)
		}
		v := models.SlotView{SlotID: r.SlotID, ByAgreement: r.ByAgreement}
		if r.AssignmentID != nil {
			v.AssignmentID, v.ParticipantID, v.Name, v.State = *r.AssignmentID, *r.ParticipantID, *r.Name, models.AssignmentState(*r.State)
		} else {
			cells[i].Vacant++
		}
		cells[i].Slots = append(cells[i].Slots, v)
	}
	slices.SortStableFunc(cells, func(a, b models.NominationCell) int {
		switch {
		case a.Station.ID != b.Station.ID:
			return models.CompareStations(a.Station, b.Station)
		case a.TaskType.ID != b.TaskType.ID:
			return int(a.TaskType.ID - b.TaskType.ID)
		}
		return a.Day.DaysSince(b.Day)
	})
	return cells, nil
}
