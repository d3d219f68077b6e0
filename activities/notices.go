package activities

import (
	"context"
	"fmt"
	"strconv"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
)

// NotifyPartySecretaries tells the secretaries of a slot's party, by
// e-mail, that the slot is open again after its lifecycle ended without a
// confirmation. The notice names the slot, never the person. Each
// secretary's notice is a message of its own, made once, so a retry sends
// nobody a second one.
func (a *Activities) NotifyPartySecretaries(ctx context.Context, assignmentID int64, workflowID string) error {
	f, err := store.LoadLifecycle(ctx, a.DB, assignmentID)
	if err != nil {
		return err
	}
	secretaries, err := store.SecretariesOf(ctx, a.DB, f.Assignment.PartyID, f.Assignment.StationID)
	if err != nil || len(secretaries) == 0 {
		return err
	}
	db := a.DB.WithContext(ctx)
	var st models.PollingStation
	if err := db.First(&st, f.Assignment.StationID).Error; err != nil {
		return err
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		return err
	}
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, models.KindReplacementNotice, string(models.ChannelEmail), &f.Election.ID, &f.TaskType.ID)
	if err != nil {
		return err
	}
	now := a.now()
	for _, u := range secretaries {
		msg, err := store.PrepareMessage(ctx, a.DB, models.Message{DedupeKey: workflowID + "/replacement-notice/user-" + strconv.FormatInt(u.ID, 10),
			Kind: models.KindReplacementNotice, AssignmentID: &f.Assignment.ID, ElectionID: &f.Election.ID}, now)
		if err != nil {
			return err
		}
		if msg.Status != models.MessagePending {
			continue // sent, or failed for good, by an earlier attempt
		}
		if a.Mail == nil {
			if err := store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, models.ChannelEmail, ErrMailNotConfigured.Error(), now); err != nil {
				return err
			}
			a.Metrics.Message(string(models.ChannelEmail), msg.Kind, metrics.Failed)
			continue
		}
		values := models.WithSite(map[string]string{
			"user:name":     u.Name,
			"election:name": f.Election.Title,
			"task:name":     f.TaskType.Name,
			"task:date":     models.DanishLongDate(f.Assignment.Day),
			"station:name":  st.Name,
			"overview:link": fmt.Sprintf("%s/oversigt?valg=%d", a.BaseURL, f.Election.ID),
		}, m)
		subject, text, html, err := renderEmail(subjectSrc, bodySrc, models.ReplacementNoticeFields, values)
		if err != nil {
			if err := store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, models.ChannelEmail, "template: "+err.Error(), now); err != nil {
				return err
			}
			a.Metrics.Message(string(models.ChannelEmail), msg.Kind, metrics.Failed)
			continue
		}
		id := fmt.Sprintf("<%s@%s>", msg.ID, a.mailDomain())
		err = a.Mail.Send(ctx, mail.Message{FromName: m.EmailSender(), To: u.Email, ToName: u.Name, Subject: subject, Text: text, HTML: html, MessageID: id})
		status, detail := models.MessageSent, ""
		switch {
		case mail.IsPermanent(err):
			status, detail = models.MessageFailed, err.Error()
		case err != nil:
			a.Metrics.Message(string(models.ChannelEmail), msg.Kind, metrics.Retried)
			return err
		}
		if err := store.RecordAttempt(ctx, a.DB, msg.ID, models.ChannelEmail, status, id, detail, now); err != nil {
			return err
		}
		outcome := metrics.Sent
		if status == models.MessageFailed {
			outcome = metrics.Failed
		}
		a.Metrics.Message(string(models.ChannelEmail), msg.Kind, outcome)
	}
	return nil
}
