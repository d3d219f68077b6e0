package activities

import (
	"context"
	"errors"
	"fmt"
	gohtml "html"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/activities/mail"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// LifecyclePlan is what a lifecycle workflow learns when it begins: ids,
// states and instants, never personal data.
type LifecyclePlan struct {
	// Active: only an active election sends anything. A lifecycle of an
	// inactive election ends at once and leaves the person nominated.
	Active   bool
	State    models.AssignmentState
	Ref      store.LifecycleRef
	Schedule models.LifecycleSchedule
}

// BeginLifecycle marks a nominated person invited and returns the plan of
// their lifecycle. Run again, it returns the same plan.
func (a *Activities) BeginLifecycle(ctx context.Context, assignmentID int64) (LifecyclePlan, error) {
	f, err := store.LoadLifecycle(ctx, a.DB, assignmentID)
	if errors.Is(err, store.ErrNotFound) {
		return LifecyclePlan{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("assignment %d does not exist", assignmentID), "NotFound", nil)
	} else if err != nil {
		return LifecyclePlan{}, err
	}
	p := LifecyclePlan{Active: f.Election.State == models.ElectionActive, State: f.Assignment.State, Ref: store.RefOf(f.Assignment)}
	if !p.Active || (p.State != models.StateNominated && p.State != models.StateInvited) {
		return p, nil
	}
	if p.Schedule, err = store.MarkInvited(ctx, a.DB, f, a.now()); err != nil {
		return p, err
	}
	if a.CompressTime > 1 {
		p.Schedule = p.Schedule.Compressed(a.CompressTime)
	}
	p.State = models.StateInvited
	return p, nil
}

// RecordTransitions writes lifecycle steps, in order, to the database
// projection.
func (a *Activities) RecordTransitions(ctx context.Context, ts []store.Transition) error {
	for _, t := range ts {
		if err := store.RecordTransition(ctx, a.DB, t, a.now()); err != nil {
			return err
		}
	}
	return nil
}

// ReopenSlot frees a slot whose lifecycle ended without a confirmation and
// returns the replacement from the reserve list, if one was made.
func (a *Activities) ReopenSlot(ctx context.Context, assignmentID int64) (*store.LifecycleRef, error) {
	r, err := store.ReopenSlot(ctx, a.DB, assignmentID, a.now())
	if err != nil || r.Next == nil {
		return nil, err
	}
	ref := store.RefOf(*r.Next)
	return &ref, nil
}

// LifecycleMessage asks for one message of a lifecycle. Key names it within
// the workflow ("invitation", "reminder-2"): the message's id is made the
// first time and reused by every retry.
type LifecycleMessage struct {
	AssignmentID int64
	WorkflowID   string
	Kind         string
	Key          string
}

// MessageOutcome tells the workflow how a send went. A message that cannot
// be sent (no address, rejected) is an outcome, not an error: the lifecycle
// goes on, and the failure shows in the round's progress and the lists.
type MessageOutcome struct {
	Status models.MessageStatus
}

// SendLifecycleMessage sends a lifecycle message by e-mail. (Digital Post
// and SMS join as channels later; the lifecycle does not care which one
// carries a message.)
func (a *Activities) SendLifecycleMessage(ctx context.Context, in LifecycleMessage) (MessageOutcome, error) {
	f, err := store.LoadLifecycle(ctx, a.DB, in.AssignmentID)
	if err != nil {
		return MessageOutcome{}, err
	}
	now := a.now()
	msg, err := store.PrepareMessage(ctx, a.DB, in.WorkflowID+"/"+in.Key, in.Kind, f.Assignment.ID, f.Assignment.ParticipantID, now)
	if err != nil {
		return MessageOutcome{}, err
	}
	if msg.Status != models.MessagePending {
		return MessageOutcome{Status: msg.Status}, nil // sent (or failed for good) by an earlier attempt
	}
	fail := func(reason string) (MessageOutcome, error) {
		return MessageOutcome{Status: models.MessageFailed}, store.MarkMessage(ctx, a.DB, msg.ID, models.MessageFailed, "email", reason, now)
	}
	if a.Mail == nil {
		return fail(ErrMailNotConfigured.Error())
	}
	if a.Keys == nil {
		return MessageOutcome{}, temporal.NewNonRetryableApplicationError("the worker has no keys (VALGHALLA_ENCRYPTION_KEYS)", "NoKeys", nil)
	}
	token := a.answerToken(f.Assignment.WorkflowID)
	if err := store.SaveAnswerToken(ctx, a.DB, f.Assignment.ID, token, now); err != nil {
		return MessageOutcome{}, err
	}
	values, to, name, err := a.messageValues(ctx, f, token)
	if err != nil {
		return MessageOutcome{}, err
	}
	if to == "" {
		return fail("the person has no e-mail address")
	}
	subjectSrc, bodySrc, _, err := store.EffectiveTemplate(ctx, a.DB, in.Kind, "email", &f.Election.ID, &f.TaskType.ID)
	if err != nil {
		return MessageOutcome{}, err
	}
	subject, text, html, err := renderEmail(subjectSrc, bodySrc, models.LifecycleFields, values)
	if err != nil {
		return fail("template: " + err.Error())
	}
	err = a.Mail.Send(ctx, mail.Message{To: to, ToName: name, Subject: subject, Text: text, HTML: html,
		MessageID: fmt.Sprintf("<%s@%s>", msg.ID, a.mailDomain())})
	if mail.IsPermanent(err) {
		return fail(err.Error())
	} else if err != nil {
		return MessageOutcome{}, err
	}
	if err := store.MarkMessage(ctx, a.DB, msg.ID, models.MessageSent, "email", "", now); err != nil {
		return MessageOutcome{}, err
	}
	return MessageOutcome{Status: models.MessageSent}, store.Audit(a.DB.WithContext(ctx), models.AuditEntry{At: now,
		Action: models.AuditMessageSent, ParticipantID: &f.Assignment.ParticipantID,
		Detail: fmt.Sprintf("%s e-mail for assignment %d", in.Kind, f.Assignment.ID)})
}

// answerToken is the secret in a person's answer link. It is a keyed hash
// of the lifecycle's id, so every retry of a send makes the same link, and
// nobody without the key can make one.
func (a *Activities) answerToken(workflowID string) string {
	return a.Keys.BlindIndex("answer-link", []byte(workflowID))
}

// AnswerLink is the path of the answer page for a token.
func AnswerLink(token string) string { return "/svar/" + token }

// messageValues fills in the lifecycle merge fields for one person and
// returns their e-mail address and name.
func (a *Activities) messageValues(ctx context.Context, f store.LifecycleFacts, token string) (map[string]string, string, string, error) {
	db := a.DB.WithContext(ctx)
	var p models.Participant
	if err := db.First(&p, f.Assignment.ParticipantID).Error; err != nil {
		return nil, "", "", err
	}
	var st models.PollingStation
	if err := db.First(&st, f.Assignment.StationID).Error; err != nil {
		return nil, "", "", err
	}
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		return nil, "", "", err
	}
	deadline := "snarest"
	if f.Assignment.AnswerDeadline != nil {
		deadline = f.Assignment.AnswerDeadline.In(models.Copenhagen).Format("02.01.2006 kl. 15:04")
	}
	taskTime := f.TaskType.StartTime
	if f.TaskType.EndTime != "" {
		taskTime = "kl. " + f.TaskType.StartTime + "–" + f.TaskType.EndTime
	}
	values := map[string]string{
		"participant:name": p.Name,
		"site:name":        m.Name,
		"election:name":    f.Election.Title,
		"task:name":        f.TaskType.Name,
		"task:date":        models.DanishLongDate(f.Assignment.Day),
		"task:time":        orDash(taskTime),
		"station:name":     st.Name,
		"station:address":  fmt.Sprintf("%s, %s %s", st.Address, st.PostalCode, st.City),
		"answer:link":      a.BaseURL + AnswerLink(token),
		"answer:deadline":  deadline,
	}
	return values, strings.TrimSpace(p.Email.Reveal()), p.Name, nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// renderEmail fills in a subject and body template for an e-mail. A stored
// template was checked when it was saved; it is checked again here, so a
// text that slipped past is never sent.
func renderEmail(subjectSrc, bodySrc string, fields []string, values map[string]string) (subject, text, html string, err error) {
	st, err := models.ParseTemplate(subjectSrc, fields)
	if err != nil {
		return
	}
	bt, err := models.ParseTemplate(bodySrc, fields)
	if err != nil {
		return
	}
	if err = models.CheckChannelFields(bt, "email"); err != nil {
		return
	}
	if subject, err = st.Render(values, models.PlainText); err != nil {
		return
	}
	if text, err = bt.Render(values, models.PlainText); err != nil {
		return
	}
	html, err = bt.HTML().Render(values, gohtml.EscapeString)
	return
}

// CountRound returns how many people a round has to invite.
func (a *Activities) CountRound(ctx context.Context, roundID int64) (int, error) {
	return store.CountRound(ctx, a.DB, roundID)
}

// RoundPage returns the next page of a round's people to invite.
func (a *Activities) RoundPage(ctx context.Context, roundID, afterID int64, limit int) ([]store.LifecycleRef, error) {
	return store.RoundPage(ctx, a.DB, roundID, afterID, limit)
}
