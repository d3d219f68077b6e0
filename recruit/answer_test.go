package recruit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

var now = time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)

const mobile = "+4520304050"

// lifecycles stands in for Temporal's update API: it records the updates
// sent and answers each with refuse, if set.
type lifecycles struct {
	client.Client
	mu      sync.Mutex
	updates []client.UpdateWorkflowOptions
	signals []string // "workflow id/signal name/argument"
	refuse  error
}

func (l *lifecycles) SignalWorkflow(_ context.Context, workflowID, _, name string, arg any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signals = append(l.signals, fmt.Sprintf("%s/%s/%v", workflowID, name, arg))
	return l.refuse
}

func (l *lifecycles) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.updates = append(l.updates, o)
	if l.refuse != nil {
		return nil, l.refuse
	}
	return done{}, nil
}

type done struct{}

func (done) WorkflowID() string             { return "" }
func (done) RunID() string                  { return "" }
func (done) UpdateID() string               { return "" }
func (done) Get(context.Context, any) error { return nil }

// answering is an active election with one person, reachable on mobile,
// invited to one slot, staff, and the use cases over a recording Temporal.
type answering struct {
	svc      *recruit.Service
	temporal *lifecycles
	invited  models.Assignment
	staff    models.User
}

func newAnswering(t *testing.T) *answering {
	t.Helper()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 1, 1, 1)
	person := e.People[0]
	index := store.MobileIndex(keys, mobile)
	person.Mobile, person.MobileIndex = models.NewSecret(mobile), &index
	if err := db.Save(&person).Error; err != nil {
		t.Fatal(err)
	}
	a := storetest.Nominate(t, db, e.Slots[0], person.ID)
	if err := db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now}).Error; err != nil {
		t.Fatal(err)
	}
	if err := store.SaveAnswerToken(context.Background(), db, a.ID, strings.Repeat("a", 64), "1111", now); err != nil {
		t.Fatal(err)
	}
	db.First(&a, a.ID)
	f := &answering{temporal: &lifecycles{}, invited: a, staff: e.Staff}
	f.svc = recruit.New(recruit.Config{DB: db, Temporal: f.temporal, Keys: keys, Now: func() time.Time { return now }})
	return f
}

func refused(kind string) error { return temporal.NewApplicationError("refused", kind) }

// setState sets the assignment's projected state, as the lifecycle's activity
// does when it ends.
func (f *answering) setState(t *testing.T, st models.AssignmentState) {
	t.Helper()
	f.invited.State = st
	f.svc.DB.Model(&f.invited).Update("state", st)
}

// A late or repeated answer gets a clear keyed refusal, the same by link,
// by staff and by SMS; an unreachable Temporal is Unavailable, nothing
// recorded; an answer that is none of the choices is Invalid.
func TestAnswerRefusalsAreKeyed(t *testing.T) {
	ctx := context.Background()
	f := newAnswering(t)
	token := strings.Repeat("a", 64)

	if _, err := f.svc.AnswerByLink(ctx, token, recruit.Yes); err != nil {
		t.Fatalf("yes by link: %v", err)
	}
	if got := f.temporal.updates[0]; got.WorkflowID != f.invited.WorkflowID || got.UpdateName != workflows.AnswerUpdate ||
		got.Args[0].(workflows.Answer) != (workflows.Answer{Accept: true, By: "link"}) {
		t.Fatalf("update sent: %+v", got)
	}

	cases := []struct {
		name    string
		state   models.AssignmentState
		refuse  error
		kind    recruit.Kind
		key     string
		smsKey  string
		english string
	}{
		{"duplicate yes", models.StateInvited, refused(workflows.RefusedAlreadyConfirmed), recruit.Conflict,
			"error.recruit.answer.AlreadyConfirmed", "recruit.sms.AlreadyConfirmed", "already said yes"},
		{"late: the lifecycle expired and closed", models.StateExpired, serviceerror.NewNotFound("workflow execution already completed"),
			recruit.Conflict, "error.recruit.answer.DeadlinePassed", "recruit.sms.DeadlinePassed", "deadline"},
		{"after a no, closed", models.StateDeclined, serviceerror.NewNotFound("workflow execution already completed"),
			recruit.Conflict, "error.recruit.answer.AlreadyDeclined", "recruit.sms.AlreadyDeclined", "already said no"},
		{"deadline passed, still open", models.StateInvited, refused(workflows.RefusedDeadlinePassed), recruit.Conflict,
			"error.recruit.answer.DeadlinePassed", "recruit.sms.DeadlinePassed", "deadline"},
		{"Temporal unreachable", models.StateInvited, errors.New("connection refused"), recruit.Unavailable,
			"error.recruit.answer.unavailable", "", "could not register"},
	}
	for _, c := range cases {
		f.setState(t, c.state)
		f.temporal.refuse = c.refuse
		check := func(way string, err error) {
			t.Helper()
			r, ok := recruit.AsRefusal(err)
			if !ok || r.Kind != c.kind || r.Key != c.key {
				t.Errorf("%s, %s: %v (%+v), want %v %s", c.name, way, err, r, c.kind, c.key)
				return
			}
			if text := locale.Error(locale.English, err); !strings.Contains(text, c.english) {
				t.Errorf("%s, %s: English %q", c.name, way, text)
			}
		}
		_, err := f.svc.AnswerByLink(ctx, token, recruit.Yes)
		check("link", err)
		_, err = f.svc.ActOnAssignment(ctx, f.staff, f.invited.ID, recruit.No)
		check("staff", err)

		// By SMS the same refusal is the reply (the invitation must look
		// open to be found: the projection says invited).
		if c.state == models.StateInvited {
			reply, err := f.svc.AnswerSMS(ctx, mobile, "JA")
			switch {
			case c.smsKey == "" && err == nil:
				t.Errorf("%s, sms: no error, reply %+v", c.name, reply)
			case c.smsKey != "" && (err != nil || reply.Key != c.smsKey):
				t.Errorf("%s, sms: %+v %v, want %s", c.name, reply, err, c.smsKey)
			}
		}
	}

	f.setState(t, models.StateInvited)
	f.temporal.refuse = nil
	if _, err := f.svc.AnswerByLink(ctx, token, "kanske"); !isRefusal(err, recruit.Invalid, "error.recruit.answer.choose") {
		t.Errorf("no such choice: %v", err)
	}
	if _, err := f.svc.AnswerByLink(ctx, token, recruit.Cancel); !isRefusal(err, recruit.Invalid, "error.recruit.answer.choose") {
		t.Errorf("cancel by link: %v", err)
	}
	if _, err := f.svc.AnswerByLink(ctx, strings.Repeat("b", 64), recruit.Yes); !isRefusal(err, recruit.NotFound, "error.recruit.answer.unknown") {
		t.Errorf("unknown link: %v", err)
	}
	if reply, err := f.svc.AnswerSMS(ctx, mobile, "NEJ 1111"); err != nil || reply.Key != "recruit.sms.no" {
		t.Errorf("no by sms: %+v %v", reply, err)
	}
	if reply, err := f.svc.AnswerSMS(ctx, "+4599999999", "JA"); err != nil || reply.Key != "recruit.sms.noopen" {
		t.Errorf("sms from a stranger: %+v %v", reply, err)
	}
}

func isRefusal(err error, kind recruit.Kind, key string) bool {
	r, ok := recruit.AsRefusal(err)
	return ok && r.Kind == kind && r.Key == key
}
