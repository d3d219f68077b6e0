package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
)

// Mailer sends one e-mail; *mail.Sender is the real one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// ErrMailNotConfigured: the worker has no SMTP settings.
var ErrMailNotConfigured = errors.New("e-mail is not configured (SMTP_HOST)")

// SendAccountInvitation e-mails a new user a one-time link to choose a
// password. The link is made here, inside the activity, so it never enters
// the workflow's history. A retry makes a fresh link (the older one stops
// working) but keeps the Message-ID, so a repeated e-mail is recognisable.
func (a *Activities) SendAccountInvitation(ctx context.Context, userID int64) error {
	if a.Mail == nil {
		return temporal.NewNonRetryableApplicationError(ErrMailNotConfigured.Error(), "MailNotConfigured", nil)
	}
	var u models.User
	if err := a.DB.WithContext(ctx).First(&u, userID).Error; err != nil {
		return err
	}
	if u.DeactivatedAt != nil {
		// Deactivated after the invitation was started: no link, no mail.
		return nil
	}
	now := a.now()
	token, err := store.CreateAccountLink(ctx, a.DB, u.ID, now)
	if err != nil {
		return err
	}
	return a.sendAccountMail(ctx, u, models.KindAccountInvitation, models.AccountLinkURL(a.BaseURL, token), "account invitation", now)
}

// sendAccountMail e-mails u the message kind (the account invitation or a
// password reset) with its one-time link, and audits it; what names the
// kind in errors and the audit. The administrator's own text is used when
// there is one, else the shipped default.
func (a *Activities) sendAccountMail(ctx context.Context, u models.User, kind, link, what string, now time.Time) error {
	db := a.DB.WithContext(ctx)
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		return err
	}
	values := models.WithSite(map[string]string{
		"user:name":               u.Name,
		"user:one-time-login-url": link,
		"site:login-url":          a.BaseURL + "/login",
	}, m)
	// A database error is worth retrying; a text that does not render is
	// not.
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, kind, "email", nil, nil)
	if err != nil {
		return err
	}
	subject, text, html, err := renderEmail(subjectSrc, bodySrc, models.MessageFields(kind), values)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(what+" template: "+err.Error(), "Template", nil)
	}
	info := activity.GetInfo(ctx)
	msg := mail.Message{FromName: m.EmailSender(), To: u.Email, ToName: u.Name, Subject: subject, Text: text, HTML: html,
		MessageID: fmt.Sprintf("<%s@%s>", info.WorkflowExecution.ID, a.mailDomain())}
	if err := a.Mail.Send(ctx, msg); err != nil {
		if mail.IsPermanent(err) {
			return temporal.NewNonRetryableApplicationError(err.Error(), "MailRejected", nil)
		}
		return err
	}
	return store.Audit(db, models.AuditEntry{At: now, Action: models.AuditMessageSent,
		Detail: fmt.Sprintf("%s e-mail to user %d", what, u.ID)})
}

// mailDomain is the right-hand side of Message-IDs: the site's host.
func (a *Activities) mailDomain() string {
	host := strings.TrimPrefix(strings.TrimPrefix(a.BaseURL, "https://"), "http://")
	if i := strings.IndexAny(host, ":/"); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		return "valghalla.invalid"
	}
	return host
}
