package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// The replacement on the task day (workflows.DayReplacement): whom to ask,
// the offers made, and the slot taken by the first JA.

// Refusals of taking the slot on the day; the workflow's validator refuses
// most of them before they get here, these hold for a race.
var (
	ErrDaySlotTaken  = errors.New("the slot has been taken")
	ErrDayPersonBusy = errors.New("the person holds another slot that day")
)

// DayCandidate is a person to ask, and from which list they came.
type DayCandidate struct {
	ParticipantID int64
	Source        models.DayCandidateSource
}

// DayCandidates finds up to limit people to ask to take the slot of the
// absent assignment, in order: the party's reserves for the station, then
// the party's municipality-wide reserve list (as NextReserve), then the
// municipality's pool (members of a pool party, or people who consented to
// stay in the pool), each list first come first served. Nobody is asked who
// holds a slot that day, had this slot before (the absent person too), was
// already asked by this replacement, has no mobile number or opted out of
// SMS; nor a reserve the party may not contact again.
func DayCandidates(ctx context.Context, db *gorm.DB, absent models.Assignment, limit int) ([]DayCandidate, error) {
	db = db.WithContext(ctx)
	var out []DayCandidate
	err := askable(db.Table("reserves").Select("reserves.participant_id AS participant_id, CASE WHEN reserves.station_id IS NULL THEN ? ELSE ? END AS source",
		models.FromPartyReserve, models.FromStationReserve).
		Joins("JOIN participants p ON p.id = reserves.participant_id").
		Where("reserves.election_id = ? AND reserves.party_id = ? AND (reserves.station_id = ? OR reserves.station_id IS NULL)",
			absent.ElectionID, absent.PartyID, absent.StationID).
		Where("EXISTS (?)", db.Model(&models.PartyMembership{}).Select("1").
			Where("party_memberships.participant_id = reserves.participant_id AND party_memberships.party_id = reserves.party_id")).
		Where("NOT EXISTS (?)", openRemovalExists(db, "reserves.participant_id", "reserves.party_id")), db, absent).
		Order("CASE WHEN reserves.station_id IS NULL THEN 1 ELSE 0 END, reserves.id").Limit(limit).Scan(&out).Error
	if err != nil || len(out) >= limit {
		return out, err
	}
	// The pool: fetch enough to make up for reserves who are in it too.
	var pool []int64
	err = askable(db.Table("participants p").Select("p.id").
		Where("p.keep_in_pool OR EXISTS (?)", db.Table("party_memberships m").Select("1").
			Joins("JOIN parties ON parties.id = m.party_id").
			Where("m.participant_id = p.id AND parties.kind = ?", models.Pool)), db, absent).
		Order("p.id").Limit(limit).Scan(&pool).Error
	if err != nil {
		return out, err
	}
	seen := map[int64]bool{}
	for _, c := range out {
		seen[c.ParticipantID] = true
	}
	for _, id := range pool {
		if len(out) == limit {
			break
		}
		if !seen[id] {
			out = append(out, DayCandidate{ParticipantID: id, Source: models.FromPool})
		}
	}
	return out, nil
}

// askable narrows a query over participants p to the people who may be
// asked to take the absent assignment's slot.
func askable(q, db *gorm.DB, absent models.Assignment) *gorm.DB {
	return q.Where("p.mobile_index IS NOT NULL AND p.mobile_index <> ''").
		Where("NOT EXISTS (?)", db.Model(&models.SMSOptOut{}).Select("1").Where("sms_opt_outs.mobile_index = p.mobile_index")).
		Where("NOT EXISTS (?)", db.Table("assignments x").Select("1").
			Where("x.participant_id = p.id AND (x.slot_id = ? OR (x.day = ? AND x.state IN ?))", absent.SlotID, absent.Day, holdingStates)).
		Where("NOT EXISTS (?)", db.Table("day_offers d").Select("1").
			Where("d.participant_id = p.id AND d.absent_assignment_id = ?", absent.ID))
}

// RecordDayWave asks the next candidates for the absent assignment's slot:
// it records up to size offers as wave number wave and returns them. Run
// again for the same wave it returns the offers recorded the first time.
func RecordDayWave(ctx context.Context, db *gorm.DB, absentID int64, workflowID string, wave, size int, now time.Time) ([]models.DayOffer, error) {
	var offers []models.DayOffer
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("absent_assignment_id = ? AND wave = ?", absentID, wave).Order("id").Find(&offers).Error; err != nil || len(offers) > 0 {
			return err
		}
		var absent models.Assignment
		if err := tx.First(&absent, absentID).Error; err != nil {
			return err
		}
		cs, err := DayCandidates(ctx, tx, absent, size)
		if err != nil {
			return err
		}
		for _, c := range cs {
			o := models.DayOffer{ElectionID: absent.ElectionID, AbsentAssignmentID: absent.ID, ParticipantID: c.ParticipantID,
				Source: c.Source, Wave: wave, State: models.DayOfferAsked, WorkflowID: workflowID, AskedAt: now}
			if err := tx.Create(&o).Error; err != nil {
				return err
			}
			offers = append(offers, o)
		}
		return nil
	})
	return offers, err
}

// DayOfferByID reads one offer; models.ErrNotFound when there is none.
func DayOfferByID(ctx context.Context, db *gorm.DB, id int64) (models.DayOffer, error) {
	var o models.DayOffer
	if err := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&o).Error; err != nil {
		return o, err
	}
	if o.ID == 0 {
		return o, models.ErrNotFound
	}
	return o, nil
}

// SetDayOfferMessage records the message an offer went out as.
func SetDayOfferMessage(ctx context.Context, db *gorm.DB, offerID int64, messageID string) error {
	return db.WithContext(ctx).Model(&models.DayOffer{}).Where("id = ?", offerID).Update("message_id", messageID).Error
}

// TakeDaySlot gives the slot of an offer's absent assignment to the offer's
// candidate: a new assignment on the same slot, confirmed at once (the JA
// was the answer), replacing the absent one. The offer is accepted, the
// other open offers are taken, and the secretariat gets a notice. Run again
// for the same offer it returns the same assignment; ErrDaySlotTaken when
// someone else holds the slot, ErrDayPersonBusy when the candidate holds
// another slot that day.
func TakeDaySlot(ctx context.Context, db *gorm.DB, offerID int64, now time.Time) (models.Assignment, error) {
	var next models.Assignment
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o models.DayOffer
		if err := tx.First(&o, offerID).Error; err != nil {
			return err
		}
		var absent models.Assignment
		if err := tx.First(&absent, o.AbsentAssignmentID).Error; err != nil {
			return err
		}
		if err := tx.Where("replaces_id = ?", absent.ID).Limit(1).Find(&next).Error; err != nil {
			return err
		}
		if next.ID != 0 {
			if next.ParticipantID == o.ParticipantID {
				return nil
			}
			return ErrDaySlotTaken
		}
		var n int64
		if err := tx.Model(&models.Assignment{}).Where("slot_id = ? AND state IN ?", absent.SlotID, holdingStates).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrDaySlotTaken
		}
		if err := tx.Model(&models.Assignment{}).Where("participant_id = ? AND day = ? AND state IN ?", o.ParticipantID, absent.Day, holdingStates).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrDayPersonBusy
		}
		next = models.Assignment{SlotID: absent.SlotID, ParticipantID: o.ParticipantID, ElectionID: absent.ElectionID,
			StationID: absent.StationID, TaskTypeID: absent.TaskTypeID, PartyID: absent.PartyID, Day: absent.Day,
			State: models.StateConfirmed, WorkflowID: payload.LifecycleID(absent.SlotID, o.ParticipantID), ReplacesID: &absent.ID,
			NominatedAt: now, InvitedAt: &now, AnsweredAt: &now, AnsweredBy: "sms", UpdatedAt: now}
		if err := tx.Create(&next).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.DayOffer{}).Where("id = ?", o.ID).
			Updates(map[string]any{"state": models.DayOfferAccepted, "answered_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.DayOffer{}).Where("absent_assignment_id = ? AND state = ?", absent.ID, models.DayOfferAsked).
			Update("state", models.DayOfferTaken).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.Notice{ElectionID: absent.ElectionID, PartyID: &absent.PartyID, AssignmentID: &absent.ID,
			Kind: models.NoticeDayReplaced, CreatedAt: now}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: &o.ParticipantID,
			Detail: fmt.Sprintf("assignment %d: confirmed by sms on the day, replacing assignment %d", next.ID, absent.ID)})
	})
	return next, err
}

// CloseDayOffers ends the offers of an absent assignment still waiting for
// an answer, as state (taken or unanswered).
func CloseDayOffers(ctx context.Context, db *gorm.DB, absentID int64, state models.DayOfferState) error {
	return db.WithContext(ctx).Model(&models.DayOffer{}).Where("absent_assignment_id = ? AND state = ?", absentID, models.DayOfferAsked).
		Update("state", state).Error
}

// DeclineDayOffer records a NEJ to an offer still open; false when it was
// not open.
func DeclineDayOffer(ctx context.Context, db *gorm.DB, offerID int64, now time.Time) (bool, error) {
	declined := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o models.DayOffer
		if err := tx.Where("id = ?", offerID).Limit(1).Find(&o).Error; err != nil || o.ID == 0 {
			return err
		}
		res := tx.Model(&models.DayOffer{}).Where("id = ? AND state = ?", offerID, models.DayOfferAsked).
			Updates(map[string]any{"state": models.DayOfferDeclined, "answered_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		declined = true
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: &o.ParticipantID,
			Detail: fmt.Sprintf("day offer %d to replace assignment %d: declined by sms", o.ID, o.AbsentAssignmentID)})
	})
	return declined, err
}

// EscalateDay records the secretariat's notice that the replacement of
// the absent assignment found nobody in time. Run again, it adds none.
func EscalateDay(ctx context.Context, db *gorm.DB, absentID int64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var absent models.Assignment
		if err := tx.First(&absent, absentID).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Notice{}).Where("assignment_id = ? AND kind = ?", absentID, models.NoticeDayEscalated).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		if err := tx.Model(&models.DayOffer{}).Where("absent_assignment_id = ? AND state = ?", absentID, models.DayOfferAsked).
			Update("state", models.DayOfferUnanswered).Error; err != nil {
			return err
		}
		return tx.Create(&models.Notice{ElectionID: absent.ElectionID, PartyID: &absent.PartyID, AssignmentID: &absent.ID,
			Kind: models.NoticeDayEscalated, CreatedAt: now}).Error
	})
}

// DayOfferByMobile finds the offer made since since to the person with
// this mobile number (blind index) that a reply answers: the newest open
// one (a reserve asked for two absences at once fills the one still
// looking), else the newest in any state, which explains why a late JA is
// refused.
func DayOfferByMobile(ctx context.Context, db *gorm.DB, mobileIndex string, since time.Time) (models.DayOffer, bool, error) {
	var o models.DayOffer
	err := db.WithContext(ctx).Table("day_offers").Select("day_offers.*").
		Joins("JOIN participants p ON p.id = day_offers.participant_id").
		Where("p.mobile_index = ? AND day_offers.asked_at >= ?", mobileIndex, since).
		Order(clause.Expr{SQL: "CASE WHEN day_offers.state = ? THEN 0 ELSE 1 END, day_offers.asked_at DESC, day_offers.id DESC",
			Vars: []any{models.DayOfferAsked}}).Limit(1).Scan(&o).Error
	return o, o.ID != 0, err
}

// DayReplacements lists the replacements on the task day of an election,
// newest first, at most limit: the station, how many were asked, and how
// it stands. Staff only (read-only staff too): a secretary gets none, as
// the candidates come from every party's lists and the pool.
func DayReplacements(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, limit int) ([]models.DayReplacementView, error) {
	if !mayReadAllParties(actor) {
		return nil, nil
	}
	db = db.WithContext(ctx)
	offers := func(extra string) *gorm.DB {
		return db.Table("day_offers d").Select("1").Where("d.absent_assignment_id = a.id" + extra)
	}
	escalated := db.Table("notices n").Select("1").Where("n.assignment_id = a.id AND n.kind = ?", models.NoticeDayEscalated)
	var out []models.DayReplacementView
	err := db.Table("assignments a").
		Select(`a.id AS absent_assignment_id, polling_stations.name AS station, task_types.name AS task_type, a.attendance_at AS marked_at,
			(SELECT COUNT(*) FROM day_offers d WHERE d.absent_assignment_id = a.id) AS asked,
			EXISTS (?) AS taken, EXISTS (?) AS escalated`, offers(" AND d.state = 'accepted'"), escalated).
		Joins("JOIN polling_stations ON polling_stations.id = a.station_id").
		Joins("JOIN task_types ON task_types.id = a.task_type_id").
		Where("a.election_id = ? AND (EXISTS (?) OR EXISTS (?))", electionID, offers(""), escalated).
		Order("a.attendance_at DESC, a.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// TaskStart is when a task begins on its day (its start time, Copenhagen).
func TaskStart(day models.Date, tt models.TaskType) time.Time {
	t := day.In(models.Copenhagen)
	var h, m int
	if _, err := fmt.Sscanf(tt.StartTime, "%d:%d", &h, &m); err == nil {
		t = t.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	return t
}
