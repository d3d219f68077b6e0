package recruit

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Answers go to the person's lifecycle as Updates, which accept them or say
// why not; nothing is written here. There are three ways in — the link in
// the invitation (AnswerByLink), an SMS reply (AnswerSMS) and staff on the
// person's behalf (ActOnAssignment) — and one way on: answer, with one
// timeout and one reading of the lifecycle's refusals.

// Choice is an answer to an invitation, or staff's action on one.
type Choice string

// The choices. Withdraw is the person's own cancellation after a yes;
// Cancel is staff's (they retract an invitation or remove a confirmed
// person), which the lock period does not bind.
const (
	Yes      Choice = "ja"
	No       Choice = "nej"
	RemoveMe Choice = "fjern"
	Withdraw Choice = "afbud"
	Cancel   Choice = "annuller"
)

// answerTimeout bounds the wait for the lifecycle's outcome of an update.
const answerTimeout = 20 * time.Second

// update is the lifecycle update a choice is sent as, with its argument.
func (c Choice) update(by string) (string, any, bool) {
	switch c {
	case Yes:
		return workflows.AnswerUpdate, workflows.Answer{Accept: true, By: by}, true
	case No:
		return workflows.AnswerUpdate, workflows.Answer{Reason: models.DeclineNotThisTime, By: by}, true
	case RemoveMe:
		return workflows.AnswerUpdate, workflows.Answer{Reason: models.DeclineRemoveMe, By: by}, true
	case Withdraw:
		return workflows.WithdrawUpdate, by, true
	case Cancel:
		return workflows.CancelUpdate, workflows.Cancellation{By: by}, true
	}
	return "", nil, false
}

// notInvited is the refusal of a lifecycle that was never started: the
// person is nominated, not invited.
const notInvited = "NotInvited"

// answer sends a choice to the assignment's lifecycle. A refusal is keyed
// error.recruit.answer.<kind> (Conflict); a lifecycle that has closed is
// explained by the assignment's final state; a lifecycle that cannot be
// reached is Unavailable (nothing was recorded).
func (s *Service) answer(ctx context.Context, a models.Assignment, choice Choice, by string) error {
	update, arg, ok := choice.update(by)
	if !ok {
		return refuseField(Invalid, "svar", "error.recruit.answer.choose")
	}
	if s.Temporal == nil {
		return &Refusal{Kind: Unavailable, UserError: models.Refuse("error.recruit.answer.unavailable"),
			cause: errors.New("no Temporal client")}
	}
	uctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	_, err := workflows.UpdateLifecycle(uctx, s.Temporal, a.WorkflowID, update, arg)
	if herr := s.honourRemoveMe(ctx, a, choice, by, err); herr != nil { // removal.go
		return herr
	}
	if err == nil {
		return nil
	}
	kind := workflows.Refusal(err)
	if kind == workflows.RefusedEnded {
		switch a.State {
		case models.StateExpired:
			kind = workflows.RefusedDeadlinePassed
		case models.StateConfirmed, models.StateCompleted:
			kind = workflows.RefusedAlreadyConfirmed
		case models.StateDeclined:
			kind = workflows.RefusedAlreadyDeclined
		case models.StateNominated:
			kind = notInvited
		}
	}
	if kind == "" {
		s.Log.ErrorContext(ctx, "answer not delivered", "assignment_id", a.ID, "by", byKind(by), "error", err)
		return &Refusal{Kind: Unavailable, UserError: models.Refuse("error.recruit.answer.unavailable"), cause: err}
	}
	return &Refusal{Kind: Conflict, UserError: models.Refuse("error.recruit.answer." + kind), cause: err}
}

// byKind is who answered, for the log: link, sms or staff (no id).
func byKind(by string) string {
	kind, _, _ := strings.Cut(by, ":")
	return kind
}

// AnswerRefusal is the lifecycle's refusal kind of an answer's error (one
// of workflows.Refused…, or NotInvited), "" when it is none.
func AnswerRefusal(err error) string {
	if r, ok := AsRefusal(err); ok && r.Kind == Conflict {
		if kind, found := strings.CutPrefix(r.Key, "error.recruit.answer."); found {
			return kind
		}
	}
	return ""
}

// TaskByToken is the task the answer link with this token is about.
func (s *Service) TaskByToken(ctx context.Context, token string) (models.TaskView, error) {
	a, err := store.AssignmentByAnswerToken(ctx, s.DB, token)
	if errors.Is(err, models.ErrNotFound) {
		return models.TaskView{}, refuse(NotFound, "error.recruit.answer.unknown")
	} else if err != nil {
		return models.TaskView{}, err
	}
	return store.TaskOf(ctx, s.DB, a.ID)
}

// AnswerByLink answers the invitation of the answer link with this token:
// yes, no, "remove me", or withdraw after a yes. It returns the task as it
// is after the answer (for a refusal, as it is now).
func (s *Service) AnswerByLink(ctx context.Context, token string, choice Choice) (models.TaskView, error) {
	v, err := s.TaskByToken(ctx, token)
	if err != nil {
		return v, err
	}
	if choice == Cancel {
		return v, refuseField(Invalid, "svar", "error.recruit.answer.choose")
	}
	if err := s.answer(ctx, v.Assignment, choice, "link"); err != nil {
		if AnswerRefusal(err) != "" {
			if now, rerr := store.TaskOf(ctx, s.DB, v.Assignment.ID); rerr == nil {
				v = now
			}
		}
		return v, err
	}
	return v, nil
}

// Task is an assignment as staff see it: the task and the person's name.
type Task struct {
	View models.TaskView
	Name string
}

// AssignmentFor is the task of an assignment the actor may see (staff, or
// a secretary of its party and stations); NotFound otherwise.
func (s *Service) AssignmentFor(ctx context.Context, actor models.User, id int64) (Task, error) {
	v, name, err := store.AssignmentFor(ctx, s.DB, actor, id)
	if err != nil {
		return Task{}, fromStore(err)
	}
	return Task{View: v, Name: name}, nil
}

// ActOnAssignment answers on a person's behalf (phone, letter) — yes, no,
// "remove me" — or cancels their invitation or task. Staff only; the lock
// period does not bind them.
func (s *Service) ActOnAssignment(ctx context.Context, actor models.User, id int64, choice Choice) (Task, error) {
	t, err := s.AssignmentFor(ctx, actor, id)
	if err != nil {
		return t, err
	}
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStaff {
		return t, refuse(Forbidden, "error.recruit.forbidden")
	}
	if choice == Withdraw {
		return t, refuseField(Invalid, "handling", "error.recruit.answer.choose")
	}
	return t, s.answer(ctx, t.View.Assignment, choice, "staff:"+strconv.FormatInt(actor.ID, 10))
}

// SMSReply is the text to answer an SMS with: a key of the catalogs and
// its arguments. SMS replies are in Danish (the numbers are Danish); an
// empty Key is no reply.
type SMSReply struct {
	Key  string
	Args []any
}

func reply(key string, args ...any) SMSReply { return SMSReply{Key: key, Args: args} }

// smsRefusals are the lifecycle's refusals an SMS explains; any other is
// answered as not understood.
var smsRefusals = map[string]bool{
	workflows.RefusedAlreadyConfirmed: true, workflows.RefusedAlreadyDeclined: true, workflows.RefusedDeadlinePassed: true,
	workflows.RefusedEnded: true, workflows.RefusedLockPeriod: true,
}

// AnswerSMS acts on an SMS from a number (E.164): JA or NEJ to its open
// invitation (the same answer as by link), STOP / START, or help. It
// returns the reply to send back; an error is a failure (the reply then
// says to try again: recruit.sms.down).
func (s *Service) AnswerSMS(ctx context.Context, from, body string) (SMSReply, error) {
	r := sms.ParseReply(body)
	mobile := store.MobileIndex(s.Keys, from)
	now := s.now()
	switch r.Answer {
	case sms.OptOut:
		// Twilio answers STOP itself; we mirror it and say nothing more.
		return SMSReply{}, store.OptOutSMS(ctx, s.DB, mobile, now)
	case sms.OptIn:
		return reply("recruit.sms.optin"), store.OptInSMS(ctx, s.DB, mobile)
	case sms.Help:
		return reply("recruit.sms.help"), nil
	case sms.Yes, sms.No:
	default:
		return reply("recruit.sms.unknown"), nil
	}
	// An offer to replace a no-show on the day comes first (answer_day.go).
	if handled, rep, err := s.answerDayOffer(ctx, mobile, r, now); handled || err != nil {
		return rep, err
	}
	open, err := store.OpenInvitationsByMobile(ctx, s.DB, mobile)
	if err != nil {
		return SMSReply{}, err
	}
	inv, why := pickInvitation(open, r.Code)
	if inv == nil {
		return why, nil
	}
	var a models.Assignment
	if err := s.DB.WithContext(ctx).First(&a, inv.AssignmentID).Error; err != nil {
		return SMSReply{}, err
	}
	choice := Yes
	if r.Answer == sms.No {
		choice = No
	}
	err = s.answer(ctx, a, choice, "sms")
	if kind := AnswerRefusal(err); kind != "" {
		if smsRefusals[kind] {
			return reply("recruit.sms." + kind), nil
		}
		return reply("recruit.sms.unknown"), nil
	} else if err != nil {
		return SMSReply{}, err
	}
	day := models.DanishLongDate(inv.Day)
	if choice == Yes {
		return reply("recruit.sms.yes", inv.TaskName, day), nil
	}
	return reply("recruit.sms.no", inv.TaskName, day), nil
}

// pickInvitation finds the invitation a reply is for: the only open one,
// or the one whose code the reply names. Otherwise it returns the reply
// that asks for what is missing.
func pickInvitation(open []store.OpenInvitation, code string) (*store.OpenInvitation, SMSReply) {
	if len(open) == 0 {
		return nil, reply("recruit.sms.noopen")
	}
	if code != "" {
		var found []store.OpenInvitation
		for _, o := range open {
			if strings.EqualFold(o.Code, code) {
				found = append(found, o)
			}
		}
		if len(found) == 1 {
			return &found[0], SMSReply{}
		}
		if len(open) > 1 || len(found) > 1 {
			return nil, reply("recruit.sms.badcode")
		}
		// One open invitation and a code that is not its own: a typo in
		// the code does not stop a clear answer.
	}
	if len(open) > 1 {
		return nil, reply("recruit.sms.whichcode", open[0].Code)
	}
	return &open[0], SMSReply{}
}
