package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
)

// SendMinSideLink sends the one-time Min side login link linkID
// (store.CreateVolunteerLoginLinks) to the address it was asked for, by
// e-mail or SMS. The token is made here, as SendPasswordReset makes its
// own, so it never enters the workflow's history; a retry makes a fresh
// token (the earlier one stops working). A link used or expired meanwhile
// is not sent. The send is audited by the person's id only.
func (a *Activities) SendMinSideLink(ctx context.Context, linkID int64) error {
	now := a.now()
	token, channel, to, err := store.IssueVolunteerLoginToken(ctx, a.DB, linkID, now)
	switch {
	case errors.Is(err, store.ErrLinkUsed), errors.Is(err, store.ErrLinkExpired), errors.Is(err, store.ErrLinkUnknown):
		return nil // nothing left to send
	case err != nil:
		return err
	}
	link := models.MinSideLinkURL(a.BaseURL, token)
	id := activity.GetInfo(ctx).WorkflowExecution.ID
	switch channel {
	case models.ChannelEmail:
		if a.Mail == nil {
			return temporal.NewNonRetryableApplicationError(ErrMailNotConfigured.Error(), "MailNotConfigured", nil)
		}
		var m models.Municipality
		if err := a.DB.WithContext(ctx).First(&m).Error; err != nil {
			return err
		}
		msg := mail.Message{FromName: m.EmailSender(), To: to, Subject: models.MinSideLinkEmailSubject,
			Text: fmt.Sprintf(models.MinSideLinkEmailText, link, link), MessageID: fmt.Sprintf("<%s@%s>", id, a.mailDomain())}
		if err := a.Mail.Send(ctx, msg); err != nil {
			if mail.IsPermanent(err) {
				return temporal.NewNonRetryableApplicationError(err.Error(), "MailRejected", nil)
			}
			return err
		}
	case models.ChannelSMS:
		if a.SMS == nil {
			return temporal.NewNonRetryableApplicationError(errNotConfigured(channel).Error(), "SMSNotConfigured", nil)
		}
		text := fmt.Sprintf(models.MinSideLinkSMSText, link)
		if err := sms.CheckBody(text); err != nil {
			return temporal.NewNonRetryableApplicationError(err.Error(), "SMSBody", nil)
		}
		if _, err := a.SMS.Send(ctx, to, text, id); err != nil {
			if sms.IsPermanent(err) {
				return temporal.NewNonRetryableApplicationError(err.Error(), "SMSRejected", nil)
			}
			return err
		}
	default:
		return temporal.NewNonRetryableApplicationError("unknown channel "+string(channel), "Channel", nil)
	}
	var l models.VolunteerLoginLink
	if err := a.DB.WithContext(ctx).First(&l, linkID).Error; err != nil {
		return err
	}
	return store.Audit(a.DB.WithContext(ctx), models.AuditEntry{At: now, Action: models.AuditMessageSent, ParticipantID: &l.ParticipantID,
		Detail: fmt.Sprintf("Min side login link by %s", channel)})
}
