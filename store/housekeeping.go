package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// LoginAttemptsKept is how long the login attempts are kept: long enough
// to look into an attack afterwards, short enough not to keep a record
// of who logged in when for good.
const LoginAttemptsKept = 30 * 24 * time.Hour

// AnswerTokensKept is how long an answer link keeps opening its page
// after its invitation is over (answered no, expired, cancelled, removed,
// served) or its task day has passed: a person who clicks it soon after
// still sees what became of it; later it is "unknown link".
const AnswerTokensKept = 14 * 24 * time.Hour

// Purged counts what Purge deleted.
type Purged struct {
	Sessions, LoginAttempts, AccountLinks, PasswordResets, AnswerTokens int64
}

// Purge deletes what has outlived its use: sessions past their expiry or
// idle too long (they open nothing any more, see LookupSession), login attempts older
// than LoginAttemptsKept, and one-time account links that expired more
// than LoginAttemptsKept ago, and so password reset links; and the answer
// tokens of invitations that ended, or whose task day passed, more than
// AnswerTokensKept ago (a confirmed person may still withdraw by their link
// until the day, so a token lives while its assignment does). Run again,
// it deletes nothing more.
func Purge(ctx context.Context, db *gorm.DB, now time.Time) (Purged, error) {
	var p Purged
	old := now.Add(-LoginAttemptsKept)
	tokensOld := now.Add(-AnswerTokensKept)
	tokensDay := models.DateOf(tokensOld.In(models.Copenhagen))
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		steps := []struct {
			n     *int64
			query string
			args  []any
		}{
			{&p.Sessions, "DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?", []any{now, now.Add(-SessionIdle)}},
			{&p.LoginAttempts, "DELETE FROM login_attempts WHERE at < ?", []any{old}},
			{&p.AccountLinks, "DELETE FROM account_tokens WHERE expires_at < ?", []any{old}},
			{&p.PasswordResets, "DELETE FROM password_resets WHERE expires_at < ?", []any{old}},
			{&p.AnswerTokens, "DELETE FROM answer_tokens WHERE assignment_id IN (SELECT id FROM assignments WHERE ended_at < ? OR day < ?)",
				[]any{tokensOld, tokensDay}},
		}
		for _, s := range steps {
			res := tx.Exec(s.query, s.args...)
			if res.Error != nil {
				return res.Error
			}
			*s.n = res.RowsAffected
		}
		return nil
	})
	return p, err
}
