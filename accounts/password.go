package accounts

import (
	"context"
	"errors"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
	"go.temporal.io/sdk/client"
)

// Password reset by e-mail: a link valid PasswordResetValidity, at most
// MaxResetMailsPerHour e-mails per account and hour.
const (
	PasswordResetValidity = store.PasswordResetValidity
	MaxResetMailsPerHour  = 3
)

// RequestPasswordReset makes a reset link for the account of email and
// starts its e-mail in the background. It tells nothing: an unknown
// address, a login without a password yet, an account that has had its
// e-mails this hour and a failure all return alike, so the login page
// answers the same for all of them. What happened is logged, never with
// the address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) {
	resetID, userID, err := store.CreatePasswordReset(ctx, s.DB, NormalizeEmail(email), MaxResetMailsPerHour, s.Now().UTC())
	switch {
	case errors.Is(err, store.ErrNoReset):
		s.Log.InfoContext(ctx, "password reset asked for an address without an account to reset")
		return
	case errors.Is(err, store.ErrResetThrottled):
		s.Log.WarnContext(ctx, "password reset throttled: no e-mail sent", "user_id", userID, "per_hour", MaxResetMailsPerHour)
		return
	case err != nil:
		s.Log.ErrorContext(ctx, "password reset not made", "error", err)
		return
	}
	s.Log.InfoContext(ctx, "password reset asked for", "user_id", userID, "reset_id", resetID)
	s.startPasswordReset(ctx, resetID)
}

// startPasswordReset starts the e-mail of reset link resetID without
// waiting for Temporal, so that the answer takes as long whether or not an
// e-mail goes. A failed start is logged.
func (s *Service) startPasswordReset(ctx context.Context, resetID int64) {
	workflows.StartDetached(ctx, s.Temporal, s.Log, "password reset e-mail not started", "reset_id", resetID,
		func(ctx context.Context, c client.Client) error {
			_, err := workflows.StartPasswordReset(ctx, c, s.TaskQueue, resetID)
			return err
		})
}

// PasswordResetLink tells whose a live reset link is; a link that does not
// work is ErrLinkUnknown, ErrLinkUsed or ErrLinkExpired, whose-ever it was.
func (s *Service) PasswordResetLink(ctx context.Context, token string) (models.User, error) {
	return store.CheckPasswordReset(ctx, s.DB, token, s.Now())
}

// ResetPassword sets a new password through a reset link and uses the link
// up; every session of the user ends, and their other reset links. A
// password too weak is a keyed refusal and leaves the link usable.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (models.User, error) {
	u, err := store.UsePasswordReset(ctx, s.DB, token, password, s.Now())
	if err == nil {
		s.Log.InfoContext(ctx, "password reset through a link; every session ended", "user_id", u.ID)
	}
	return u, err
}

// ChangePassword sets u's new password when current is their password,
// ends u's other sessions and keeps the one of sessionToken. A wrong
// current password counts as a failed login (ErrThrottled after too many)
// and is refused on the field current_password; a new password too weak
// is a keyed refusal.
func (s *Service) ChangePassword(ctx context.Context, u models.User, sessionToken, current, password string) error {
	now := s.Now()
	if failures, err := s.throttle(ctx, u.Email, now); err != nil {
		if errors.Is(err, ErrThrottled) {
			s.Log.WarnContext(ctx, "password change throttled", "user_id", u.ID, "failures", failures)
		}
		return err
	}
	// The hash as it is now, not as the session's lookup read it.
	var stored models.User
	if err := s.DB.WithContext(ctx).First(&stored, u.ID).Error; err != nil {
		return err
	}
	if ok, _ := models.VerifyPassword(stored.PasswordHash, current); !ok {
		if err := store.RecordLoginAttempt(ctx, s.DB, u.Email, false, now); err != nil {
			return err
		}
		return models.RefuseField("current_password", "error.password.wrongcurrent")
	}
	if err := store.ChangePassword(ctx, s.DB, stored, sessionToken, password, now); err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "password changed; other sessions ended", "user_id", u.ID)
	return nil
}
