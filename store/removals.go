package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// Taking a person off a party's list (issue 18). The party's secretary or
// the staff do it, or the person asks for it by answering "Nej, og fjern
// mig fra listen". Either way the membership ends, the person's reserve
// places with the party go, nominations not yet sent are withdrawn, and a
// removal is recorded (list_removals) that keeps the party from
// registering, nominating or inviting the person again until staff re-add
// them with a reason. Open invitations are retracted by their lifecycles:
// these functions return them, the use case sends the cancellations.
// Confirmed tasks stay (the person said yes) and are listed.

// The refusals of a person with an open removal from the party's list.
var (
	ErrRemovedAtRequest = models.Refuse("error.removal.atrequest")
	ErrRemovedFromList  = models.Refuse("error.removal.removed")
)

// RemovalRefusal is the refusal an open removal gives the party: that the
// person asked, or that they were removed.
func RemovalRefusal(r models.ListRemoval) error {
	if r.AtRequest {
		return ErrRemovedAtRequest
	}
	return ErrRemovedFromList
}

// openRemovalExists is a subquery for WHERE EXISTS: an open removal of the
// person in participantCol from the party in partyCol (both SQL column
// references of the outer query, never user input).
func openRemovalExists(db *gorm.DB, participantCol, partyCol string) *gorm.DB {
	return db.Model(&models.ListRemoval{}).Select("1").
		Where("list_removals.participant_id = " + participantCol + " AND list_removals.party_id = " + partyCol +
			" AND list_removals.readded_at IS NULL")
}

// OpenRemovalOf returns the open removal of a person from a party's list;
// a zero ListRemoval (Open false) when there is none.
func OpenRemovalOf(ctx context.Context, db *gorm.DB, participantID, partyID int64) (models.ListRemoval, error) {
	var r models.ListRemoval
	err := db.WithContext(ctx).Where("participant_id = ? AND party_id = ? AND readded_at IS NULL", participantID, partyID).
		Limit(1).Find(&r).Error
	return r, err
}

// OpenRemovalByCPR returns the open removal from a party's list of the
// person with this CPR number (found by its blind index), if any: checked
// before the CPR register is asked about a number typed in.
func OpenRemovalByCPR(ctx context.Context, db *gorm.DB, keys *vault.Keyring, number models.CPR, partyID int64) (models.ListRemoval, error) {
	var r models.ListRemoval
	if keys == nil {
		return r, nil
	}
	db = db.WithContext(ctx)
	err := db.Where("party_id = ? AND readded_at IS NULL", partyID).
		Where("participant_id IN (?)", db.Model(&models.Participant{}).Select("id").Where("cpr_index = ?", CPRIndex(keys, number))).
		Limit(1).Find(&r).Error
	return r, err
}

// refuseRemoved refuses a person with an open removal from the party's
// list: the store's own check under every nomination and reserve place.
func refuseRemoved(db *gorm.DB, participantID, partyID int64) error {
	r, err := OpenRemovalOf(db.Statement.Context, db, participantID, partyID)
	if err != nil || !r.Open() {
		return err
	}
	return RemovalRefusal(r)
}

// mayRemove: staff for every party and pool; a party secretary for their
// own party, unless limited to some stations (a removal reaches the whole
// municipality). Another party's person looks like none at all.
func mayRemove(actor models.User, partyID int64) error {
	switch {
	case isStaff(actor):
		return nil
	case actor.Role != models.RolePartySecretary:
		return models.ErrForbidden
	case actor.PartyID == nil || *actor.PartyID != partyID:
		return models.ErrNotFound
	case actor.StationLimited:
		return models.ErrForbidden
	}
	return nil
}

// PreviewRemoval tells what taking a person off a party's list would do,
// for the confirmation step; nothing is changed. The same rights as
// RemoveFromList.
func PreviewRemoval(ctx context.Context, db *gorm.DB, actor models.User, participantID, partyID int64) (models.RemovalOutcome, error) {
	var out models.RemovalOutcome
	db = db.WithContext(ctx)
	if err := mayRemove(actor, partyID); err != nil {
		return out, err
	}
	member, err := isMember(db, participantID, partyID)
	if err != nil {
		return out, err
	}
	if !member {
		return out, models.ErrNotFound
	}
	var n int64
	if err := db.Model(&models.Assignment{}).Where("participant_id = ? AND party_id = ? AND state = ?", participantID, partyID, models.StateNominated).
		Where("election_id IN (?)", db.Model(&models.Election{}).Select("id").Where("state <> ?", models.ElectionClosed)).
		Count(&n).Error; err != nil {
		return out, err
	}
	out.Withdrawn = int(n)
	if err := db.Model(&models.Reserve{}).Where("participant_id = ? AND party_id = ?", participantID, partyID).Count(&n).Error; err != nil {
		return out, err
	}
	out.Reserves = int(n)
	if out.Retract, err = openInvitationsOf(db, participantID, partyID); err != nil {
		return out, err
	}
	if out.Kept, err = keptTasksOf(db, participantID, partyID); err != nil {
		return out, err
	}
	return out, namesOf(db, &out, participantID, partyID)
}

// namesOf fills in the person's and the party's names.
func namesOf(db *gorm.DB, out *models.RemovalOutcome, participantID, partyID int64) error {
	var p models.Participant
	if err := db.Select("id", "name").Where("id = ?", participantID).Limit(1).Find(&p).Error; err != nil {
		return err
	}
	var party models.Party
	if err := db.Select("id", "name").Where("id = ?", partyID).Limit(1).Find(&party).Error; err != nil {
		return err
	}
	out.Name, out.PartyName = p.Name, party.Name
	return nil
}

// RemoveFromList takes a person off a party's list on a user's decision:
// the party's secretary (not one limited to some stations) or the staff.
// The person must be on the list (models.ErrNotFound otherwise, and for
// another party's person). The outcome lists the invitations the caller
// must retract through their lifecycles and the confirmed tasks kept.
func RemoveFromList(ctx context.Context, db *gorm.DB, actor models.User, participantID, partyID int64, now time.Time) (models.RemovalOutcome, error) {
	var out models.RemovalOutcome
	db = db.WithContext(ctx)
	if err := mayRemove(actor, partyID); err != nil {
		return out, err
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		member, err := isMember(tx, participantID, partyID)
		if err != nil {
			return err
		}
		if !member {
			return models.ErrNotFound
		}
		r := models.ListRemoval{ParticipantID: participantID, PartyID: partyID, RemovedAt: now, RemovedBy: actorID(actor)}
		if out, err = removeFromList(tx, r, now); err != nil {
			return err
		}
		return namesOf(tx, &out, participantID, partyID)
	})
	return out, err
}

// RemoveAtRequest takes the person of an assignment off the list of the
// party that nominated them, because they answered "Nej, og fjern mig fra
// listen" (the assignment is declined with that reason; anything else is
// models.ErrNotFound). by is who took the answer (link, sms, staff:<id>).
// It is idempotent: run again for the same answer — a retried activity, a
// retried answer — it records nothing new and returns what is still to
// retract.
func RemoveAtRequest(ctx context.Context, db *gorm.DB, assignmentID int64, by string, now time.Time) (models.RemovalOutcome, error) {
	var out models.RemovalOutcome
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a models.Assignment
		if err := tx.Where("id = ?", assignmentID).Limit(1).Find(&a).Error; err != nil {
			return err
		}
		if a.ID == 0 || a.State != models.StateDeclined || a.DeclineReason != models.DeclineRemoveMe {
			return models.ErrNotFound
		}
		var done models.ListRemoval
		if err := tx.Where("assignment_id = ?", a.ID).Limit(1).Find(&done).Error; err != nil {
			return err
		}
		if done.ID != 0 {
			// Recorded before: only what may still be open is returned.
			out.Removal = done
			var err error
			if out.Retract, err = openInvitationsOf(tx, a.ParticipantID, a.PartyID); err != nil {
				return err
			}
			out.Kept, err = keptTasksOf(tx, a.ParticipantID, a.PartyID)
			return err
		}
		r := models.ListRemoval{ParticipantID: a.ParticipantID, PartyID: a.PartyID, AssignmentID: &a.ID, AtRequest: true,
			RemovedAt: now, RemovedBy: staffOf(by)}
		var err error
		out, err = removeFromList(tx, r, now)
		return err
	})
	return out, err
}

// staffOf is the user of a "staff:<id>" answer, nil for any other.
func staffOf(by string) *int64 {
	var id int64
	if _, err := fmt.Sscanf(by, "staff:%d", &id); err != nil || id == 0 {
		return nil
	}
	return &id
}

// removeFromList does the removal r inside tx: records it (or finds the
// open one it joins), takes the reserve places and the membership away,
// withdraws nominations not yet sent, and audits; it returns the open
// invitations to retract and the confirmed tasks kept.
func removeFromList(tx *gorm.DB, r models.ListRemoval, now time.Time) (models.RemovalOutcome, error) {
	var out models.RemovalOutcome
	open, err := OpenRemovalOf(tx.Statement.Context, tx, r.ParticipantID, r.PartyID)
	if err != nil {
		return out, err
	}
	if open.Open() {
		// Removed before and asked again (another of the party's
		// invitations): the open removal stands; this answer is tied to it
		// only by the audit log.
		out.Removal = open
	} else {
		err := tx.Transaction(func(sp *gorm.DB) error { return sp.Create(&r).Error })
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			// Another removal of the same person and party won the race.
			if open, err = OpenRemovalOf(tx.Statement.Context, tx, r.ParticipantID, r.PartyID); err != nil {
				return out, err
			}
			out.Removal = open
		} else if err != nil {
			return out, err
		} else {
			out.Removal = r
		}
	}
	res := tx.Where("participant_id = ? AND party_id = ?", r.ParticipantID, r.PartyID).Delete(&models.Reserve{})
	if res.Error != nil {
		return out, res.Error
	}
	out.Reserves = int(res.RowsAffected)
	if err := tx.Where("participant_id = ? AND party_id = ?", r.ParticipantID, r.PartyID).Delete(&models.PartyMembership{}).Error; err != nil {
		return out, err
	}
	// Nominations not yet sent have no lifecycle to ask: they are
	// cancelled here, so no round invites them (a lifecycle started for
	// one meanwhile finds it cancelled and invites nobody).
	res = tx.Model(&models.Assignment{}).Where("participant_id = ? AND party_id = ? AND state = ?", r.ParticipantID, r.PartyID, models.StateNominated).
		Where("election_id IN (?)", tx.Model(&models.Election{}).Select("id").Where("state <> ?", models.ElectionClosed)).
		Updates(map[string]any{"state": models.StateCancelled, "ended_at": now, "updated_at": now})
	if res.Error != nil {
		return out, res.Error
	}
	out.Withdrawn = int(res.RowsAffected)
	if out.Retract, err = openInvitationsOf(tx, r.ParticipantID, r.PartyID); err != nil {
		return out, err
	}
	if out.Kept, err = keptTasksOf(tx, r.ParticipantID, r.PartyID); err != nil {
		return out, err
	}
	how := "by a user"
	if r.AtRequest {
		how = "at the person's request"
	}
	return out, Audit(tx, models.AuditEntry{At: now, ActorID: r.RemovedBy, Action: models.AuditListRemoved, ParticipantID: &r.ParticipantID,
		Detail: fmt.Sprintf("off the list of party %d %s: %d reserve places removed, %d nominations withdrawn, %d invitations to retract, %d confirmed tasks kept",
			r.PartyID, how, out.Reserves, out.Withdrawn, len(out.Retract), len(out.Kept))})
}

// openInvitationsOf lists a person's invitations of a party that are open
// (invited, in an active election).
func openInvitationsOf(db *gorm.DB, participantID, partyID int64) ([]models.Assignment, error) {
	var as []models.Assignment
	err := db.Where("participant_id = ? AND party_id = ? AND state = ?", participantID, partyID, models.StateInvited).
		Where("election_id IN (?)", db.Model(&models.Election{}).Select("id").Where("state = ?", models.ElectionActive)).
		Order("id").Find(&as).Error
	return as, err
}

// keptTasksOf lists a person's confirmed tasks of a party in elections not
// closed.
func keptTasksOf(db *gorm.DB, participantID, partyID int64) ([]models.KeptTask, error) {
	var out []models.KeptTask
	err := db.Table("assignments a").
		Select("a.id AS assignment_id, e.title AS election_title, t.name AS task_name, s.name AS station_name, a.day").
		Joins("JOIN elections e ON e.id = a.election_id").
		Joins("JOIN task_types t ON t.id = a.task_type_id").
		Joins("JOIN polling_stations s ON s.id = a.station_id").
		Where("a.participant_id = ? AND a.party_id = ? AND a.state = ? AND e.state <> ?", participantID, partyID,
			models.StateConfirmed, models.ElectionClosed).
		Order("a.day, a.id").Scan(&out).Error
	return out, err
}

// ReaddToList puts a person back on a party's list they were removed from
// (at their request or not) and closes the removal: staff only, with the
// reason recorded (required; it is kept with the removal, not in the
// audit log, as it may name the person). models.ErrNotFound when the
// person has no open removal from the party.
func ReaddToList(ctx context.Context, db *gorm.DB, actor models.User, participantID, partyID int64, reason string, now time.Time) (models.ListRemoval, error) {
	var r models.ListRemoval
	if !isStaff(actor) {
		return r, models.ErrForbidden
	}
	reason = strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(reason))
	switch {
	case reason == "":
		return r, models.RefuseField("reason", "error.removal.reason")
	case utf8.RuneCountInString(reason) > models.ReaddReasonMax || !models.CleanText(reason):
		return r, models.RefuseField("reason", "error.removal.reasontoolong", models.ReaddReasonMax)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = OpenRemovalOf(tx.Statement.Context, tx, participantID, partyID); err != nil {
			return err
		}
		if !r.Open() {
			return models.ErrNotFound
		}
		res := tx.Model(&models.ListRemoval{}).Where("id = ? AND readded_at IS NULL", r.ID).
			Updates(map[string]any{"readded_at": now, "readded_by": actor.ID, "readd_reason": reason})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale
		}
		r.ReaddedAt, r.ReaddedBy, r.ReaddReason = &now, &actor.ID, reason
		m := models.PartyMembership{ParticipantID: participantID, PartyID: partyID, CreatedBy: &actor.ID, CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditListReadded, ParticipantID: &participantID,
			Detail: fmt.Sprintf("back on the list of party %d; removal %d closed with a recorded reason", partyID, r.ID)})
	})
	return r, err
}

// RemovalsOf lists a person's removals from lists, newest first, with the
// parties' names: for staff (and read-only staff) only.
func RemovalsOf(ctx context.Context, db *gorm.DB, actor models.User, participantID int64) ([]models.ListRemovalView, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	var out []models.ListRemovalView
	err := db.WithContext(ctx).Table("list_removals").Select("list_removals.*, p.name AS party_name").
		Joins("JOIN parties p ON p.id = list_removals.party_id").
		Where("list_removals.participant_id = ?", participantID).
		Order("list_removals.id DESC").Scan(&out).Error
	return out, err
}
