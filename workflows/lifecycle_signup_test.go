package workflows_test

import (
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A person who took a slot through a claim sign-up link starts confirmed:
// no invitation, no answer awaited, no invitation reminder — the
// confirmation, the task reminders, completed after the day. A yes sent
// anyway is refused as already confirmed.
func TestConfirmedStartSkipsTheInvitation(t *testing.T) {
	le := newLifecycleEnv(t)
	a := le.nominate(t, 0, 0)
	dup := le.update(time.Hour, workflows.AnswerUpdate, yes("link"))
	le.recordReplacements()
	le.update(le.onTheDay(electionDay, 6, 50), workflows.CheckInUpdate, checkIn(true, "leader:9"))
	var mid models.Assignment
	le.RegisterDelayedCallback(func() { mid = le.state(t, a.ID) }, 2*time.Hour)

	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if mid.State != models.StateConfirmed || mid.AnsweredBy != "signup" || mid.AnsweredAt == nil {
		t.Fatalf("two hours in: %+v, want confirmed by signup", mid)
	}
	if workflows.Refusal(dup.err) != workflows.RefusedAlreadyConfirmed {
		t.Fatalf("a yes to a confirmed lifecycle got %v, want AlreadyConfirmed", dup.err)
	}
	if got := le.state(t, a.ID); got.State != models.StateCompleted || got.RemindersSent != 0 {
		t.Fatalf("projection %+v, want completed without invitation reminders", got)
	}
	want := []string{"Tak for din tilmelding til Folketingsvalg",
		"Påmindelse: Folketingsvalg tirsdag den 3. november 2026", "I morgen: Folketingsvalg", "I dag: Folketingsvalg"}
	s := le.out.subjects()
	if len(s) != len(want) {
		t.Fatalf("sent %q, want %q", s, want)
	}
	for i := range want {
		if s[i] != want[i] {
			t.Errorf("message %d: %q, want %q", i, s[i], want[i])
		}
	}
}
