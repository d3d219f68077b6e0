package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// SendPasswordReset e-mails the one-time link of the password reset
// resetID (store.CreatePasswordReset). The token is made here, inside the
// activity, so it never enters the workflow's history; a retry makes a
// fresh token for the same link (the earlier one stops working). A link
// used or expired meanwhile is not sent.
func (a *Activities) SendPasswordReset(ctx context.Context, resetID int64) error {
	if a.Mail == nil {
		return temporal.NewNonRetryableApplicationError(ErrMailNotConfigured.Error(), "MailNotConfigured", nil)
	}
	now := a.now()
	token, u, err := store.IssuePasswordResetToken(ctx, a.DB, resetID, now)
	switch {
	case errors.Is(err, store.ErrLinkUsed), errors.Is(err, store.ErrLinkExpired), errors.Is(err, store.ErrLinkUnknown):
		return nil // nothing left to send
	case err != nil:
		return err
	}
	return a.sendAccountMail(ctx, u, models.KindPasswordReset, models.PasswordResetURL(a.BaseURL, token), "password reset", now)
}
