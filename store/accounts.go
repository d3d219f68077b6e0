package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// AccountLinkValidity is how long a one-time login link works (the seed's
// seven days).
const AccountLinkValidity = 7 * 24 * time.Hour

// Why a one-time link does not work; each has its own page.
var (
	ErrLinkUnknown = errors.New("the link is not known")
	ErrLinkUsed    = errors.New("the link has been used")
	ErrLinkExpired = errors.New("the link has expired")
)

// CreateUser creates a login without a password; the person chooses one
// through a one-time link. Administrators only.
func CreateUser(ctx context.Context, db *gorm.DB, actor models.User, in models.NewUser, now time.Time) (models.User, error) {
	if actor.Role != models.RoleAdmin {
		return models.User{}, models.ErrForbidden
	}
	if err := checkUser(&in); err != nil {
		return models.User{}, err
	}
	u := models.User{Email: in.Email, Name: in.Name, Role: in.Role, PartyID: in.PartyID, CreatedAt: now}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return userWriteError(err)
		}
		if in.StationLimited {
			if err := setStationLimit(tx, &u, in); err != nil {
				return err
			}
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditUserCreated,
			Detail: fmt.Sprintf("user %d, role %s", u.ID, u.Role)})
	})
	return u, err
}

// CreateAccountLink makes a one-time link token for user, valid for
// AccountLinkValidity. Earlier unused links of the user stop working: only
// the newest e-mail counts.
func CreateAccountLink(ctx context.Context, db *gorm.DB, userID int64, now time.Time) (string, error) {
	token := randomToken()
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&models.AccountToken{}).Error; err != nil {
			return err
		}
		return tx.Create(&models.AccountToken{TokenHash: hashToken(token), UserID: userID, CreatedAt: now,
			ExpiresAt: now.Add(AccountLinkValidity)}).Error
	})
	return token, err
}

// CheckAccountLink tells whether token is a live link, and whose.
func CheckAccountLink(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.User, error) {
	var t models.AccountToken
	var u models.User
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).First(&t).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return u, ErrLinkUnknown
	case err != nil:
		return u, err
	case t.UsedAt != nil:
		return u, ErrLinkUsed
	case !now.Before(t.ExpiresAt):
		return u, ErrLinkExpired
	}
	return u, activeUser(db.WithContext(ctx), t.UserID, &u, ErrLinkUnknown)
}

// UseAccountLink sets the user's password through the link, once: of two
// uses at the same moment exactly one succeeds.
func UseAccountLink(ctx context.Context, db *gorm.DB, token, password string, now time.Time) (models.User, error) {
	hash, err := models.HashPassword(password)
	if err != nil {
		return models.User{}, err
	}
	var u models.User
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = CheckAccountLink(ctx, tx, token, now); err != nil {
			return err
		}
		res := tx.Model(&models.AccountToken{}).Where("token_hash = ? AND used_at IS NULL", hashToken(token)).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrLinkUsed
		}
		return tx.Model(&u).Update("password_hash", hash).Error
	})
	return u, err
}
