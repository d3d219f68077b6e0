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

// The database side of a person's lifecycle. The lifecycle workflow decides
// what happens; these functions, called from its activities, keep the
// projection that lists and overviews read. Each is idempotent, because an
// activity may run again after a crash.

// LifecycleFacts is what a lifecycle needs to know about its assignment.
type LifecycleFacts struct {
	Assignment models.Assignment
	Election   models.Election
	TaskType   models.TaskType
}

// LoadLifecycle reads an assignment with its election and task type.
func LoadLifecycle(ctx context.Context, db *gorm.DB, assignmentID int64) (LifecycleFacts, error) {
	var f LifecycleFacts
	db = db.WithContext(ctx)
	if err := db.First(&f.Assignment, assignmentID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return f, models.ErrNotFound
	} else if err != nil {
		return f, err
	}
	if err := db.First(&f.Election, f.Assignment.ElectionID).Error; err != nil {
		return f, err
	}
	return f, db.First(&f.TaskType, f.Assignment.TaskTypeID).Error
}

// MarkInvited moves a nominated assignment (as LoadLifecycle read it) to
// invited and returns its schedule. Run again, it finds the invitation already made and returns the
// same schedule (computed from the stored invitation time).
func MarkInvited(ctx context.Context, db *gorm.DB, f LifecycleFacts, now time.Time) (models.LifecycleSchedule, error) {
	a := f.Assignment
	invitedAt := now
	if a.InvitedAt != nil {
		invitedAt = *a.InvitedAt
	}
	s, err := models.ScheduleLifecycle(f.Election, f.TaskType, a.Day, invitedAt)
	if err != nil || a.State != models.StateNominated {
		return s, err
	}
	return s, db.WithContext(ctx).Model(&models.Assignment{}).Where("id = ? AND state = ?", a.ID, models.StateNominated).
		Updates(map[string]any{"state": models.StateInvited, "invited_at": invitedAt, "answer_deadline": s.Deadline, "updated_at": now}).Error
}

// MarkConfirmed moves a nominated assignment that its person took
// themselves (a claim sign-up link) straight to confirmed, with no
// invitation and no answer to wait for, and returns its schedule (the
// lock period and the task reminders). Run again, it finds the
// confirmation already made and returns the same schedule.
func MarkConfirmed(ctx context.Context, db *gorm.DB, f LifecycleFacts, now time.Time) (models.LifecycleSchedule, error) {
	a := f.Assignment
	at := now
	if a.InvitedAt != nil {
		at = *a.InvitedAt
	}
	s, err := models.ScheduleLifecycle(f.Election, f.TaskType, a.Day, at)
	if err != nil || a.State != models.StateNominated {
		return s, err
	}
	return s, db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Assignment{}).Where("id = ? AND state = ?", a.ID, models.StateNominated).
			Updates(map[string]any{"state": models.StateConfirmed, "invited_at": at, "answered_at": at, "answered_by": "signup", "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: &a.ParticipantID,
			Detail: fmt.Sprintf("assignment %d: %s → %s (signup)", a.ID, models.StateNominated, models.StateConfirmed)})
	})
}

// RecordReminder counts a reminder sent to an invited person.
func RecordReminder(ctx context.Context, db *gorm.DB, assignmentID int64, now time.Time) error {
	return db.WithContext(ctx).Model(&models.Assignment{}).Where("id = ?", assignmentID).
		Updates(map[string]any{"reminders_sent": gorm.Expr("reminders_sent + 1"), "updated_at": now}).Error
}

// RecordTransition writes a lifecycle step — the assignment moved to state
// to, for a decline with its reason, by whom (link, sms, staff:<id>,
// deadline, validation) — to the projection and the audit log. A step
// already recorded is not recorded again.
func RecordTransition(ctx context.Context, db *gorm.DB, assignmentID int64, to models.AssignmentState,
	reason models.DeclineReason, by string, now time.Time) error {
	_, err := ApplyTransition(ctx, db, assignmentID, to, reason, by, now)
	return err
}

// ApplyTransition is RecordTransition that also tells whether the step
// changed the projection: false for a step already recorded (a retried
// activity), so what counts steps counts each once.
func ApplyTransition(ctx context.Context, db *gorm.DB, assignmentID int64, to models.AssignmentState,
	reason models.DeclineReason, by string, now time.Time) (changed bool, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed = false
		var a models.Assignment
		if err := tx.First(&a, assignmentID).Error; err != nil {
			return err
		}
		if a.State == to {
			return nil
		}
		// Staff marked the person (MarkAttendance) before the lifecycle
		// settled them at the end of the day: staff know better.
		if by == payload.DayOver && (a.State == models.StateNoShow || a.State == models.StateCompleted) {
			return nil
		}
		changed = true
		fields := map[string]any{"state": to, "updated_at": now}
		switch to {
		case models.StateConfirmed, models.StateDeclined:
			fields["answered_at"] = now
			fields["answered_by"] = by
			fields["decline_reason"] = reason
		}
		if !to.HoldsSlot() || to == models.StateCompleted {
			fields["ended_at"] = now
		}
		if err := tx.Model(&a).Updates(fields).Error; err != nil {
			return err
		}
		var actor *int64
		var staffID int64
		if _, err := fmt.Sscanf(by, "staff:%d", &staffID); err == nil {
			actor = &staffID
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actor, Action: models.AuditLifecycle, ParticipantID: &a.ParticipantID,
			Detail: fmt.Sprintf("assignment %d: %s → %s (%s)", a.ID, a.State, to, by)})
	})
	return changed && err == nil, err
}

// Reopening tells what became of a slot whose lifecycle ended without a
// confirmation.
type Reopening struct {
	// Next is the assignment made for the next person on the reserve
	// list; nil when automatic replacement is off or the list is empty.
	Next *models.Assignment
}

// ReopenSlot records that a slot is free again, tells the party's
// secretaries and the staff (a notice), and, when the election replaces
// automatically and is still active before the task day, puts the next
// person from the party's reserve list on the slot. Run again, it finds
// the replacement it made the first time.
func ReopenSlot(ctx context.Context, db *gorm.DB, assignmentID int64, now time.Time) (Reopening, error) {
	var r Reopening
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a models.Assignment
		if err := tx.First(&a, assignmentID).Error; err != nil {
			return err
		}
		var prev models.Assignment
		err := tx.Where("replaces_id = ?", a.ID).First(&prev).Error
		if err == nil {
			r.Next = &prev
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var notices int64
		if err := tx.Model(&models.Notice{}).Where("assignment_id = ? AND kind = ?", a.ID, NoticeSlotReopened).Count(&notices).Error; err != nil {
			return err
		}
		if notices == 0 {
			if err := tx.Create(&models.Notice{ElectionID: a.ElectionID, PartyID: &a.PartyID, AssignmentID: &a.ID,
				Kind: NoticeSlotReopened, CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		var e models.Election
		if err := tx.First(&e, a.ElectionID).Error; err != nil {
			return err
		}
		if !e.AutoReplace || e.State != models.ElectionActive || a.Day.DaysUntil(now) <= 0 {
			return nil
		}
		next, err := takeReserve(tx, a, now)
		r.Next = next
		return err
	})
	return r, err
}

// NoticeSlotReopened is the notice kind for a slot that became free.
const NoticeSlotReopened = "slot_reopened"

// takeReserve puts the first fitting person of the party's reserve list on
// a's slot (NextReserve: the station's own list first, then the
// municipality-wide one). The reserve entry is used up.
func takeReserve(tx *gorm.DB, a models.Assignment, now time.Time) (*models.Assignment, error) {
	c, err := NextReserve(tx.Statement.Context, tx, a.ElectionID, a.PartyID, a.StationID, a.SlotID, a.Day)
	if err != nil || c == nil {
		return nil, err
	}
	next := models.Assignment{SlotID: a.SlotID, ParticipantID: c.ParticipantID, ElectionID: a.ElectionID, StationID: a.StationID,
		TaskTypeID: a.TaskTypeID, PartyID: a.PartyID, Day: a.Day, State: models.StateNominated,
		WorkflowID: payload.LifecycleID(a.SlotID, c.ParticipantID), ReplacesID: &a.ID, NominatedBy: c.CreatedBy,
		NominatedAt: now, UpdatedAt: now}
	if err := tx.Create(&next).Error; err != nil {
		return nil, err
	}
	if err := tx.Delete(&models.Reserve{}, c.ID).Error; err != nil {
		return nil, err
	}
	return &next, Audit(tx, models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: &c.ParticipantID,
		Detail: fmt.Sprintf("assignment %d: from the reserve list, replacing assignment %d", next.ID, a.ID)})
}

// SaveAnswerToken stores the hash of an assignment's answer token. The
// token is made from a key and the lifecycle's id, so a retried send makes
// the same one; saving it twice is one row.
// The SMS code is stored with it (and added to a token saved before codes
// existed).
func SaveAnswerToken(ctx context.Context, db *gorm.DB, assignmentID int64, token, smsCode string, now time.Time) error {
	db = db.WithContext(ctx)
	err := db.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.AnswerToken{TokenHash: hashToken(token), AssignmentID: assignmentID, SMSCode: &smsCode, CreatedAt: now}).Error
	if err != nil {
		return err
	}
	return db.Model(&models.AnswerToken{}).Where("assignment_id = ? AND sms_code IS NULL", assignmentID).Update("sms_code", smsCode).Error
}

// AssignmentByAnswerToken finds the assignment an answer link is for;
// models.ErrNotFound for a token that is not one (forged, truncated, or of a
// deleted person).
func AssignmentByAnswerToken(ctx context.Context, db *gorm.DB, token string) (models.Assignment, error) {
	var a models.Assignment
	if len(token) < 32 || len(token) > 128 {
		return a, models.ErrNotFound
	}
	var t models.AnswerToken
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, models.ErrNotFound
	} else if err != nil {
		return a, err
	}
	return a, db.WithContext(ctx).First(&a, t.AssignmentID).Error
}

// TaskOf reads the task of an assignment for its answer page.
func TaskOf(ctx context.Context, db *gorm.DB, assignmentID int64) (models.TaskView, error) {
	f, err := LoadLifecycle(ctx, db, assignmentID)
	if err != nil {
		return models.TaskView{}, err
	}
	v := models.TaskView{Assignment: f.Assignment, Election: f.Election, TaskType: f.TaskType,
		LockFrom: f.Assignment.Day.AddDays(-f.Election.LockDays).In(models.Copenhagen)}
	return v, db.WithContext(ctx).First(&v.Station, f.Assignment.StationID).Error
}

// AssignmentFor returns an assignment with its task and the person's name
// for staff, or for a secretary of the assignment's own party (and their
// stations); models.ErrNotFound otherwise, so another party's people stay unseen.
func AssignmentFor(ctx context.Context, db *gorm.DB, actor models.User, id int64) (models.TaskView, string, error) {
	v, err := TaskOf(ctx, db, id)
	if errors.Is(err, models.ErrNotFound) {
		return v, "", models.ErrNotFound
	} else if err != nil {
		return v, "", err
	}
	sc, err := scopeOf(ctx, db, actor)
	if errors.Is(err, models.ErrForbidden) || err == nil && !sc.allows(v.Assignment.PartyID, v.Assignment.StationID) {
		return models.TaskView{}, "", models.ErrNotFound
	} else if err != nil {
		return models.TaskView{}, "", err
	}
	var p models.Participant
	if err := db.WithContext(ctx).Select("id", "name").First(&p, v.Assignment.ParticipantID).Error; err != nil {
		return v, "", err
	}
	return v, p.Name, nil
}
