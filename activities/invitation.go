package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	db := a.DB.WithContext(ctx)
	var u models.User
	if err := db.First(&u, userID).Error; err != nil {
		return err
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		return err
	}
	now := a.now()
	token, err := store.CreateAccountLink(ctx, a.DB, u.ID, now)
	if err != nil {
		return err
	}
	values := models.WithSite(map[string]string{
		"user:name":               u.Name,
		"user:one-time-login-url": models.AccountLinkURL(a.BaseURL, token),
		"site:login-url":          a.BaseURL + "/login",
	}, m)
	// The administrator's own text when there is one, else the shipped
	// default. A database error is worth retrying; a text that does not
	// render is not.
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, models.KindAccountInvitation, "email", nil, nil)
	if err != nil {
		return err
	}
	subject, text, html, err := renderEmail(subjectSrc, bodySrc, models.AccountInvitationFields, values)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("account invitation template: "+err.Error(), "Template", nil)
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
		Detail: fmt.Sprintf("account invitation e-mail to user %d", u.ID)})
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
