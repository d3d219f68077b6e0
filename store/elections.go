package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// SetElectionState moves an election to its next state. Of two moves at
// once, one wins and the other gets ErrStale; a move the rules forbid is a
// UserError. Staff only.
func SetElectionState(ctx context.Context, db *gorm.DB, actor models.User, id int64, to models.ElectionState, now time.Time) error {
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStaff {
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
