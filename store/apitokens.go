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

// ErrNoAPIToken means the bearer token names no API token.
var ErrNoAPIToken = errors.New("unknown API token")

// CreateAPIToken gives userID a token for the JSON API, named so it can be
// told apart later ("valgliste-script"). It returns the token, shown once;
// the database keeps only its hash. Administrators only.
func CreateAPIToken(ctx context.Context, db *gorm.DB, actor models.User, userID int64, name string, now time.Time) (string, models.APIToken, error) {
	var t models.APIToken
	if actor.Role != models.RoleAdmin {
		return "", t, models.ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", t, models.RefuseField("name", "error.apitoken.name")
	}
	db = db.WithContext(ctx)
	var n int64
	if err := db.Model(&models.User{}).Where("id = ?", userID).Count(&n).Error; err != nil {
		return "", t, err
	}
	if n == 0 {
		return "", t, models.RefuseField("user_id", "error.user.unknown")
	}
	token := randomToken()
	t = models.APIToken{TokenHash: hashToken(token), UserID: userID, Name: name, CreatedAt: now}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditAPITokenCreated,
			Detail: fmt.Sprintf("API token for user %d", userID)})
	})
	return token, t, err
}

// LookupAPIToken returns the user a bearer token acts as, and notes the
// use (at most once a minute: no write per request).
func LookupAPIToken(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.User, error) {
	db = db.WithContext(ctx)
	var t models.APIToken
	var u models.User
	if token == "" {
		return u, ErrNoAPIToken
	}
	err := db.Where("token_hash = ?", hashToken(token)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, ErrNoAPIToken
	} else if err != nil {
		return u, err
	}
	if err := activeUser(db, t.UserID, &u, ErrNoAPIToken); err != nil {
		return u, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		db.Model(&models.APIToken{}).Where("token_hash = ?", t.TokenHash).Update("last_used_at", now)
	}
	return u, nil
}
