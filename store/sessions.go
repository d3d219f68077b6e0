package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// Session lifetimes: a session ends after SessionIdle without a request, and
// at the latest SessionMax after login (a working day at the town hall).
const (
	SessionIdle = 2 * time.Hour
	SessionMax  = 12 * time.Hour
)

// ErrNoSession means the token names no live session.
var ErrNoSession = errors.New("no live session")

// NewToken returns 256 random bits, URL-safe.
func NewToken() string { return randomToken() }

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for userID and returns the token for the
// cookie; the database keeps only its hash.
func CreateSession(ctx context.Context, db *gorm.DB, userID int64, now time.Time) (token string, err error) {
	return createSession(ctx, db, userID, now, sessionFull)
}

// CreatePendingSession starts a session that waits for the second factor.
func CreatePendingSession(ctx context.Context, db *gorm.DB, userID int64, now time.Time) (token string, err error) {
	return createSession(ctx, db, userID, now, sessionPending)
}

// CreateEnrolmentSession starts the session of a user who must set TOTP
// up before anything else (models.RequiresTOTP).
func CreateEnrolmentSession(ctx context.Context, db *gorm.DB, userID int64, now time.Time) (token string, err error) {
	return createSession(ctx, db, userID, now, sessionEnrolment)
}

// RotateSession ends the session of token and opens a full one for userID
// in its place (a new token, as a login gives): once the second factor is
// set up, the session of the password alone is not the one to go on with.
// A session that is gone already (ended, or rotated by a request just
// before) is ErrNoSession: each is replaced once.
func RotateSession(ctx context.Context, db *gorm.DB, token string, userID int64, now time.Time) (string, error) {
	res := db.WithContext(ctx).Where("token_hash = ? AND user_id = ?", hashToken(token), userID).Delete(&models.Session{})
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected != 1 {
		return "", ErrNoSession
	}
	return CreateSession(ctx, db, userID, now)
}

type sessionKind int

const (
	sessionFull sessionKind = iota
	sessionPending
	sessionEnrolment
)

func createSession(ctx context.Context, db *gorm.DB, userID int64, now time.Time, kind sessionKind) (token string, err error) {
	token = randomToken()
	s := models.Session{TokenHash: hashToken(token), UserID: userID, CSRFToken: randomToken(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionMax),
		SecondFactorDue: kind == sessionPending, EnrolmentDue: kind == sessionEnrolment}
	switch kind {
	case sessionPending:
		s.ExpiresAt = now.Add(10 * time.Minute) // enough to open the app and type a code
	case sessionEnrolment:
		s.ExpiresAt = now.Add(30 * time.Minute) // enough to install an app and set it up
	}
	return token, db.WithContext(ctx).Create(&s).Error
}

// LookupSession returns the live session of token and its user, and marks it
// seen. An idle or expired session is deleted and ErrNoSession returned.
func LookupSession(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.Session, models.User, error) {
	db = db.WithContext(ctx)
	var s models.Session
	var u models.User
	if token == "" {
		return s, u, ErrNoSession
	}
	err := db.Where("token_hash = ?", hashToken(token)).First(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return s, u, ErrNoSession
	}
	if err != nil {
		return s, u, err
	}
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= SessionIdle {
		db.Where("token_hash = ?", s.TokenHash).Delete(&models.Session{})
		return s, u, ErrNoSession
	}
	if err := activeUser(db, s.UserID, &u, ErrNoSession); err != nil {
		return s, u, err
	}
	// Refresh at most once a minute: no write per request.
	if now.Sub(s.LastSeenAt) > time.Minute {
		db.Model(&models.Session{}).Where("token_hash = ?", s.TokenHash).Update("last_seen_at", now)
	}
	return s, u, nil
}

// DeleteSession ends the session of token (logout).
func DeleteSession(ctx context.Context, db *gorm.DB, token string) error {
	return db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&models.Session{}).Error
}

// NormalizeEmail is the one form an e-mail address is stored and compared in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// RecordLoginAttempt notes a try to log in to account.
func RecordLoginAttempt(ctx context.Context, db *gorm.DB, account string, success bool, now time.Time) error {
	return db.WithContext(ctx).Create(&models.LoginAttempt{Account: NormalizeEmail(account), Success: success, At: now}).Error
}

// Failures is an account's failed attempts since its last success.
type Failures struct {
	Count int64
	Last  time.Time // the latest failure; zero when Count is 0
}

// FailedLoginsSince counts the failed attempts on account since t that no
// successful login has followed, and tells when the latest was.
func FailedLoginsSince(ctx context.Context, db *gorm.DB, account string, t time.Time) (Failures, error) {
	db = db.WithContext(ctx)
	account = NormalizeEmail(account)
	var lastSuccess models.LoginAttempt
	if err := db.Where("account = ? AND success AND at >= ?", account, t).Order("at DESC").Limit(1).
		Find(&lastSuccess).Error; err != nil {
		return Failures{}, err
	}
	if lastSuccess.ID != 0 {
		t = lastSuccess.At
	}
	var f Failures
	q := db.Model(&models.LoginAttempt{}).Where("account = ? AND NOT success AND at > ?", account, t)
	if err := q.Count(&f.Count).Error; err != nil || f.Count == 0 {
		return f, err
	}
	var last models.LoginAttempt
	err := db.Where("account = ? AND NOT success AND at > ?", account, t).Order("at DESC").Limit(1).Find(&last).Error
	f.Last = last.At
	return f, err
}
