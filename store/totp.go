package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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
// a valid code from their app, and gives them a fresh set of recovery codes
// (any old ones die), returned in clear to be shown once: only their hashes
// are kept. Every role may: staff must (models.RequiresTOTP), party
// secretaries may.
func EnableTOTP(ctx context.Context, db *gorm.DB, u models.User, secret, code string, now time.Time) ([]string, error) {
	counter, ok := models.VerifyTOTP(secret, code, now, 0)
	if !ok {
		return nil, ErrWrongCode
	}
	var codes []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t := models.UserTOTP{UserID: u.ID, Secret: models.NewSecret(secret), LastCounter: counter, EnabledAt: now}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error; err != nil {
			return err
		}
		var err error
		if codes, err = replaceRecoveryCodes(tx, u.ID, now); err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &u.ID, Action: models.AuditTOTPEnabled, Detail: fmt.Sprintf("user %d", u.ID)})
	})
	return codes, err
}

// hashRecoveryCode is what is stored of a recovery code. A plain SHA-256
// (no slow password hash) is enough: a code is 80 random bits, so a stolen
// hash cannot be guessed back however fast the hash is, unlike a password
// a person chose. The user's id salts it, so equal hashes never say equal
// codes and one table of guesses serves no two users.
func hashRecoveryCode(userID int64, normalized string) string {
	sum := sha256.Sum256([]byte("valghalla-recovery-code:" + strconv.FormatInt(userID, 10) + ":" + normalized))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes kills the user's recovery codes and stores the
// hashes of a fresh set, which it returns in clear.
func replaceRecoveryCodes(tx *gorm.DB, userID int64, now time.Time) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&models.TOTPRecoveryCode{}).Error; err != nil {
		return nil, err
	}
	codes, err := models.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	rows := make([]models.TOTPRecoveryCode, len(codes))
	for i, c := range codes {
		n, _ := models.NormalizeRecoveryCode(c)
		rows[i] = models.TOTPRecoveryCode{UserID: userID, CodeHash: hashRecoveryCode(userID, n), CreatedAt: now}
	}
	return codes, tx.Create(&rows).Error
}

// NewRecoveryCodes replaces the user's recovery codes with a fresh set,
// once a current TOTP code (used up by this) shows it is them; a wrong
// code is ErrWrongCode and leaves the old set.
func NewRecoveryCodes(ctx context.Context, db *gorm.DB, userID int64, code string, now time.Time) ([]string, error) {
	var codes []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkTOTP(tx, userID, code, now); err != nil {
			return err
		}
		var err error
		if codes, err = replaceRecoveryCodes(tx, userID, now); err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &userID, Action: models.AuditRecoveryCodesRenewed, Detail: fmt.Sprintf("user %d", userID)})
	})
	return codes, err
}

// UseRecoveryCode spends one of the user's recovery codes, in one
// statement: of two requests with the same code at most one succeeds. An
// unknown or spent code is ErrWrongCode.
func UseRecoveryCode(ctx context.Context, db *gorm.DB, userID int64, code string, now time.Time) error {
	n, ok := models.NormalizeRecoveryCode(code)
	if !ok {
		return ErrWrongCode
	}
	res := db.WithContext(ctx).Model(&models.TOTPRecoveryCode{}).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hashRecoveryCode(userID, n)).
		Update("used_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrWrongCode
	}
	return nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func RecoveryCodesLeft(ctx context.Context, db *gorm.DB, userID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.TOTPRecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}

// ErrWrongCode: the TOTP code is wrong, too old, or already used.
var ErrWrongCode = errors.New("wrong or reused code")

// CheckTOTP verifies a login code and records its step, so the same code
// cannot be used twice (even by two requests at once).
func CheckTOTP(ctx context.Context, db *gorm.DB, userID int64, code string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return checkTOTP(tx, userID, code, now)
	})
}

func checkTOTP(tx *gorm.DB, userID int64, code string, now time.Time) error {
	var t models.UserTOTP
	if err := tx.Where("user_id = ?", userID).Limit(1).Find(&t).Error; err != nil {
		return err
	}
	if t.UserID == 0 {
		return ErrWrongCode // no TOTP (reset meanwhile): no code is right
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

// ResetTOTP removes a user's second factor (a lost phone) and their
// recovery codes, and ends all their sessions, whether they had TOTP or
// not, so the next login sets things up anew. Administrators only; an
// unknown user is ErrNotFound.
func ResetTOTP(ctx context.Context, db *gorm.DB, actor models.User, userID int64, now time.Time) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.User{}).Where("id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.ErrNotFound
		}
		for _, row := range []any{&models.UserTOTP{}, &models.TOTPRecoveryCode{}, &models.Session{}} {
			if err := tx.Where("user_id = ?", userID).Delete(row).Error; err != nil {
				return err
			}
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
