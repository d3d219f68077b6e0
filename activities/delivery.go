package activities

import (
	"context"
	"errors"
	"fmt"
	gohtml "html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
)

// Delivery of one message over the channels that can reach the person:
// PlanMessage picks them, best first (models.ChannelOrder), and the workflow
// runs DeliverMessage on each in turn until one carries the message. SMS
// deliveries run on a task queue of their own, whose rate the server
// limits for every worker together (the provider's rate).
//
// Every attempt sends with the message's id, made once: the Digital Post
// messageUUID, the SMS idempotency key, the e-mail Message-ID. A retried
// activity therefore never reaches the person twice.

// DigitalPostSender sends a MeMo letter; *digitalpost.Client is the real one.
type DigitalPostSender interface {
	Send(ctx context.Context, l digitalpost.Letter) (digitalpost.Receipt, error)
}

// SMSSender sends an SMS; *sms.Client is the real one.
type SMSSender interface {
	Send(ctx context.Context, to, body, idempotencyKey string) (sms.Sent, error)
}

// MessagePlan is what PlanMessage decided: the message's id and the
// channels to try, best first. Status is the message's status when it was
// already sent by an earlier run (Channels is then empty).
type MessagePlan struct {
	MessageID string
	Channels  []models.Channel
	Status    models.MessageStatus
	// Tried is how many of Channels the planning activity already tried:
	// it delivers on the first channel itself unless that is SMS (which
	// waits for its rate-limited queue), saving an activity per message.
	Tried int
}

// Delivery asks DeliverMessage to carry one message on one channel.
type Delivery struct {
	MessageID string
	Channel   models.Channel
}

// DeliveryOutcome is how one channel went: sent, or failed for good on
// this channel (the next one is tried). A failure worth retrying is an
// error instead, and Temporal retries it.
type DeliveryOutcome struct {
	Status models.MessageStatus
	Detail string // why the channel failed; never personal data
}

// PlanMessage makes (or finds) the message a lifecycle asks for and picks
// the channels that can reach the person.
func (a *Activities) PlanMessage(ctx context.Context, in LifecycleMessage) (MessagePlan, error) {
	f, err := store.LoadLifecycle(ctx, a.DB, in.AssignmentID)
	if errors.Is(err, models.ErrNotFound) {
		return MessagePlan{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("assignment %d does not exist", in.AssignmentID), "NotFound", nil)
	} else if err != nil {
		return MessagePlan{}, err
	}
	now := a.now()
	msg, err := store.PrepareMessage(ctx, a.DB, models.Message{DedupeKey: in.WorkflowID + "/" + in.Key, Kind: in.Kind,
		AssignmentID: &f.Assignment.ID, ParticipantID: &f.Assignment.ParticipantID, ElectionID: &f.Election.ID}, now)
	if err != nil {
		return MessagePlan{}, err
	}
	if asks(in.Kind) && msg.Status != models.MessageSent && msg.Status != models.MessageDelivered {
		// Off the party's list (they asked, or the party took them off) and
		// the retraction of this invitation has not got through yet: the
		// party does not ask them again, whatever the lifecycle wants.
		r, err := store.OpenRemovalOf(ctx, a.DB, f.Assignment.ParticipantID, f.Assignment.PartyID)
		if err != nil {
			return MessagePlan{}, err
		}
		if r.Open() {
			if err := store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, "", "not sent: the person is off the party's list", now); err != nil {
				return MessagePlan{}, err
			}
			a.Metrics.Message(metrics.NoChannel, msg.Kind, metrics.Undeliverable)
			return MessagePlan{MessageID: msg.ID, Status: models.MessageFailed}, nil
		}
	}
	return a.planFor(ctx, msg, f.Assignment.ParticipantID)
}

// asks tells the messages that ask a person to serve: a party that has
// taken the person off its list, or been asked to, sends none of them.
func asks(kind string) bool {
	return kind == models.KindInvitation || kind == models.KindInvitationReminder
}

// planFor picks the channels for a prepared message to a participant.
func (a *Activities) planFor(ctx context.Context, msg models.Message, participantID int64) (MessagePlan, error) {
	plan := MessagePlan{MessageID: msg.ID, Status: msg.Status}
	if msg.Status == models.MessageSent || msg.Status == models.MessageDelivered {
		return plan, nil // carried by an earlier run
	}
	// The contact data of the assignment's party, or the person's own.
	p, err := store.RecipientOf(ctx, a.DB, participantID, msg.AssignmentID)
	if err != nil {
		return plan, err
	}
	reach, err := a.reachOf(ctx, p)
	if err != nil {
		return plan, err
	}
	plan.Channels = models.ChannelOrder(msg.Kind, reach)
	if len(plan.Channels) == 0 {
		plan.Status = models.MessageFailed
		if err := store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, "", "no channel reaches the person", a.now()); err != nil {
			return plan, err
		}
		a.Metrics.Message(metrics.NoChannel, msg.Kind, metrics.Undeliverable)
		return plan, nil
	}
	// The channels before SMS are tried here, in order, so the common
	// case (and a refusal falling through, e.g. exempt from Digital Post)
	// costs the workflow one activity; SMS waits on its own rate-limited
	// queue (workflows.SMSTaskQueue).
	for _, ch := range plan.Channels {
		if ch == models.ChannelSMS {
			break
		}
		out, err := a.DeliverMessage(ctx, Delivery{MessageID: msg.ID, Channel: ch})
		if retryDelay(err) > 0 {
			// The provider asked for a wait: planning is retried after it
			// (it is idempotent), rather than the workflow delivering at once.
			return plan, err
		}
		if err != nil {
			// Transient: the workflow delivers on this channel with
			// Temporal's retries; the plan itself stands.
			activity.GetLogger(ctx).Warn("delivery attempt failed; the workflow retries it", "channel", ch, "error", err)
			return plan, nil
		}
		plan.Tried, plan.Status = plan.Tried+1, out.Status
		if out.Status == models.MessageSent {
			break
		}
	}
	return plan, nil
}

// ReplanMessage picks the channels for a message again, for staff's retry
// of a message that failed: the person's address or preference may have
// changed since.
func (a *Activities) ReplanMessage(ctx context.Context, messageID string) (MessagePlan, error) {
	msg, err := store.MessageByID(ctx, a.DB, messageID)
	if err != nil {
		return MessagePlan{}, err
	}
	if msg.ParticipantID == nil {
		return MessagePlan{}, temporal.NewNonRetryableApplicationError("message "+messageID+" has no recipient", "BadMessage", nil)
	}
	return a.planFor(ctx, msg, *msg.ParticipantID)
}

// reachOf says which configured channels can reach a person.
func (a *Activities) reachOf(ctx context.Context, p models.Participant) (models.Reach, error) {
	r := models.Reach{Preferred: p.PreferredChannel,
		DigitalPost: a.DigitalPost != nil && !p.DigitalPostExempt && p.CPR.Reveal() != "",
		Email:       a.Mail != nil && p.Email.Reveal() != "",
		SMS:         a.SMS != nil && p.Mobile.Reveal() != ""}
	if r.SMS && p.MobileIndex != nil {
		out, err := store.SMSOptedOut(ctx, a.DB, *p.MobileIndex)
		if err != nil {
			return r, err
		}
		r.SMS = !out
	}
	return r, nil
}

// GiveUpMessage marks a message that no channel could carry as failed, so
// it shows in the overview with a way to retry.
func (a *Activities) GiveUpMessage(ctx context.Context, messageID string) error {
	m, err := store.MessageByID(ctx, a.DB, messageID)
	if err != nil || m.Status != models.MessagePending && m.Status != models.MessageFailed {
		return err
	}
	if err := store.MarkMessage(ctx, a.DB, messageID, models.MessageFailed, models.Channel(m.Channel), "no channel could deliver the message: "+m.Error, a.now()); err != nil {
		return err
	}
	a.Metrics.Message(metrics.NoChannel, m.Kind, metrics.Undeliverable)
	return nil
}

// rendered is a message filled in for one channel and one person.
type rendered struct {
	subject, text, html string
	to, toName          string // address, number or CPR number, by channel
	// emailFrom and letterFrom name the sender of an e-mail and of a
	// Digital Post letter (the municipality's settings).
	emailFrom, letterFrom string
}

// DeliverMessage carries a message on one channel.
func (a *Activities) DeliverMessage(ctx context.Context, d Delivery) (DeliveryOutcome, error) {
	msg, err := store.MessageByID(ctx, a.DB, d.MessageID)
	if err != nil {
		return DeliveryOutcome{}, err
	}
	if msg.Status == models.MessageSent || msg.Status == models.MessageDelivered {
		return DeliveryOutcome{Status: models.MessageSent}, nil // an earlier attempt got through
	}
	now := a.now()
	// Each outcome is counted once its record is written: a retry of an
	// activity whose write failed counts it then, not twice.
	failed := func(detail string) (DeliveryOutcome, error) {
		if err := store.RecordAttempt(ctx, a.DB, msg.ID, d.Channel, models.MessageFailed, "", detail, now); err != nil {
			return DeliveryOutcome{}, err
		}
		a.Metrics.Message(string(d.Channel), msg.Kind, metrics.Failed)
		return DeliveryOutcome{Status: models.MessageFailed, Detail: detail}, nil
	}
	r, err := a.render(ctx, msg, d.Channel)
	var tmplErr *templateError
	if errors.As(err, &tmplErr) {
		return failed(tmplErr.Error())
	} else if err != nil {
		return DeliveryOutcome{}, err
	}
	providerID, receipt, err := a.sendOn(ctx, msg, d.Channel, r)
	if permanent(err) {
		if err := a.afterRefusal(ctx, msg, d.Channel, err); err != nil {
			return DeliveryOutcome{}, err
		}
		return failed(err.Error())
	} else if err != nil {
		a.Metrics.Message(string(d.Channel), msg.Kind, metrics.Retried)
		return DeliveryOutcome{}, honourRetryAfter(err)
	}
	// The send, the provider's receipt and the audit entry are one write:
	// SQLite has one writer at a time, and a round makes thousands.
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.RecordAttempt(ctx, tx, msg.ID, d.Channel, models.MessageSent, providerID, "", now); err != nil {
			return err
		}
		if receipt != "" {
			// Digital Post's receipt (RECEIVED, or COMPLETED at once) joins the history.
			if _, err := store.RecordProviderStatus(ctx, tx, providerID, "", receipt, "", now); err != nil {
				return err
			}
		}
		return store.Audit(tx, models.AuditEntry{At: now, Action: models.AuditMessageSent, ParticipantID: msg.ParticipantID,
			// No message id: a UUID may look like a CPR number to the audit log's guard.
			Detail: fmt.Sprintf("%s by %s", msg.Kind, d.Channel)})
	})
	if err != nil {
		return DeliveryOutcome{}, err
	}
	a.Metrics.Message(string(d.Channel), msg.Kind, metrics.Sent)
	return DeliveryOutcome{Status: models.MessageSent}, nil
}

// sendOn hands the rendered message to the channel's provider and returns
// the provider's id for it and, where the provider answers with one, its
// receipt status.
func (a *Activities) sendOn(ctx context.Context, msg models.Message, ch models.Channel, r rendered) (id, receipt string, err error) {
	switch ch {
	case models.ChannelDigitalPost:
		if a.DigitalPost == nil {
			return "", "", errNotConfigured(ch)
		}
		rc, err := a.DigitalPost.Send(ctx, digitalPostLetter(msg.ID, r, a.now()))
		return rc.MessageUUID, rc.Status, err
	case models.ChannelEmail:
		if a.Mail == nil {
			return "", "", errNotConfigured(ch)
		}
		id := fmt.Sprintf("<%s@%s>", msg.ID, a.mailDomain())
		return id, "", a.Mail.Send(ctx, mail.Message{FromName: r.emailFrom, To: r.to, ToName: r.toName, Subject: r.subject, Text: r.text, HTML: r.html, MessageID: id})
	case models.ChannelSMS:
		if a.SMS == nil {
			return "", "", errNotConfigured(ch)
		}
		if err := sms.CheckBody(r.text); err != nil {
			return "", "", permanentError{err}
		}
		sent, err := a.SMS.Send(ctx, r.to, r.text, msg.ID)
		return sent.SID, "", err
	}
	return "", "", permanentError{fmt.Errorf("unknown channel %q", ch)}
}

// afterRefusal mirrors what a permanent refusal says about the person, so
// the next message skips the channel at once: Digital Post refused them
// (exempt), or their number opted out of SMS.
func (a *Activities) afterRefusal(ctx context.Context, msg models.Message, ch models.Channel, err error) error {
	if msg.ParticipantID == nil {
		return nil
	}
	var dpErr *digitalpost.Error
	var smsErr *sms.Error
	switch {
	case ch == models.ChannelDigitalPost && errors.As(err, &dpErr) && dpErr.ReceiptStatus == digitalpost.StatusNotAllowed:
		return store.MarkDigitalPostExempt(ctx, a.DB, *msg.ParticipantID)
	case ch == models.ChannelSMS && errors.As(err, &smsErr) && smsErr.Code == sms.CodeOptedOut:
		// The number the SMS went to: the party's typed one or the person's.
		p, err := store.RecipientOf(ctx, a.DB, *msg.ParticipantID, msg.AssignmentID)
		if err != nil || p.MobileIndex == nil {
			return err
		}
		return store.OptOutSMS(ctx, a.DB, *p.MobileIndex, a.now())
	}
	return nil
}

// honourRetryAfter makes Temporal's next retry of a send wait at least as
// long as the provider asked (Digital Post's Retry-After on 429 or 503): the
// client has used up its own retries, or the wait is longer than it takes
// on itself.
func honourRetryAfter(err error) error {
	var dpErr *digitalpost.Error
	if !errors.As(err, &dpErr) || dpErr.RetryAfter <= 0 {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), "RetryAfter",
		temporal.ApplicationErrorOptions{NextRetryDelay: dpErr.RetryAfter, Cause: err})
}

// retryDelay is the wait a provider asked for before a retry, 0 for none.
func retryDelay(err error) time.Duration {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.NextRetryDelay()
	}
	return 0
}

// permanentError is a refusal that no retry will change.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

func errNotConfigured(ch models.Channel) error {
	return permanentError{fmt.Errorf("the worker does not send by %s", ch)}
}

// permanent reports whether a send failed for good on its channel.
func permanent(err error) bool {
	var pe permanentError
	return err != nil && (errors.As(err, &pe) || digitalpost.IsPermanent(err) || sms.IsPermanent(err) || mail.IsPermanent(err))
}

// templateError: the message's template does not render (a field without a
// value, a text saved before a rule was added). No retry mends it.
type templateError struct{ err error }

func (e *templateError) Error() string { return "template: " + e.err.Error() }

// render fills in the message's template for a channel and finds the
// person's address on it.
func (a *Activities) render(ctx context.Context, msg models.Message, ch models.Channel) (rendered, error) {
	// The municipality is read once a message: its name and contact
	// details fill the text, its sender names the envelope.
	m, err := store.MunicipalityOf(ctx, a.DB)
	if err != nil {
		return rendered{}, err
	}
	r, err := a.renderText(ctx, msg, ch, m)
	r.emailFrom, r.letterFrom = m.EmailSender(), m.DigitalPostSender()
	return r, err
}

// renderText renders a message's subject and text for the channel.
func (a *Activities) renderText(ctx context.Context, msg models.Message, ch models.Channel, m models.Municipality) (rendered, error) {
	if msg.GroupMessageID != nil {
		return a.renderGroup(ctx, msg, ch, m)
	}
	if msg.AssignmentID == nil || msg.ParticipantID == nil {
		return rendered{}, temporal.NewNonRetryableApplicationError("message "+msg.ID+" has no assignment", "BadMessage", nil)
	}
	f, err := store.LoadLifecycle(ctx, a.DB, *msg.AssignmentID)
	if err != nil {
		return rendered{}, err
	}
	if a.Keys == nil {
		return rendered{}, temporal.NewNonRetryableApplicationError("the worker has no keys (VALGHALLA_ENCRYPTION_KEYS)", "NoKeys", nil)
	}
	token := a.answerToken(f.Assignment.WorkflowID)
	code := smsCode(token)
	if err := store.SaveAnswerToken(ctx, a.DB, f.Assignment.ID, token, code, a.now()); err != nil {
		return rendered{}, err
	}
	values, p, err := a.messageValues(ctx, f, m, token, code)
	if err != nil {
		return rendered{}, err
	}
	// The address is the assignment's party's typed one when it has one
	// (models.PartyMembership), otherwise the person's own.
	if p, err = store.RecipientOf(ctx, a.DB, p.ID, msg.AssignmentID); err != nil {
		return rendered{}, err
	}
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, msg.Kind, string(ch), &f.Election.ID, &f.TaskType.ID)
	if errors.Is(err, store.ErrUnknownTemplate) {
		return rendered{}, &templateError{err}
	} else if err != nil {
		return rendered{}, err
	}
	r, err := renderFor(ch, subjectSrc, bodySrc, models.LifecycleFields, values, p)
	if err != nil || ch == models.ChannelDigitalPost {
		return r, err
	}
	// A template's own words could still name the party that nominated
	// the person; that goes by Digital Post only (DOMAIN.md, "E-mail").
	var party models.Party
	if err := a.DB.WithContext(ctx).First(&party, f.Assignment.PartyID).Error; err != nil {
		return r, err
	}
	if party.Kind == models.CouncilGroup && mentions(r.subject+"\n"+r.text, party.Name) {
		return r, &templateError{fmt.Errorf("the text names the person's party; a party goes by Digital Post only, never by %s", ch)}
	}
	return r, nil
}

// mentions reports whether text holds name as a word of its own, in any
// case and in the genitive ("Venstre", "Venstres", but not "venstrehåndet").
func mentions(text, name string) bool {
	text, name = strings.ToLower(text), strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if after == 's' { // the genitive: "Venstres kandidat"
			after, _ = utf8.DecodeRuneInString(text[end+1:])
		}
		if !unicode.IsLetter(before) && !unicode.IsLetter(after) {
			return true
		}
		i = start + 1
	}
}

// renderFor renders a template for a channel and picks the person's address
// on it. A channel the person cannot be reached on is a permanent failure.
func renderFor(ch models.Channel, subjectSrc, bodySrc string, fields []string, values map[string]string, p models.Participant) (rendered, error) {
	r := rendered{toName: p.Name}
	var err error
	switch ch {
	case models.ChannelEmail:
		r.to = p.Email.Reveal()
		r.subject, r.text, r.html, err = renderMessage(ch, subjectSrc, bodySrc, fields, values)
	case models.ChannelDigitalPost:
		r.to = p.CPR.Reveal()
		r.subject, r.text, r.html, err = renderMessage(ch, subjectSrc, bodySrc, fields, values)
	case models.ChannelSMS:
		r.to = p.Mobile.Reveal()
		r.text, err = renderSMS(bodySrc, fields, values)
	}
	if err != nil {
		return r, &templateError{err}
	}
	if r.to == "" {
		return r, &templateError{fmt.Errorf("the person has no address for %s", ch)}
	}
	return r, nil
}

// renderSMS fills in an SMS body; fields that carry a CPR number or a party
// never go by SMS.
func renderSMS(bodySrc string, fields []string, values map[string]string) (string, error) {
	bt, err := models.ParseTemplate(bodySrc, fields)
	if err != nil {
		return "", err
	}
	if err := models.CheckChannelFields(bt, "sms"); err != nil {
		return "", err
	}
	return bt.Render(values, models.PlainText)
}

// digitalPostLetter is the Digital Post letter of a message rendered for
// the channel: its id is the letter's messageUUID; the sender's CVR number
// comes from the client's configuration.
func digitalPostLetter(id string, r rendered, now time.Time) digitalpost.Letter {
	return digitalpost.Letter{MessageUUID: id, RecipientCPR: r.to, SenderLabel: r.letterFrom, Label: r.subject,
		HTML: letterHTML(r.subject, r.html), Created: now}
}

// letterHTML wraps a letter's body in the HTML document Digital Post shows.
func letterHTML(title, body string) string {
	return `<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>` + gohtml.EscapeString(title) +
		"</title></head><body>\n" + body + "\n</body></html>"
}

// smsCode is the short code an SMS invitation carries: four digits from
// the answer token, so every retry prints the same code.
func smsCode(token string) string {
	var n uint32
	for i := 0; i < 8 && i < len(token); i++ {
		n = n<<4 | uint32(hexVal(token[i]))
	}
	return fmt.Sprintf("%04d", n%9000+1000)
}

func hexVal(b byte) byte {
	switch {
	case b >= '0' && b <= '9':
		return b - '0'
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10
	}
	return 0
}
