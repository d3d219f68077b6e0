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

// ErrNoAPIToken means the bearer token opens nothing: unknown, expired or
// revoked, told apart from one another by nobody.
var ErrNoAPIToken = errors.New("unknown API token")

// CreateAPIToken is IssueAPIToken with the default lifetime (90 days).
func CreateAPIToken(ctx context.Context, db *gorm.DB, actor models.User, userID int64, name string, now time.Time) (string, models.APIToken, error) {
	return IssueAPIToken(ctx, db, actor, models.NewAPIToken{UserID: userID, Name: name}, now)
}

// IssueAPIToken gives in.UserID a token for the JSON API, named so it can
// be told apart later ("valgliste-script"), that expires after
// in.ExpiresInDays days (0: 90; at most 365). It returns the token, shown
// once; the database keeps only its hash. Administrators only, and never
// for another administrator: an administrator's token is their own.
// Audited in the same transaction.
func IssueAPIToken(ctx context.Context, db *gorm.DB, actor models.User, in models.NewAPIToken, now time.Time) (string, models.APIToken, error) {
	var t models.APIToken
	if actor.Role != models.RoleAdmin {
		return "", t, models.ErrForbidden
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 || !models.CleanText(name) {
		return "", t, models.RefuseField("name", "error.apitoken.name")
	}
	days := in.ExpiresInDays
	if days == 0 {
		days = models.APITokenDefaultDays
	}
	if days < 1 || days > models.APITokenMaxDays {
		return "", t, models.RefuseField("expires_in_days", "error.apitoken.days", models.APITokenMaxDays)
	}
	db = db.WithContext(ctx)
	var u models.User
	// A deactivated user's token would never work: as good as unknown.
	if err := activeUser(db, in.UserID, &u, nil); err != nil {
		return "", t, err
	}
	switch {
	case u.ID == 0:
		return "", t, models.RefuseField("user_id", "error.user.unknown")
	case u.Role == models.RoleAdmin && u.ID != actor.ID:
		return "", t, models.RefuseField("user_id", "error.apitoken.otheradmin")
	}
	token := randomToken()
	t = models.APIToken{TokenHash: hashToken(token), UserID: u.ID, Name: name, CreatedBy: &actor.ID, CreatedAt: now,
		ExpiresAt: now.AddDate(0, 0, days)}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditAPITokenCreated,
			Detail: fmt.Sprintf("API token %d %q for user %d, expires %s", t.ID, t.Name, t.UserID, t.ExpiresAt.UTC().Format(time.RFC3339))})
	})
	return token, t, err
}

// LookupAPIToken returns the user a bearer token acts as, and notes the
// use (at most once a minute: no write per request). An expired or revoked
// token is ErrNoAPIToken, as an unknown one is.
func LookupAPIToken(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.User, error) {
	db = db.WithContext(ctx)
	var t models.APIToken
	var u models.User
	if token == "" {
		return u, ErrNoAPIToken
	}
	err := db.Where("token_hash = ?", hashToken(token)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && t.StateAt(now) != models.APITokenActive) {
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

// APITokenOf is the token row of a bearer token (for the audit of its
// use, after LookupAPIToken has let it in); ErrNoAPIToken when none.
func APITokenOf(ctx context.Context, db *gorm.DB, token string) (models.APIToken, error) {
	var t models.APIToken
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Limit(1).Find(&t).Error
	if err == nil && t.ID == 0 {
		err = ErrNoAPIToken
	}
	return t, err
}

// APITokens lists tokens, newest first, with their users' and creators'
// names and their state at now: every token for an administrator (all),
// else only the actor's own.
func APITokens(ctx context.Context, db *gorm.DB, actor models.User, all bool, now time.Time) ([]models.APITokenView, error) {
	db = db.WithContext(ctx)
	if all && actor.Role != models.RoleAdmin {
		return nil, models.ErrForbidden
	}
	q := db.Order("created_at DESC, id DESC")
	if !all {
		q = q.Where("user_id = ?", actor.ID)
	}
	var ts []models.APIToken
	if err := q.Find(&ts).Error; err != nil {
		return nil, err
	}
	ids := []int64{}
	for _, t := range ts {
		ids = append(ids, t.UserID)
		if t.CreatedBy != nil {
			ids = append(ids, *t.CreatedBy)
		}
	}
	var users []models.User
	if len(ids) > 0 {
		if err := db.Select("id", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
			return nil, err
		}
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	out := make([]models.APITokenView, 0, len(ts))
	for _, t := range ts {
		v := models.APITokenView{APIToken: t, UserName: names[t.UserID], State: t.StateAt(now)}
		if t.CreatedBy != nil {
			v.CreatorName = names[*t.CreatedBy]
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokeAPIToken ends token id at once: its owner and administrators may;
// for anyone else the token does not exist (ErrNotFound, no leak). Revoking
// a revoked token changes nothing. Audited with the token's name.
func RevokeAPIToken(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) (models.APIToken, error) {
	var t models.APIToken
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Limit(1).Find(&t).Error; err != nil {
			return err
		}
		if t.ID == 0 || (t.UserID != actor.ID && actor.Role != models.RoleAdmin) {
			return models.ErrNotFound
		}
		if t.RevokedAt != nil {
			return nil
		}
		res := tx.Model(&models.APIToken{}).Where("id = ? AND revoked_at IS NULL", id).
			Updates(map[string]any{"revoked_at": now, "revoked_by": actor.ID})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		t.RevokedAt, t.RevokedBy = &now, &actor.ID
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditAPITokenRevoked,
			Detail: fmt.Sprintf("API token %d %q of user %d", t.ID, t.Name, t.UserID)})
	})
	if err != nil {
		return models.APIToken{}, err
	}
	return t, nil
}

// AuditAPITokenUse records one request made with token t by its user u:
// the method, the route's pattern (never the path or query, which may hold
// personal data) and the answer's status.
func AuditAPITokenUse(ctx context.Context, db *gorm.DB, u models.User, t models.APIToken, method, route string, status int, now time.Time) error {
	return Audit(db.WithContext(ctx), models.AuditEntry{At: now, ActorID: &u.ID, Action: models.AuditAPITokenUsed,
		Detail: fmt.Sprintf("API token %d %q: %s %s → %d", t.ID, t.Name, method, route, status)})
}
