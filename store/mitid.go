package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// A MitID login under way (migration 32): the state only as a hash, the
// nonce, PKCE verifier and payload sealed by the caller.
type MitIDLogin struct {
	ID        int64
	StateHash string
	Purpose   string
	Secrets   string // sealed by the mitid use case; '' once used
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TableName is the table of the logins.
func (MitIDLogin) TableName() string { return "mitid_logins" }

// The refusals of TakeMitIDLogin: no such login (never started, or swept),
// one already used, one past its expiry.
var (
	ErrMitIDLoginUnknown = errors.New("the MitID login is not known")
	ErrMitIDLoginUsed    = errors.New("the MitID login has been used")
	ErrMitIDLoginExpired = errors.New("the MitID login has expired")
)

// mitidLoginKept is how long a used or expired login row stays before
// SaveMitIDLogin sweeps it: long enough to tell a replay from a stranger.
const mitidLoginKept = 24 * time.Hour

// SaveMitIDLogin stores a login that has just started, and sweeps the
// rows that have been used or expired for a day.
func SaveMitIDLogin(ctx context.Context, db *gorm.DB, l MitIDLogin, now time.Time) error {
	db = db.WithContext(ctx)
	if err := db.Where("expires_at < ?", now.Add(-mitidLoginKept)).Delete(&MitIDLogin{}).Error; err != nil {
		return err
	}
	l.ID, l.CreatedAt, l.UsedAt = 0, now, nil
	return db.Create(&l).Error
}

// TakeMitIDLogin uses the login whose state hashes to stateHash, once: of
// two takes at the same moment exactly one gets it. A used login, or one
// past its expiry, is refused (and an expired one is used up all the
// same); the row keeps no secrets after.
func TakeMitIDLogin(ctx context.Context, db *gorm.DB, stateHash string, now time.Time) (MitIDLogin, error) {
	db = db.WithContext(ctx)
	var l MitIDLogin
	if stateHash == "" {
		return l, ErrMitIDLoginUnknown
	}
	res := db.Where("state_hash = ?", stateHash).Limit(1).Find(&l)
	switch {
	case res.Error != nil:
		return MitIDLogin{}, res.Error
	case res.RowsAffected == 0:
		return MitIDLogin{}, ErrMitIDLoginUnknown
	case l.UsedAt != nil:
		return MitIDLogin{}, ErrMitIDLoginUsed
	}
	res = db.Model(&MitIDLogin{}).Where("id = ? AND used_at IS NULL", l.ID).
		Updates(map[string]any{"used_at": now, "secrets": ""})
	switch {
	case res.Error != nil:
		return MitIDLogin{}, res.Error
	case res.RowsAffected == 0:
		return MitIDLogin{}, ErrMitIDLoginUsed
	case !now.Before(l.ExpiresAt):
		return MitIDLogin{}, ErrMitIDLoginExpired
	}
	return l, nil
}
