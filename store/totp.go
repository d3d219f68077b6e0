package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// HasTOTP tells whether the user logs in with a second factor.
func HasTOTP(ctx context.Context, db *gorm.DB, userID int64) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.UserTOTP{}).Where("user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// EnableTOTP turns the second factor on with secret, once the user has shown
// a valid code from their app. Party secretaries have none (staff only).
func EnableTOTP(ctx context.Context, db *gorm.DB, u models.User, secret, code string, now time.Time) error {
	if u.Role == models.RolePartySecretary {
		return models.ErrForbidden
	}
	counter, ok := models.VerifyTOTP(secret, code, now, 0)
	if !ok {
		return ErrWrongCode
	}
	t := models.UserTOTP{UserID: u.ID, Secret: models.NewSecret(secret), LastCounter: counter, EnabledAt: now}
	return db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error
}

// ErrWrongCode: the TOTP code is wrong, too old, or already used.
var ErrWrongCode = errors.New("wrong or reused code")

// CheckTOTP verifies a login code and records its step, so the same code
// cannot be used twice (even by two requests at once).
func CheckTOTP(ctx context.Context, db *gorm.DB, userID int64, code string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t models.UserTOTP
		if err := tx.First(&t, "user_id = ?", userID).Error; err != nil {
			return err
		}
		counter, ok := models.VerifyTOTP(t.Secret.Reveal(), code, now, t.LastCounter)
		if !ok {
			return ErrWrongCode
		}
		res := tx.Model(&models.UserTOTP{}).Where("user_id = ? AND last_counter < ?", userID, counter).Update("last_counter", counter)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrWrongCode
		}
		return nil
	})
}

// TakeCodeAttempt claims one of max code attempts of the pending session
// of token, in one statement: however many requests race, at most max
// claims succeed. When none is left (or the session is not pending) it
// drops the session, so the password must be given again, and says false.
func TakeCodeAttempt(ctx context.Context, db *gorm.DB, token string, max int) (bool, error) {
	db = db.WithContext(ctx)
	res := db.Model(&models.Session{}).
		Where("token_hash = ? AND second_factor_due AND code_attempts < ?", hashToken(token), max).
		Update("code_attempts", gorm.Expr("code_attempts + 1"))
	if res.Error != nil || res.RowsAffected == 1 {
		return res.Error == nil, res.Error
	}
	return false, DropSpentLogin(ctx, db, token, max)
}

// DropSpentLogin ends the pending session of token once it has tried max
// codes: the password must be given again.
func DropSpentLogin(ctx context.Context, db *gorm.DB, token string, max int) error {
	return db.WithContext(ctx).Where("token_hash = ? AND second_factor_due AND code_attempts >= ?", hashToken(token), max).
		Delete(&models.Session{}).Error
}

// CompleteSecondFactor opens a session whose password step is done, for
// the full session lifetime from now.
func CompleteSecondFactor(ctx context.Context, db *gorm.DB, token string, now time.Time) error {
	return db.WithContext(ctx).Model(&models.Session{}).Where("token_hash = ?", hashToken(token)).
		Updates(map[string]any{"second_factor_due": false, "expires_at": now.Add(SessionMax)}).Error
}

// ResetTOTP removes a user's second factor (a lost phone) and ends their
// sessions, so the next login sets things up anew. Administrators only.
func ResetTOTP(ctx context.Context, db *gorm.DB, actor models.User, userID int64, now time.Time) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ?", userID).Delete(&models.UserTOTP{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Where("user_id = ?", userID).Delete(&models.Session{}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditTOTPReset,
			Detail: fmt.Sprintf("user %d", userID)})
	})
}

// UsersWithTOTP returns the ids of the users that have a second factor.
func UsersWithTOTP(ctx context.Context, db *gorm.DB) (map[int64]bool, error) {
	var ids []int64
	err := db.WithContext(ctx).Model(&models.UserTOTP{}).Pluck("user_id", &ids).Error
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
