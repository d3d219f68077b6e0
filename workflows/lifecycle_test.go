package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// outbox records the e-mails the activities send.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) subjects() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s []string
	for _, m := range o.sent {
		s = append(s, m.Subject)
	}
	return s
}

// lifecycleEnv is a test environment with the real activities on SQLite,
// the clock at 1 October 2026 and an election on 3 November 2026.
type lifecycleEnv struct {
	*testsuite.TestWorkflowEnvironment
	db    *gorm.DB
	seed  storetest.Election
	out   *outbox
	acts  *activities.Activities
	start time.Time
}

var electionDay = models.NewDate(2026, 11, 3)

func newLifecycleEnv(t *testing.T) *lifecycleEnv {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	le := &lifecycleEnv{TestWorkflowEnvironment: env, db: db, out: &outbox{},
		start: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	le.seed = storetest.SeedElection(t, db, electionDay, 1, 2, 4)
	env.SetStartTime(le.start)
	env.RegisterWorkflow(workflows.Lifecycle)
	le.acts = &activities.Activities{DB: db, Mail: le.out, Keys: keys, BaseURL: "https://valg.example.dk", Now: env.Now}
	env.RegisterActivity(le.acts)
	return le
}

func (le *lifecycleEnv) nominate(t *testing.T, slot, person int) models.Assignment {
	return storetest.Nominate(t, le.db, le.seed.Slots[slot], le.seed.People[person].ID)
}

func (le *lifecycleEnv) state(t *testing.T, id int64) models.Assignment {
	t.Helper()
	var a models.Assignment
	if err := le.db.First(&a, id).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

// update sends an update after delay and records its outcome.
type outcome struct {
	status workflows.LifecycleStatus
	err    error
	done   bool
}

func (le *lifecycleEnv) update(delay time.Duration, name string, args ...any) *outcome {
	o := &outcome{}
	le.RegisterDelayedCallback(func() {
		le.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { o.err, o.done = err, true },
			OnComplete: func(v any, err error) {
				o.err, o.done = err, true
				if st, ok := v.(workflows.LifecycleStatus); ok {
					o.status = st
				}
			},
		}, args...)
	}, delay)
	return o
}

func yes(by string) workflows.Answer { return workflows.Answer{Accept: true, By: by} }

func TestConfirmedPersonIsRemindedAndCompleted(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	ans := le.update(26*time.Hour, workflows.AnswerUpdate, yes("link"))
	dup := le.update(27*time.Hour, workflows.AnswerUpdate, yes("link"))
	no := le.update(28*time.Hour, workflows.AnswerUpdate, workflows.Answer{Reason: models.DeclineNotThisTime, By: "link"})
	le.recordReplacements()
	le.update(le.onTheDay(electionDay, 6, 50), workflows.CheckInUpdate, checkIn(true, "staff:1"))

	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if ans.err != nil || ans.status.State != models.StateConfirmed {
		t.Fatalf("answer: %+v", ans)
	}
	if workflows.Refusal(dup.err) != workflows.RefusedAlreadyConfirmed || workflows.Refusal(no.err) != workflows.RefusedAlreadyConfirmed {
		t.Fatalf("a second yes got %v, a later no got %v; want AlreadyConfirmed for both", dup.err, no.err)
	}
	got := le.state(t, a.ID)
	if got.State != models.StateCompleted || got.AnsweredBy != "link" || got.InvitedAt == nil {
		t.Fatalf("projection %+v", got)
	}
	want := []string{"Vil du hjælpe til ved Folketingsvalg?", "Tak for din tilmelding til Folketingsvalg",
		"Påmindelse: Folketingsvalg tirsdag den 3. november 2026", "I morgen: Folketingsvalg", "I dag: Folketingsvalg"}
	if s := le.out.subjects(); len(s) != len(want) {
		t.Fatalf("sent %q, want %q", s, want)
	} else {
		for i := range want {
			if s[i] != want[i] {
				t.Errorf("message %d %q, want %q", i, s[i], want[i])
			}
		}
	}
}

func TestUnansweredInvitationIsRemindedExpiresAndIsReplacedFromTheReserveList(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	// Person 1 is on the reserve list for the station, person 2 for the
	// whole municipality: the station's own list comes first.
	st := le.seed.Stations[0].ID
	now := time.Now()
	le.db.Create(&models.Reserve{ElectionID: a.ElectionID, PartyID: a.PartyID, ParticipantID: le.seed.People[2].ID, CreatedAt: now})
	le.db.Create(&models.Reserve{ElectionID: a.ElectionID, PartyID: a.PartyID, StationID: &st, ParticipantID: le.seed.People[1].ID, CreatedAt: now})

	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	got := le.state(t, a.ID)
	if got.State != models.StateExpired || got.RemindersSent != 3 {
		t.Fatalf("projection %+v; want expired after 3 reminders (every 4 days within 14)", got)
	}
	// The replacement (person 2, from the station's own list) does not
	// answer either and is replaced in turn by person 3 (municipality-wide).
	var next, third models.Assignment
	if err := le.db.Where("replaces_id = ?", a.ID).First(&next).Error; err != nil {
		t.Fatalf("no replacement: %v", err)
	}
	if next.ParticipantID != le.seed.People[1].ID || next.SlotID != a.SlotID || next.State != models.StateExpired {
		t.Fatalf("replacement %+v; want person 2 (the station's reserve) on the same slot, expired", next)
	}
	if err := le.db.Where("replaces_id = ?", next.ID).First(&third).Error; err != nil || third.ParticipantID != le.seed.People[2].ID {
		t.Fatalf("second replacement %+v, %v; want person 3", third, err)
	}
	var reserves int64
	le.db.Model(&models.Reserve{}).Count(&reserves)
	if reserves != 0 {
		t.Fatalf("%d reserve entries left, want 0 (used entries are gone)", reserves)
	}
	var notices int64
	le.db.Model(&models.Notice{}).Where("assignment_id = ?", a.ID).Count(&notices)
	if notices != 1 {
		t.Fatalf("%d notices about the reopened slot, want 1", notices)
	}
}

func TestAnswerRacingTheDeadline(t *testing.T) {
	for _, c := range []struct {
		name   string
		at     time.Duration
		refuse string
	}{
		{"a second before", 14*24*time.Hour - time.Second, ""},
		{"at the deadline", 14 * 24 * time.Hour, workflows.RefusedDeadlinePassed},
	} {
		t.Run(c.name, func(t *testing.T) {
			le := newLifecycleEnv(t)
			a := le.nominate(t, 0, 0)
			ans := le.update(c.at, workflows.AnswerUpdate, yes("link"))
			le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
			if err := le.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if got := workflows.Refusal(ans.err); got != c.refuse || !ans.done {
				t.Fatalf("answer %s: refusal %q (%v), want %q", c.name, got, ans.err, c.refuse)
			}
			want := models.StateNoShow // confirmed, and nobody checked them in on the day
			if c.refuse != "" {
				want = models.StateExpired
			}
			if got := le.state(t, a.ID).State; got != want {
				t.Fatalf("state %s, want %s", got, want)
			}
		})
	}
}

func TestCancelRacingAConfirmation(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	ans := le.update(time.Hour, workflows.AnswerUpdate, yes("link"))
	cancel := le.update(time.Hour, workflows.CancelUpdate, workflows.Cancellation{By: "staff:1"})
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// Whichever comes first wins; the other is applied on top (cancel
	// after yes: removed from the task) or refused (yes after cancel).
	got := le.state(t, a.ID)
	if cancel.err != nil || got.State != models.StateCancelled {
		t.Fatalf("cancel %v, state %s; want cancelled", cancel.err, got.State)
	}
	subjects := le.out.subjects()
	last := subjects[len(subjects)-1]
	switch {
	case ans.err == nil:
		if last != "Du er fjernet fra en opgave ved Folketingsvalg" {
			t.Fatalf("confirmed then cancelled, last message %q", last)
		}
	case workflows.Refusal(ans.err) == workflows.RefusedEnded:
		if last != "Invitationen til Folketingsvalg er trukket tilbage" {
			t.Fatalf("cancelled first, last message %q", last)
		}
	default:
		t.Fatalf("answer: %v", ans.err)
	}
}

func TestDeclineAndRemoveMe(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	bad := le.update(time.Hour, workflows.AnswerUpdate, workflows.Answer{Reason: "maybe", By: "link"})
	no := le.update(2*time.Hour, workflows.AnswerUpdate, workflows.Answer{Reason: models.DeclineRemoveMe, By: "link"})
	again := le.update(3*time.Hour, workflows.AnswerUpdate, yes("link"))
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if workflows.Refusal(bad.err) != workflows.RefusedBadAnswer {
		t.Fatalf("a no without a known reason: %v", bad.err)
	}
	if no.err != nil || no.status.State != models.StateDeclined {
		t.Fatalf("no: %+v", no)
	}
	// The lifecycle has closed after the no: the update is not accepted
	// (the server answers "already completed", which the web app explains
	// from the projection).
	if again.done && again.err == nil {
		t.Fatal("a yes after a no was accepted")
	}
	got := le.state(t, a.ID)
	if got.State != models.StateDeclined || got.DeclineReason != models.DeclineRemoveMe {
		t.Fatalf("projection %+v", got)
	}
	if s := le.out.subjects(); s[len(s)-1] != "Din afmelding er modtaget" {
		t.Fatalf("messages %q", s)
	}
}

func TestWithdrawIsRefusedInsideTheLockPeriod(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	le.update(time.Hour, workflows.AnswerUpdate, yes("link"))
	// Lock period: 3 days before 3 November, from 31 October 00:00 local.
	inside := le.update(30*24*time.Hour, workflows.WithdrawUpdate, "link")
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if workflows.Refusal(inside.err) != workflows.RefusedLockPeriod {
		t.Fatalf("withdraw on 31 October: %v", inside.err)
	}
	if got := le.state(t, a.ID).State; got != models.StateNoShow { // still on the task (nobody checked them in)
		t.Fatalf("state %s", got)
	}

	le = newLifecycleEnv(t)
	a = le.nominate(t, 0, 0)
	le.update(time.Hour, workflows.AnswerUpdate, yes("link"))
	outside := le.update(10*24*time.Hour, workflows.WithdrawUpdate, "link")
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if outside.err != nil {
		t.Fatalf("withdraw on 11 October: %v", outside.err)
	}
	if got := le.state(t, a.ID).State; got != models.StateCancelled {
		t.Fatalf("state %s", got)
	}
}

func TestValidationRemovesAConfirmedPerson(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	le.update(time.Hour, workflows.AnswerUpdate, yes("staff:1"))
	le.RegisterDelayedCallback(func() { le.SignalWorkflow(workflows.RemoveSignal, nil) }, 2*time.Hour)
	late := le.update(3*time.Hour, workflows.CancelUpdate, workflows.Cancellation{By: "staff:1"})
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if le.state(t, a.ID).State != models.StateRemoved {
		t.Fatalf("state %s, want removed", le.state(t, a.ID).State)
	}
	if late.done && late.err == nil {
		t.Fatal("a cancel after the removal was accepted")
	}
	if s := le.out.subjects(); s[len(s)-1] != "Du kan ikke være Tilforordnet ved Folketingsvalg" {
		t.Fatalf("messages %q", s)
	}
}

func TestAnInactiveElectionSendsNothing(t *testing.T) {
	le := newLifecycleEnv(t)
	le.db.Model(&models.Election{}).Where("id = ?", le.seed.Election.ID).Update("state", models.ElectionDraft)
	a := le.nominate(t, 0, 0)
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(le.out.subjects()) != 0 || le.state(t, a.ID).State != models.StateNominated {
		t.Fatalf("sent %q, state %s", le.out.subjects(), le.state(t, a.ID).State)
	}
}

// A no reopens the slot, and the party's secretaries who look after its
// polling station are told by e-mail — without the person's name. A
// secretary restricted to other stations, and another party's, are not.
func TestDeclineNotifiesThePartysSecretaries(t *testing.T) {
	le := newLifecycleEnv(t)
	other := models.PollingStation{AreaID: le.seed.Stations[0].AreaID, Name: "Hallen", Address: "Hallvej 1", PostalCode: "9990",
		City: "Testrup", District: 9}
	le.db.Create(&other)
	partyID, otherParty := le.seed.Party.ID, le.seed.Pool.ID
	users := []models.User{
		{Email: "sekretaer@a.example", Name: "Anna Sekretær", Role: models.RolePartySecretary, PartyID: &partyID},
		{Email: "hallen@a.example", Name: "Bo Hallen", Role: models.RolePartySecretary, PartyID: &partyID},
		{Email: "pulje@example.dk", Name: "Carl Pulje", Role: models.RolePartySecretary, PartyID: &otherParty},
	}
	for i := range users {
		users[i].CreatedAt = le.start
		if err := le.db.Create(&users[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := store.LimitToStations(le.db, &users[1], []int64{other.ID}); err != nil {
		t.Fatal(err)
	}

	a := le.nominate(t, 0, 0)
	no := le.update(time.Hour, workflows.AnswerUpdate, workflows.Answer{Reason: models.DeclineNotThisTime, By: "link"})
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil || no.err != nil {
		t.Fatal(err, no.err)
	}
	var notices []mail.Message
	for _, m := range le.out.sent {
		if m.Subject == "En plads er ledig igen: Tilforordnet på Skole 1" {
			notices = append(notices, m)
		}
	}
	if len(notices) != 1 || notices[0].To != "sekretaer@a.example" {
		t.Fatalf("notices %+v", notices)
	}
	if body := notices[0].Text; strings.Contains(body, "Person 1") || !strings.Contains(body, "Kære Anna Sekretær") ||
		!strings.Contains(body, "https://valg.example.dk/oversigt?valg=") {
		t.Errorf("notice: %s", body)
	}
}

// A message is planned and sent by a local activity; when that keeps
// failing (here the database, for longer than the local retries last), the
// ordinary activity takes over and the invitation still goes out, once.
func TestSendFallsBackToAnActivityWhenLocalPlanningKeepsFailing(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	var mu sync.Mutex
	local, remote, calls := 0, 0, 0
	le.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []interface{}) {
		if info.ActivityType.Name == "PlanMessage" {
			mu.Lock()
			local++
			mu.Unlock()
		}
	})
	le.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "PlanMessage" {
			mu.Lock()
			remote++
			mu.Unlock()
		}
	})
	le.OnActivity(le.acts.PlanMessage, mockCtx, mockAny).Return(
		func(ctx context.Context, m activities.LifecycleMessage) (activities.MessagePlan, error) {
			mu.Lock()
			calls++
			down := m.Kind == models.KindInvitation && remote == 0
			mu.Unlock()
			if down {
				return activities.MessagePlan{}, errors.New("database is down")
			}
			return le.acts.PlanMessage(ctx, m)
		})
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if local < 3 || remote != 1 {
		t.Fatalf("PlanMessage ran %d times locally and %d times as an activity; want local retries, then one activity", local, remote)
	}
	invitations := 0
	for _, s := range le.out.subjects() {
		if strings.HasPrefix(s, "Vil du hjælpe til") {
			invitations++
		}
	}
	if invitations != 1 {
		t.Fatalf("%d invitations sent, want 1 (sent %q)", invitations, le.out.subjects())
	}
	if got := le.state(t, a.ID); got.InvitedAt == nil {
		t.Fatalf("projection %+v: not invited", got)
	}
}

// An answer that arrives while the lifecycle's first write is still being
// retried (the database down after a fault) is refused as NotYet, which
// the web app answers with "try again" (503), not as an unknown update.
func TestAnAnswerBeforeTheLifecycleBeganIsRefusedAsNotYet(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	le.OnActivity(le.acts.BeginLifecycle, mockCtx, mockAny).Return(activities.LifecyclePlan{}, errors.New("database is down"))
	early := le.update(time.Second, workflows.AnswerUpdate, yes("link"))
	// (The test environment fails a local activity's timed retries by
	// itself, so the workflow's own outcome says nothing here.)
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if !early.done || early.err == nil || workflows.Refusal(early.err) != "" || !strings.Contains(early.err.Error(), workflows.RefusedNotYet) {
		t.Fatalf("an answer before the lifecycle began: %+v; want refused as %s, which is no refusal a person is told", early, workflows.RefusedNotYet)
	}
	if got := le.state(t, a.ID); got.State != models.StateNominated {
		t.Fatalf("projection %+v: want nothing recorded", got)
	}
}
