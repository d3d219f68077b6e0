package recruit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Placement is where a nomination puts a person: a vacant slot of the
// party's in a cell (station, task type, day), or (Reserve) the party's
// reserve list for a station (0: the whole municipality).
type Placement = models.Placement

// Nomination is one person to put on a slot or a reserve list.
type Nomination struct {
	ElectionID int64
	// SlotID names the one slot to claim (the API); zero places by To.
	SlotID int64
	// To is where to place when SlotID is zero; its ElectionID is set from
	// the nomination's.
	To Placement
	// ParticipantID picks someone on the party's list; zero nominates
	// Person, typed in by CPR number (registered on the list on the way).
	ParticipantID int64
	Person        Person
}

// Nominated is the outcome of a nomination.
type Nominated struct {
	Participant models.Participant
	// Assignment is the slot claimed when the nomination named one.
	Assignment *models.Assignment
}

// Nominate puts one person on a vacant slot or on a reserve list: picked
// from the party's list or typed in by CPR number. It is the one
// implementation the nomination page, the API and the CSV upload share:
//
//  1. who may place where is settled before anyone is looked up;
//  2. the person: on the party's list (picked), or a valid CPR number and
//     contact data (typed) — a typing error costs no register lookup;
//  3. the CPR register is asked (logged against the number) whether they
//     may take the task at this election — for a picked person with the
//     number stored for them, which nobody sees;
//  4. the person is placed (and registered on the list, in the same
//     transaction, when typed in); the database's unique indexes decide a
//     race for a slot.
func (s *Service) Nominate(ctx context.Context, actor models.User, in Nomination) (Nominated, error) {
	var out Nominated
	db := s.DB.WithContext(ctx)
	to := in.To
	to.ElectionID = in.ElectionID
	var slot models.Slot
	if in.SlotID != 0 {
		if err := db.Where("id = ? AND election_id = ?", in.SlotID, in.ElectionID).Limit(1).Find(&slot).Error; err != nil {
			return out, err
		}
		if slot.ID == 0 {
			return out, refuseField(NotFound, "slot_id", "error.recruit.noslot")
		}
		to = Placement{ElectionID: in.ElectionID, PartyID: slot.PartyID, StationID: slot.StationID,
			TaskTypeID: slot.TaskTypeID, Day: slot.Day}
	}
	if err := store.CheckPlacement(ctx, s.DB, actor, to); err != nil {
		return out, fromStore(err)
	}
	if err := s.refuseRemoved(ctx, in.ParticipantID, in.Person.CPR, to.PartyID); err != nil { // removal.go
		return out, err
	}

	var number models.CPR
	var err error
	picked := in.ParticipantID != 0
	if picked {
		p, parties, err := store.ParticipantFor(ctx, s.DB, actor, in.ParticipantID)
		if errors.Is(err, models.ErrNotFound) {
			return out, refuseField(NotFound, "participant_id", "error.recruit.noparticipant")
		} else if err != nil {
			return out, err
		}
		if !slices.ContainsFunc(parties, func(party models.Party) bool { return party.ID == to.PartyID }) {
			return out, fromStore(store.ErrNotOnList)
		}
		if number, err = models.ParseCPR(p.CPR.Reveal()); err != nil {
			return out, errors.New("the stored CPR number does not parse")
		}
		out.Participant = p
	} else {
		if number, err = parseCPR(in.Person.CPR); err != nil {
			return out, err
		}
		in.Person.Channel = models.ChannelDefault
		if err := checkContact(in.Person); err != nil {
			return out, err
		}
	}
	if in.SlotID != 0 {
		// A slot seen held is refused without a register lookup (which is
		// logged against the person); the unique index still decides a race.
		var holders []models.Assignment
		if err := db.Select("id", "state").Where("slot_id = ?", slot.ID).Find(&holders).Error; err != nil {
			return out, err
		}
		for _, h := range holders {
			if h.State.HoldsSlot() {
				return out, fromStore(store.ErrSlotTaken)
			}
		}
	}

	var e models.Election
	if err := db.First(&e, in.ElectionID).Error; err != nil {
		return out, err
	}
	validation := true // a reserve may be invited to any task
	if !to.Reserve {
		var tt models.TaskType
		if err := db.First(&tt, to.TaskTypeID).Error; err != nil {
			return out, err
		}
		validation = tt.Validation
	}
	person, err := s.lookUp(ctx, actor, number)
	if err != nil {
		return out, err
	}
	if err := s.checkEligible(ctx, actor, person.PersonFacts, e, validation); err != nil {
		return out, err
	}

	now := s.now()
	switch {
	case in.SlotID != 0:
		a, err := store.Nominate(ctx, s.DB, actor, slot.ID, out.Participant.ID, now)
		if err != nil {
			return out, fromStore(err)
		}
		out.Assignment = &a
	case picked:
		if err := store.Place(ctx, s.DB, actor, out.Participant.ID, to, now); err != nil {
			return out, fromStore(err)
		}
	default:
		p, err := store.RegisterAndPlace(ctx, s.DB, s.Keys, actor, store.NewParticipant{CPR: number, Name: personName(person),
			Mobile: in.Person.Mobile, Email: in.Person.Email, DigitalPostExempt: person.DigitalPostExempt,
			ProtectedAddress: person.ProtectedAddress}, to, now)
		if err != nil {
			return out, fromStore(err)
		}
		out.Participant = p
	}
	return out, nil
}

// ImportTarget is what an upload fills: the party's slots on the election
// day, or (Reserve) the party's reserve lists of the rows' stations.
type ImportTarget = store.ImportTarget

// ImportReport is the answer to an upload: every row's outcome, in order.
type ImportReport = store.ImportReport

// ImportNominations nominates the people of a CSV upload row by row, each
// through Nominate: the good rows are imported even when others are bad; a
// file that cannot be read as a whole imports nothing (a refusal). The
// register failing stops the import there (the report's Stopped).
func (s *Service) ImportNominations(ctx context.Context, actor models.User, target ImportTarget, data []byte) (ImportReport, error) {
	if !s.HasRegister() {
		return ImportReport{}, refuse(Unavailable, "error.recruit.noregister")
	}
	rows, err := store.ParseNominationCSV(data)
	if err != nil {
		return ImportReport{}, fromStore(err)
	}
	if err := s.checkUpload(ctx, actor, len(rows)); err != nil { // a party secretary's cap and limit (lookuplimit.go)
		return ImportReport{}, err
	}
	place := func(ctx context.Context, row store.PlaceRow) (string, error) {
		n, err := s.Nominate(ctx, actor, Nomination{ElectionID: target.ElectionID, To: row.To,
			Person: Person{CPR: row.CPR.Digits(), Mobile: row.Mobile, Email: row.Email}})
		if k, ok := KindOf(err); ok && k == RegisterDown {
			return "", fmt.Errorf("%w: %w", store.ErrRegisterFailed, err)
		}
		return n.Participant.Name, err
	}
	report, err := store.ImportNominations(ctx, s.DB, actor, target, rows, place)
	if report.Stopped != nil {
		s.Log.ErrorContext(ctx, "nomination upload stopped: CPR register lookup failed", "error", report.Stopped)
	}
	return report, fromStore(err)
}

// Unnominate takes a person off a slot they were nominated to and not yet
// invited to (an invitation is withdrawn from the person's lifecycle).
func (s *Service) Unnominate(ctx context.Context, actor models.User, assignmentID int64) error {
	return fromStore(store.Unnominate(ctx, s.DB, actor, assignmentID, s.now()))
}

// RemoveReserve takes a person off a reserve list.
func (s *Service) RemoveReserve(ctx context.Context, actor models.User, reserveID int64) error {
	return fromStore(store.RemoveReserve(ctx, s.DB, actor, reserveID, s.now()))
}
