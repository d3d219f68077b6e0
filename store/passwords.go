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

// PasswordResetValidity is how long a password reset link works.
const PasswordResetValidity = time.Hour

// Why a reset link is not made. The login page tells neither: it answers
// alike whether or not a link is on its way.
var (
	// ErrNoReset: no account that may get a reset link has the address.
	ErrNoReset = errors.New("no account to reset at this address")
	// ErrResetThrottled: the account has had its reset e-mails this hour.
	ErrResetThrottled = errors.New("too many password reset links")
)

// resettable tells whether u may get a password reset link: a login that
// has a password. A login still waiting for its invitation chooses its
// first password through that link, not this one. It is the one place
// that decides; CreatePasswordReset, IssuePasswordResetToken and
// CheckPasswordReset all ask it, so a rule holds for a link already sent
// too: an account with a password that is not deactivated.
func resettable(u models.User) bool {
	return u.PasswordHash != "" && u.DeactivatedAt == nil
}

// CreatePasswordReset makes a reset link for the account of email, valid
// for PasswordResetValidity, unless the account has had max of them in the
// last hour (ErrResetThrottled, with the user's id for the log). Only the
// row is made: its token is made by IssuePasswordResetToken when the
// e-mail is sent. An address with no resettable account is ErrNoReset.
func CreatePasswordReset(ctx context.Context, db *gorm.DB, email string, max int64, now time.Time) (resetID, userID int64, err error) {
	now = now.UTC()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("email = ?", NormalizeEmail(email)).Limit(1)
		if DialectOf(tx) == Postgres {
			// Two requests at once count one after the other.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var u models.User
		res := q.Find(&u)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || !resettable(u) {
			return ErrNoReset
		}
		userID = u.ID
		var n int64
		if err := tx.Model(&models.PasswordReset{}).Where("user_id = ? AND created_at > ?", u.ID, now.Add(-time.Hour)).
			Count(&n).Error; err != nil {
			return err
		}
		if n >= max {
			return ErrResetThrottled
		}
		r := models.PasswordReset{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(PasswordResetValidity)}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		resetID = r.ID
		return nil
	})
	return resetID, userID, err
}

// IssuePasswordResetToken makes the token of a live reset link, for its
// e-mail, and tells whose it is. Called again (a retried e-mail) it makes
// a new token and the earlier one stops working. A link used or expired
// meanwhile, or whose user may no longer reset, is ErrLinkExpired, ErrLinkUsed
// or ErrLinkUnknown: nothing to send.
func IssuePasswordResetToken(ctx context.Context, db *gorm.DB, resetID int64, now time.Time) (string, models.User, error) {
	db = db.WithContext(ctx)
	var r models.PasswordReset
	var u models.User
	res := db.Where("id = ?", resetID).Limit(1).Find(&r)
	switch {
	case res.Error != nil:
		return "", u, res.Error
	case res.RowsAffected == 0:
		return "", u, ErrLinkUnknown
	case r.UsedAt != nil:
		return "", u, ErrLinkUsed
	case !now.Before(r.ExpiresAt):
		return "", u, ErrLinkExpired
	}
	if err := db.First(&u, r.UserID).Error; err != nil {
		return "", u, err
	}
	if !resettable(u) {
		return "", u, ErrLinkUnknown
	}
	token := randomToken()
	res = db.Model(&models.PasswordReset{}).Where("id = ? AND used_at IS NULL", resetID).Update("token_hash", hashToken(token))
	if res.Error != nil {
		return "", u, res.Error
	}
	if res.RowsAffected != 1 {
		return "", u, ErrLinkUsed
	}
	return token, u, nil
}

// CheckPasswordReset tells whether token is a live reset link, and whose.
// Unknown, used and expired links are told apart, never whose they were.
func CheckPasswordReset(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.User, error) {
	db = db.WithContext(ctx)
	var r models.PasswordReset
	var u models.User
	if token == "" {
		return u, ErrLinkUnknown
	}
	res := db.Where("token_hash = ?", hashToken(token)).Limit(1).Find(&r)
	switch {
	case res.Error != nil:
		return u, res.Error
	case res.RowsAffected == 0:
		return u, ErrLinkUnknown
	case r.UsedAt != nil:
		return u, ErrLinkUsed
	case !now.Before(r.ExpiresAt):
		return u, ErrLinkExpired
	}
	res = db.Where("id = ?", r.UserID).Limit(1).Find(&u)
	if res.Error != nil {
		return u, res.Error
	}
	if res.RowsAffected == 0 || !resettable(u) {
		return models.User{}, ErrLinkUnknown
	}
	return u, nil
}

// UsePasswordReset sets the user's password through a reset link, once
// (of two uses at the same moment exactly one succeeds), ends every
// session of the user and their other unused reset links, and audits it.
// A password too weak is a keyed refusal and leaves the link usable.
func UsePasswordReset(ctx context.Context, db *gorm.DB, token, password string, now time.Time) (models.User, error) {
	hash, err := models.HashPassword(password)
	if err != nil {
		return models.User{}, err
	}
	now = now.UTC()
	var u models.User
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = CheckPasswordReset(ctx, tx, token, now); err != nil {
			return err
		}
		res := tx.Model(&models.PasswordReset{}).Where("token_hash = ? AND used_at IS NULL", hashToken(token)).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrLinkUsed
		}
		return setPassword(tx, u, hash, "", models.AuditPasswordReset, now)
	})
	return u, err
}

// ChangePassword sets u's new password (the caller has checked the
// current one), ends u's other sessions — every one but keepToken's — and
// unused reset links, and audits it. A password too weak is a keyed
// refusal.
func ChangePassword(ctx context.Context, db *gorm.DB, u models.User, keepToken, password string, now time.Time) error {
	hash, err := models.HashPassword(password)
	if err != nil {
		return err
	}
	now = now.UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return setPassword(tx, u, hash, keepToken, models.AuditPasswordChanged, now)
	})
}

// setPassword stores hash as u's password, ends u's sessions but the one of
// keepToken (none when empty) and u's unused reset links, and audits
// action; within the caller's transaction.
func setPassword(tx *gorm.DB, u models.User, hash, keepToken string, action models.AuditAction, now time.Time) error {
	if err := tx.Model(&models.User{}).Where("id = ?", u.ID).Update("password_hash", hash).Error; err != nil {
		return err
	}
	sessions := tx.Where("user_id = ?", u.ID)
	if keepToken != "" {
		sessions = sessions.Where("token_hash <> ?", hashToken(keepToken))
	}
	if err := sessions.Delete(&models.Session{}).Error; err != nil {
		return err
	}
	// Used up rather than deleted: they still count towards the limit.
	if err := tx.Model(&models.PasswordReset{}).Where("user_id = ? AND used_at IS NULL", u.ID).
		Update("used_at", now).Error; err != nil {
		return err
	}
	return Audit(tx, models.AuditEntry{At: now, ActorID: &u.ID, Action: action, Detail: fmt.Sprintf("user %d", u.ID)})
}
