package activities

import (
	"context"
	"errors"
	"fmt"
	gohtml "html"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows/payload"
)

// LifecyclePlan is what a lifecycle workflow learns when it begins: ids,
// states and instants, never personal data.
type LifecyclePlan struct {
	// Active: only an active election sends anything. A lifecycle of an
	// inactive election ends at once and leaves the person nominated.
	Active   bool
	State    models.AssignmentState
	Schedule models.LifecycleSchedule
}

// BeginLifecycle marks a nominated person invited and returns the plan of
// their lifecycle. Run again, it returns the same plan.
func (a *Activities) BeginLifecycle(ctx context.Context, assignmentID int64) (LifecyclePlan, error) {
	return a.beginLifecycle(ctx, assignmentID, models.StateInvited, store.MarkInvited)
}

// BeginConfirmedLifecycle marks a nominated person who took the slot
// themselves (a claim sign-up link) confirmed, with no invitation, and
// returns the plan of their lifecycle. Run again, it returns the same plan.
func (a *Activities) BeginConfirmedLifecycle(ctx context.Context, assignmentID int64) (LifecyclePlan, error) {
	return a.beginLifecycle(ctx, assignmentID, models.StateConfirmed, store.MarkConfirmed)
}

// beginLifecycle moves a nominated person to state with mark; a person
// already in state gets the same plan again, anyone else is left as they
// are.
func (a *Activities) beginLifecycle(ctx context.Context, assignmentID int64, state models.AssignmentState,
	mark func(context.Context, *gorm.DB, store.LifecycleFacts, time.Time) (models.LifecycleSchedule, error)) (LifecyclePlan, error) {
	f, err := store.LoadLifecycle(ctx, a.DB, assignmentID)
	if errors.Is(err, models.ErrNotFound) {
		return LifecyclePlan{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("assignment %d does not exist", assignmentID), "NotFound", nil)
	} else if err != nil {
		return LifecyclePlan{}, err
	}
	p := LifecyclePlan{Active: f.Election.State == models.ElectionActive, State: f.Assignment.State}
	if !p.Active || (p.State != models.StateNominated && p.State != state) {
		return p, nil
	}
	if p.Schedule, err = mark(ctx, a.DB, f, a.now()); err != nil {
		return p, err
	}
	if a.CompressTime > 1 {
		p.Schedule = p.Schedule.Compressed(a.CompressTime)
	}
	p.State = state
	return p, nil
}

// RecordTransitions writes lifecycle steps, in order, to the database
// projection.
func (a *Activities) RecordTransitions(ctx context.Context, ts []payload.Transition) error {
	for _, t := range ts {
		var err error
		if t.Attendance != models.AttendanceUnknown {
			if err = store.RecordAttendance(ctx, a.DB, t.AssignmentID, t.Attendance, t.By, a.now()); err != nil {
				return err
			}
			if t.To == "" {
				continue
			}
		}
		if t.Reminded {
			err = store.RecordReminder(ctx, a.DB, t.AssignmentID, a.now())
		} else {
			var changed bool
			// An answer is counted when its step changes the projection:
			// once, however often the activity is retried.
			if changed, err = store.ApplyTransition(ctx, a.DB, t.AssignmentID, t.To, t.Reason, t.By, a.now()); changed {
				a.countAnswer(t)
			}
		}
		if err == nil && t.To == models.StateDeclined && t.Reason == models.DeclineRemoveMe {
			// "Nej, og fjern mig fra listen": off the party's list with the
			// decline, so nothing of the party's picks the person again
			// (the use case retracts the open invitations).
			if _, err = store.RemoveAtRequest(ctx, a.DB, t.AssignmentID, t.By, a.now()); errors.Is(err, models.ErrNotFound) {
				err = nil
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// countAnswer counts a step that is a person's answer: a yes, a no, or a
// confirmed person's own withdrawal, by the way it came (link, sms, staff —
// never the staff member's id).
func (a *Activities) countAnswer(t payload.Transition) {
	channel, _, _ := strings.Cut(t.By, ":")
	if channel != "link" && channel != "sms" && channel != "staff" {
		return // the deadline, the validation: no answer
	}
	switch t.To {
	case models.StateConfirmed:
		a.Metrics.Answer(channel, "confirmed")
	case models.StateDeclined:
		a.Metrics.Answer(channel, "declined")
	case models.StateCancelled:
		if channel != "staff" { // staff's cancellation is a retraction, not an answer
			a.Metrics.Answer(channel, "withdrawn")
		}
	}
}

// ReopenSlot frees a slot whose lifecycle ended without a confirmation and
// returns the replacement from the reserve list, if one was made.
func (a *Activities) ReopenSlot(ctx context.Context, assignmentID int64) (*payload.LifecycleRef, error) {
	r, err := store.ReopenSlot(ctx, a.DB, assignmentID, a.now())
	if err != nil || r.Next == nil {
		return nil, err
	}
	ref := payload.RefOf(*r.Next)
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

// answerToken is the secret in a person's answer link. It is a keyed hash
// of the lifecycle's id, so every retry of a send makes the same link, and
// nobody without the key can make one.
func (a *Activities) answerToken(workflowID string) string {
	return a.Keys.BlindIndex("answer-link", []byte(workflowID))
}

// AnswerLink is the path of the answer page for a token.
func AnswerLink(token string) string { return "/svar/" + token }

// messageValues fills in the lifecycle merge fields for one person and
// returns the person.
func (a *Activities) messageValues(ctx context.Context, f store.LifecycleFacts, m models.Municipality, token, code string) (map[string]string, models.Participant, error) {
	db := a.DB.WithContext(ctx)
	var p models.Participant
	if err := db.First(&p, f.Assignment.ParticipantID).Error; err != nil {
		return nil, p, err
	}
	var st models.PollingStation
	if err := db.First(&st, f.Assignment.StationID).Error; err != nil {
		return nil, p, err
	}
	deadline := "snarest"
	if f.Assignment.AnswerDeadline != nil {
		deadline = f.Assignment.AnswerDeadline.In(models.Copenhagen).Format("02.01.2006 kl. 15:04")
	}
	taskTime := f.TaskType.StartTime
	if f.TaskType.EndTime != "" {
		taskTime = "kl. " + f.TaskType.StartTime + "–" + f.TaskType.EndTime
	}
	values := models.WithSite(map[string]string{
		"participant:name": p.Name,
		"election:name":    f.Election.Title,
		"task:name":        f.TaskType.Name,
		"task:date":        models.DanishLongDate(f.Assignment.Day),
		"task:time":        orDash(taskTime),
		"station:name":     st.Name,
		"station:address":  fmt.Sprintf("%s, %s %s", st.Address, st.PostalCode, st.City),
		"answer:link":      a.BaseURL + AnswerLink(token),
		"answer:deadline":  deadline,
		"answer:code":      code,
		// The confirmation of a "fjern mig" says the person is off the list.
		models.RemovalField: models.RemovalValue(f.Assignment.DeclineReason),
	}, m)
	return values, p, nil
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
	return renderMessage(models.ChannelEmail, subjectSrc, bodySrc, fields, values)
}

// renderMessage fills in a subject and body for a channel that carries
// both (e-mail, Digital Post): the subject and a plain-text body, and the
// body as HTML. The channel's field rules are checked first (Digital Post
// may carry every field).
func renderMessage(ch models.Channel, subjectSrc, bodySrc string, fields []string, values map[string]string) (subject, text, html string, err error) {
	st, err := models.ParseTemplate(subjectSrc, fields)
	if err != nil {
		return
	}
	bt, err := models.ParseTemplate(bodySrc, fields)
	if err != nil {
		return
	}
	if err = models.CheckChannelFields(bt, string(ch)); err != nil {
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
func (a *Activities) RoundPage(ctx context.Context, roundID, afterID int64, limit int) ([]payload.LifecycleRef, error) {
	as, err := store.RoundPage(ctx, a.DB, roundID, afterID, limit)
	refs := make([]payload.LifecycleRef, len(as))
	for i, asg := range as {
		refs[i] = payload.RefOf(asg)
	}
	return refs, err
}
