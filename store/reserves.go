package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// ErrOnReserveList: a person is on a party's reserve list once per election.
var ErrOnReserveList = models.Refuse("error.nomination.onreserve")

// AddReserve puts a person on a party's reserve list for an election, for
// one polling station or (stationID nil) the whole municipality. The list is
// first come, first served. The same rules as for a nomination: staff for
// any party or pool, a secretary for their own party (at their stations
// only, when limited: a limited secretary cannot add to the municipality-
// wide list), and the person must be on the party's list.
func AddReserve(ctx context.Context, db *gorm.DB, actor models.User, electionID, partyID int64, stationID *int64,
	participantID int64, now time.Time) (models.Reserve, error) {
	db = db.WithContext(ctx)
	r := models.Reserve{ElectionID: electionID, PartyID: partyID, StationID: stationID, ParticipantID: participantID,
		CreatedBy: actorID(actor), CreatedAt: now}
	if err := mayNominate(db, actor, partyID, stationID); err != nil {
		return r, err
	}
	if _, err := openElection(db, electionID); err != nil {
		return r, err
	}
	if stationID != nil {
		var n int64
		if err := db.Model(&models.PollingStation{}).Where("id = ?", *stationID).Count(&n).Error; err != nil {
			return r, err
		}
		if n == 0 {
			return r, models.RefuseField("station_id", "error.station.unknown")
		}
	}
	member, err := isMember(db, participantID, partyID)
	if err != nil {
		return r, err
	}
	if !member {
		return r, ErrNotOnList
	}
	if err := refuseRemoved(db, participantID, partyID); err != nil {
		return r, err
	}
	where := "the whole municipality"
	if stationID != nil {
		where = fmt.Sprintf("station %d", *stationID)
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: AuditReserveAdded, ParticipantID: &participantID,
			Detail: fmt.Sprintf("reserve of party %d for election %d, %s", partyID, electionID, where)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return r, ErrOnReserveList
	}
	return r, err
}

// RemoveReserve takes a person off a reserve list. Another party's entry
// looks like none at all to a secretary.
func RemoveReserve(ctx context.Context, db *gorm.DB, actor models.User, reserveID int64, now time.Time) error {
	db = db.WithContext(ctx)
	var r models.Reserve
	if err := db.Where("id = ?", reserveID).Limit(1).Find(&r).Error; err != nil {
		return err
	}
	if r.ID == 0 || (!mayReadAllParties(actor) && (actor.PartyID == nil || *actor.PartyID != r.PartyID)) {
		return models.ErrNotFound
	}
	if err := mayNominate(db, actor, r.PartyID, r.StationID); err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ?", r.ID).Delete(&models.Reserve{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrNotFound
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: AuditReserveRemoved, ParticipantID: &r.ParticipantID,
			Detail: fmt.Sprintf("reserve of party %d for election %d", r.PartyID, r.ElectionID)})
	})
}

// ReservesOf lists a party's reserve list for an election, first come first
// served. Staff and read-only staff see any party's, a secretary only their
// own party's.
func ReservesOf(ctx context.Context, db *gorm.DB, actor models.User, electionID, partyID int64) ([]models.ReserveEntry, error) {
	if !mayReadAllParties(actor) && (actor.Role != models.RolePartySecretary || actor.PartyID == nil || *actor.PartyID != partyID) {
		return nil, models.ErrForbidden
	}
	var out []models.ReserveEntry
	err := db.WithContext(ctx).Table("reserves").
		Select("reserves.*, p.name AS name, COALESCE(s.name, '') AS station_name").
		Joins("JOIN participants p ON p.id = reserves.participant_id").
		Joins("LEFT JOIN polling_stations s ON s.id = reserves.station_id").
		Where("reserves.election_id = ? AND reserves.party_id = ?", electionID, partyID).
		Order("reserves.id").Scan(&out).Error
	return out, err
}

// NextReserve finds who replaces a person on a party's slot at a station on
// a day: the first on the party's reserve list for that station, else the
// first on its municipality-wide list, who holds no slot that day and is
// still on the party's list. nil when there is nobody. The replacement
// calls it inside its own transaction (tx) and takes the person off the list.
func NextReserve(ctx context.Context, tx *gorm.DB, electionID, partyID, stationID, slotID int64, day models.Date) (*models.Reserve, error) {
	tx = tx.WithContext(ctx)
	var r models.Reserve
	err := tx.Where("election_id = ? AND party_id = ? AND (station_id = ? OR station_id IS NULL)", electionID, partyID, stationID).
		Where("EXISTS (?)", tx.Model(&models.PartyMembership{}).Select("1").
			Where("party_memberships.participant_id = reserves.participant_id AND party_memberships.party_id = reserves.party_id")).
		// Nor anyone the party may not contact again (a removal takes the
		// reserve places too; this holds for one racing it).
		Where("NOT EXISTS (?)", openRemovalExists(tx, "reserves.participant_id", "reserves.party_id")).
		Where("NOT EXISTS (?)", tx.Model(&models.Assignment{}).Select("1").
			Where("assignments.participant_id = reserves.participant_id AND assignments.day = ? AND assignments.state IN ?", day, holdingStates)).
		// A person who had this very slot before (and declined it) is not
		// offered it again: a lifecycle id exists once per slot and person.
		Where("NOT EXISTS (?)", tx.Model(&models.Assignment{}).Select("1").
			Where("assignments.participant_id = reserves.participant_id AND assignments.slot_id = ?", slotID)).
		Order("CASE WHEN station_id IS NULL THEN 1 ELSE 0 END, id").Limit(1).Find(&r).Error
	if err != nil || r.ID == 0 {
		return nil, err
	}
	return &r, nil
}
