package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// SetElectionState moves an election to its next state. Of two moves at
// once, one wins and the other gets ErrStale; a move the rules forbid is a
// UserError. Staff only.
func SetElectionState(ctx context.Context, db *gorm.DB, actor models.User, id int64, to models.ElectionState, now time.Time) error {
	if !isStaff(actor) {
		return ErrForbidden
	}
	db = db.WithContext(ctx)
	var e models.Election
	if err := db.First(&e, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	if err := models.CheckElectionTransition(e.State, to); err != nil {
		return &UserError{err.Error()}
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Election{}).Where("id = ? AND state = ?", id, e.State).
			Updates(map[string]any{"state": to, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditElectionState,
			Detail: fmt.Sprintf("election %d: %s → %s", id, e.State, to)})
	})
}

// CreateElection adds an election as a draft. Staff only; the day must be
// a real date that has not passed (in Copenhagen).
func CreateElection(ctx context.Context, db *gorm.DB, actor models.User, title string, kind models.ElectionKind, day string, now time.Time) (models.Election, error) {
	var e models.Election
	if !isStaff(actor) {
		return e, ErrForbidden
	}
	title = strings.TrimSpace(title)
	if title == "" || len(title) > 200 {
		return e, &UserError{"Skriv valgets titel."}
	}
	switch kind {
	case models.Folketingsvalg, models.Folkeafstemning, models.Kommunalvalg, models.EuropaParlamentsvalg:
	default:
		return e, &UserError{"Vælg en valgtype."}
	}
	d, err := models.ParseDate(day)
	if err != nil {
		return e, &UserError{"Valgdagen skal være en dato som ÅÅÅÅ-MM-DD."}
	}
	if d.DaysSince(models.DateOf(now.In(models.Copenhagen))) < 0 {
		return e, &UserError{"Valgdagen er allerede passeret."}
	}
	e = withDefaultSettings(models.Election{Title: title, Kind: kind, ElectionDay: d, State: models.ElectionDraft, CreatedAt: now, UpdatedAt: now})
	return e, db.WithContext(ctx).Create(&e).Error
}

// withDefaultSettings fills in the settings migration 12 gives existing
// elections: gorm writes every field of a Create, so a zero value would
// otherwise override the column default (and answer_days >= 1 refuses it).
func withDefaultSettings(e models.Election) models.Election {
	e.LockDays, e.AnswerDays, e.ReminderEveryDays, e.TaskReminderDays = 3, 14, 4, 5
	e.EveningReminder, e.AutoReplace = true, true
	e.Version, e.PlanVersion = 1, 1
	return e
}
