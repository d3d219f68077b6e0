package workflows_test

import (
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Check-in on the task day (3 November 2026; the task starts 07:00 in
// Copenhagen, which is 06:00 UTC).

// onTheDay is the delay from the env's start to hh:mm in Copenhagen on day.
func (le *lifecycleEnv) onTheDay(day models.Date, hh, mm int) time.Duration {
	return time.Date(day.Year, day.Month, day.Day, hh, mm, 0, 0, models.Copenhagen).Sub(le.start)
}

// replacements records the DayReplacement children started (a test double
// under the real workflow's name).
type replacements struct {
	mu  sync.Mutex
	ids []string
	in  []workflows.DayReplacementInput
}

func (le *lifecycleEnv) recordReplacements() *replacements {
	r := &replacements{}
	le.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.DayReplacementInput) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ids = append(r.ids, workflow.GetInfo(ctx).WorkflowExecution.ID)
		r.in = append(r.in, in)
		return nil
	}, workflow.RegisterOptions{Name: "DayReplacement"})
	return r
}

func checkIn(present bool, by string) workflows.CheckIn {
	return workflows.CheckIn{Present: present, By: by}
}

func TestCheckedInPresentIsCompletedAndRemindedThatMorning(t *testing.T) {
	le := newLifecycleEnv(t)
	le.recordReplacements()
	a := le.nominate(t, 0, 0)
	in := le.update(le.onTheDay(electionDay, 6, 50), workflows.CheckInUpdate, checkIn(true, "leader:42"))
	again := le.update(le.onTheDay(electionDay, 6, 55), workflows.CheckInUpdate, checkIn(true, "staff:1"))
	var mid models.Assignment
	le.RegisterDelayedCallback(func() { mid = le.state(t, a.ID) }, le.onTheDay(electionDay, 7, 0))

	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if in.err != nil || in.status.State != models.StateConfirmed || in.status.Attendance != models.AttendancePresent {
		t.Fatalf("check-in: %+v", in)
	}
	if again.err != nil {
		t.Fatalf("a second present mark: %v, want accepted", again.err)
	}
	if mid.State != models.StateConfirmed || mid.Attendance != models.AttendancePresent || mid.AttendanceBy != "staff:1" || mid.AttendanceAt == nil {
		t.Fatalf("after the check-in: %+v, want confirmed and marked present by staff:1", mid)
	}
	if got := le.state(t, a.ID); got.State != models.StateCompleted {
		t.Fatalf("after the day: %s, want completed", got.State)
	}
	n := 0
	for _, s := range le.out.subjects() {
		if s == "I dag: Folketingsvalg" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("morning reminders sent: %d (%q), want 1", n, le.out.subjects())
	}
	var audits int64
	le.db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCheckIn).Count(&audits)
	if audits != 2 {
		t.Fatalf("%d check-in audit entries, want 2 (leader, then staff)", audits)
	}
}

func TestUnmarkedPersonIsANoShowAtTheEndOfTheDay(t *testing.T) {
	le := newLifecycleEnv(t)
	reps := le.recordReplacements()
	a := le.nominate(t, 0, 0)
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	got := le.state(t, a.ID)
	if got.State != models.StateNoShow || got.Attendance != models.AttendanceUnknown || got.EndedAt == nil {
		t.Fatalf("after the day: %+v, want no_show, unmarked", got)
	}
	if len(reps.ids) != 0 {
		t.Fatalf("replacements started %v: none after the day", reps.ids)
	}
	var notices int64
	le.db.Model(&models.Notice{}).Where("assignment_id = ?", a.ID).Count(&notices)
	if notices != 0 {
		t.Fatalf("%d notices: the day is over, no slot to reopen", notices)
	}
}

func TestAbsentEndsAsNoShowAndStartsTheDayReplacement(t *testing.T) {
	le := newLifecycleEnv(t)
	reps := le.recordReplacements()
	a := le.nominate(t, 0, 0)
	// A reserve on the party's list: on the task day the slot does not
	// take them by itself (the DayReplacement asks candidates).
	le.db.Create(&models.Reserve{ElectionID: a.ElectionID, PartyID: a.PartyID, ParticipantID: le.seed.People[1].ID, CreatedAt: le.start})
	present := le.update(le.onTheDay(electionDay, 7, 40), workflows.CheckInUpdate, checkIn(true, "leader:42"))
	absent := le.update(le.onTheDay(electionDay, 7, 45), workflows.CheckInUpdate, checkIn(false, "leader:42"))

	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if present.err != nil || absent.err != nil || absent.status.State != models.StateNoShow {
		t.Fatalf("present %+v, then absent %+v", present, absent)
	}
	got := le.state(t, a.ID)
	if got.State != models.StateNoShow || got.Attendance != models.AttendanceAbsent || got.AttendanceBy != "leader:42" {
		t.Fatalf("projection %+v, want no_show marked absent by leader:42", got)
	}
	if len(reps.ids) != 1 || reps.ids[0] != payload.DayReplacementID(a.ID) || reps.in[0].AbsentAssignmentID != a.ID {
		t.Fatalf("replacements %v %+v, want one with id %s", reps.ids, reps.in, payload.DayReplacementID(a.ID))
	}
	var next int64
	le.db.Model(&models.Assignment{}).Where("replaces_id = ?", a.ID).Count(&next)
	if next != 0 {
		t.Fatalf("a reserve was put on the slot by the lifecycle; on the day the DayReplacement does it")
	}
	var notices int64
	le.db.Model(&models.Notice{}).Where("assignment_id = ?", a.ID).Count(&notices)
	if notices != 1 {
		t.Fatalf("%d notices about the reopened slot, want 1", notices)
	}
	for _, s := range le.out.subjects() {
		if s != "Tak for din tilmelding til Folketingsvalg" && s != "Påmindelse: Folketingsvalg tirsdag den 3. november 2026" &&
			s != "I morgen: Folketingsvalg" && s != "I dag: Folketingsvalg" {
			t.Errorf("the absent person got %q: no end message on the day", s)
		}
	}
}

func TestCheckInIsRefusedOutsideTheTaskDay(t *testing.T) {
	le := newLifecycleEnv(t)
	le.recordReplacements()
	a := le.nominate(t, 0, 0)
	dayBefore := le.update(le.onTheDay(electionDay.AddDays(-1), 23, 59), workflows.CheckInUpdate, checkIn(true, "staff:1"))
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if workflows.Refusal(dayBefore.err) != workflows.RefusedNotTaskDay {
		t.Fatalf("check-in the day before: %v, want NotTaskDay", dayBefore.err)
	}
	if got := le.state(t, a.ID); got.Attendance != models.AttendanceUnknown || got.State != models.StateNoShow {
		t.Fatalf("projection %+v: the refused mark must leave nothing", got)
	}
}

func TestCheckInOfAPersonNotConfirmedIsRefused(t *testing.T) {
	le := newLifecycleEnv(t)
	le.recordReplacements()
	a := le.nominate(t, 0, 0)
	// Invited and unanswered: not confirmed.
	invited := le.update(time.Hour, workflows.CheckInUpdate, checkIn(true, "staff:1"))
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if workflows.Refusal(invited.err) != workflows.RefusedNotConfirmed {
		t.Fatalf("check-in of an invited person: %v, want NotConfirmed", invited.err)
	}
}

func TestCheckInAfterWithdrawalIsRefused(t *testing.T) {
	le := newLifecycleEnv(t)
	le.recordReplacements()
	a := le.nominate(t, 0, 0)
	// Withdrawn before the lock period: the lifecycle has ended; a check-in
	// racing the end (while the slot is reopened) is refused as Ended.
	le.update(time.Hour, workflows.WithdrawUpdate, "link")
	late := le.update(time.Hour+time.Millisecond, workflows.CheckInUpdate, checkIn(true, "staff:1"))
	le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	if err := le.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if workflows.Refusal(late.err) != workflows.RefusedEnded {
		t.Fatalf("check-in after withdrawal: %v, want Ended", late.err)
	}
	if got := le.state(t, a.ID); got.State != models.StateCancelled || got.Attendance != models.AttendanceUnknown {
		t.Fatalf("projection %+v, want cancelled and unmarked", got)
	}
}
