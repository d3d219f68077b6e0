package workflows_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

// groupWorld is an election on SQLite with the real activities sending
// through a local SMTP server and a local fake of Twilio's API:
//
//	person 1: two slots (nominated, and confirmed the day before), e-mail
//	person 2: declined, e-mail
//	person 3: nominated, SMS only (no e-mail)
//	person 4: nominated, no channel at all
//	person 5: no slot
type groupWorld struct {
	db   *gorm.DB
	seed storetest.Election
	acts *activities.Activities
	smtp *mailfake.Server
	sms  *smsfake.Server
}

const smsOnlyNumber = "+4520304050"

func newGroupWorld(t *testing.T) *groupWorld {
	t.Helper()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db)
	w := &groupWorld{db: db, seed: storetest.SeedElection(t, db, electionDay, 1, 4, 5)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s, p := w.seed.Slots, w.seed.People
	storetest.Nominate(t, db, s[0], p[0].ID)
	dayBefore := s[1]
	dayBefore.ID, dayBefore.Day = 0, dayBefore.Day.AddDays(-1)
	must(db.Create(&dayBefore).Error)
	must(db.Model(storetest.Nominate(t, db, dayBefore, p[0].ID)).Update("state", models.StateConfirmed).Error)
	must(db.Model(storetest.Nominate(t, db, s[1], p[1].ID)).Update("state", models.StateDeclined).Error)
	storetest.Nominate(t, db, s[2], p[2].ID)
	storetest.Nominate(t, db, s[3], p[3].ID)
	p[2].Email, p[2].Mobile = models.NewSecret(""), models.NewSecret(smsOnlyNumber)
	p[3].Email = models.NewSecret("")
	must(db.Save(&p[2]).Error)
	must(db.Save(&p[3]).Error)

	var err error
	w.smtp, err = mailfake.Start("127.0.0.1:0")
	must(err)
	t.Cleanup(func() { w.smtp.Close() })
	sender, err := mail.NewSender(mail.Config{Host: w.smtp.Host(), Port: w.smtp.Port(), From: "valg@testrup.example", TLS: mail.TLSNone})
	must(err)
	w.sms, err = smsfake.Start(smsfake.Options{})
	must(err)
	t.Cleanup(func() { w.sms.Close() })
	smsClient, err := sms.NewClient(w.sms.Config())
	must(err)
	w.acts = &activities.Activities{DB: db, Mail: sender, SMS: smsClient, BaseURL: "https://valg.testrup.example"}
	return w
}

// create records a group message to the people matching f.
func (w *groupWorld) create(t *testing.T, f models.GroupFilter) models.GroupMessage {
	t.Helper()
	gm, err := store.CreateGroupMessage(context.Background(), w.db, w.seed.Staff, f.On(models.GroupMessage{
		ElectionID: w.seed.Election.ID, Subject: "Nyt om [election:name]",
		Body: "Kære [participant:name]\nHusk mødet i [site:name]."}))
	if err != nil {
		t.Fatal(err)
	}
	return gm
}

// run sends a group message with a fresh test environment, as a worker
// would, and returns its result.
func (w *groupWorld) run(t *testing.T, groupID int64) workflows.GroupMessageProgress {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(w.acts)
	env.ExecuteWorkflow(workflows.GroupMessage, workflows.GroupMessageInput{GroupID: groupID})
	var p workflows.GroupMessageProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	q := progressOf(t, env)
	if q != p {
		t.Fatalf("query %+v, result %+v", q, p)
	}
	return p
}

func progressOf(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.GroupMessageProgress {
	t.Helper()
	v, err := env.QueryWorkflow(workflows.GroupProgressQuery)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.GroupMessageProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// mailedTo lists the e-mail recipients the SMTP server got, sorted.
func (w *groupWorld) mailedTo() []string {
	var to []string
	for _, m := range w.smtp.Messages() {
		to = append(to, strings.Join(m.EnvelopeTo, ","))
	}
	slices.Sort(to)
	return to
}

func (w *groupWorld) copies(t *testing.T, groupID int64) map[int64]models.Message {
	t.Helper()
	var ms []models.Message
	if err := w.db.Where("group_message_id = ?", groupID).Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	out := map[int64]models.Message{}
	for _, m := range ms {
		out[*m.ParticipantID] = m
	}
	return out
}

func TestGroupMessageReachesEveryoneOnceOnTheirChannel(t *testing.T) {
	w := newGroupWorld(t)
	gm := w.create(t, models.GroupFilter{})
	if gm.Recipients != 4 {
		t.Fatalf("counted %d recipients", gm.Recipients)
	}
	p := w.run(t, gm.ID)
	if p != (workflows.GroupMessageProgress{Sent: 4, Done: true}) {
		t.Fatalf("progress %+v", p)
	}
	// Person 1 holds two slots and gets one e-mail.
	if got := w.mailedTo(); !slices.Equal(got, []string{"person1@example.dk", "person2@example.dk"}) {
		t.Fatalf("e-mails to %v", got)
	}
	for _, m := range w.smtp.Messages() {
		if m.Subject != "Nyt om Folketingsvalg" || !strings.Contains(m.Text, "Husk mødet i Testrup Kommune.") ||
			!strings.HasPrefix(m.Text, "Kære Person ") {
			t.Fatalf("e-mail %q: %q", m.Subject, m.Text)
		}
	}
	texts := w.sms.Sent(smsOnlyNumber)
	if len(texts) != 1 || texts[0].Body != "Kære Person 3\nHusk mødet i Testrup Kommune." {
		t.Fatalf("SMS %+v", texts)
	}
	people := w.seed.People
	c := w.copies(t, gm.ID)
	if len(c) != 4 {
		t.Fatalf("%d copies", len(c))
	}
	for i, want := range []models.MessageStatus{models.MessageSent, models.MessageSent, models.MessageSent, models.MessageFailed} {
		m := c[people[i].ID]
		if m.Status != want || m.Kind != models.KindGroupMessage || *m.ElectionID != w.seed.Election.ID {
			t.Errorf("person %d: %+v", i+1, m)
		}
	}
	if c[people[2].ID].Channel != string(models.ChannelSMS) {
		t.Errorf("person 3 reached by %q", c[people[2].ID].Channel)
	}
	if sends, _ := store.GroupSendsOf(context.Background(), w.db, gm.ID); sends != (models.GroupSends{Sent: 3, Failed: 1}) {
		t.Errorf("sends %+v", sends)
	}

	// Sent again (a second start after the first finished): no one gets
	// it twice.
	if p := w.run(t, gm.ID); p.Sent != 4 || !p.Done {
		t.Fatalf("second run %+v", p)
	}
	if n, s := len(w.smtp.Messages()), len(w.sms.Sent(smsOnlyNumber)); n != 2 || s != 1 {
		t.Fatalf("after a second run: %d e-mails, %d SMS", n, s)
	}
}

func TestGroupMessageToTheDeclined(t *testing.T) {
	w := newGroupWorld(t)
	gm := w.create(t, models.GroupFilter{States: []models.AssignmentState{models.StateDeclined}})
	if p := w.run(t, gm.ID); p != (workflows.GroupMessageProgress{Sent: 1, Done: true}) {
		t.Fatalf("progress %+v", p)
	}
	if got := w.mailedTo(); !slices.Equal(got, []string{"person2@example.dk"}) {
		t.Fatalf("e-mails to %v", got)
	}
	if n := len(w.sms.Messages()); n != 0 {
		t.Fatalf("%d SMS", n)
	}
}

// With the activities mocked: 520 people take more than one run; the run
// continues as new with how far it got.
func TestGroupMessageContinuesAsNew(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var acts *activities.Activities
	env.RegisterActivity(acts)
	env.OnActivity(acts.GroupRecipientsPage, mockCtx, int64(7), mockAny, mockAny).Return(
		func(_ context.Context, _, after int64, limit int) ([]int64, error) {
			var ids []int64
			for id := after + 1; id <= 520 && len(ids) < limit; id++ {
				ids = append(ids, id)
			}
			return ids, nil
		})
	var mu sync.Mutex // the activities of a page run side by side
	planned := map[int64]int{}
	env.OnActivity(acts.PlanGroupMessage, mockCtx, mockAny).Return(
		func(_ context.Context, d activities.GroupDelivery) (activities.MessagePlan, error) {
			mu.Lock()
			defer mu.Unlock()
			planned[d.ParticipantID]++
			return activities.MessagePlan{MessageID: "m", Status: models.MessageSent}, nil
		})
	env.ExecuteWorkflow(workflows.GroupMessage, workflows.GroupMessageInput{GroupID: 7})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("got %v, want a continue-as-new", err)
	}
	var next workflows.GroupMessageInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next != (workflows.GroupMessageInput{GroupID: 7, AfterID: 500, Sent: 500}) || len(planned) != 500 {
		t.Fatalf("continues with %+v after planning %d people", next, len(planned))
	}
}
