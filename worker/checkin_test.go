package worker_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/electionday"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// dropMail accepts every e-mail and keeps none.
type dropMail struct{}

func (dropMail) Send(context.Context, mail.Message) error { return nil }

// Check-in through the use case on a real Temporal server, on the task
// day itself: present keeps the person confirmed with the mark; absent
// ends them as a no-show and starts the day's replacement (its id the
// absent assignment's); a mark after that is refused as ended.
func TestCheckInOnTheRealServer(t *testing.T) {
	c := namespaceClient(t, "checkin-test")
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	today := models.DateOf(time.Now().In(models.Copenhagen))
	// Check-in is refused once the task day is over (midnight, Copenhagen).
	if left := time.Until(today.AddDays(1).In(models.Copenhagen)); left < 5*time.Minute {
		t.Skipf("only %v of today (Copenhagen) left: the election held today would end during the test", left.Round(time.Second))
	}
	seed := storetest.SeedElection(t, db, today, 1, 1, 1)
	acts := &activities.Activities{DB: db, Mail: dropMail{}, Keys: keys, BaseURL: "http://valg.example"}
	w := worker.New(c, "checkin", acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	ctx := context.Background()
	a := storetest.Nominate(t, db, seed.Slots[0], seed.People[0].ID)
	if _, err := c.ExecuteWorkflow(ctx, signup.StartOptions(payload.RefOf(a), "checkin"), payload.LifecycleWorkflow,
		payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	read := func() models.Assignment {
		var got models.Assignment
		db.First(&got, a.ID)
		return got
	}
	waitFor(t, time.Minute, "the lifecycle to confirm", func() bool { return read().State == models.StateConfirmed })
	svc := &electionday.Service{DB: db, Temporal: c, Log: slog.New(slog.DiscardHandler), Now: time.Now}
	staff := electionday.AsStaff(seed.Staff)
	if err := svc.CheckIn(ctx, staff, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.State != models.StateConfirmed || got.Attendance != models.AttendancePresent {
		t.Fatalf("after present: %s %q", got.State, got.Attendance)
	}
	if err := svc.CheckIn(ctx, staff, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.State != models.StateNoShow || got.Attendance != models.AttendanceAbsent {
		t.Fatalf("after absent: %s %q", got.State, got.Attendance)
	}
	waitFor(t, time.Minute, "the day's replacement to start", func() bool {
		_, err := c.DescribeWorkflowExecution(ctx, payload.DayReplacementID(a.ID), "")
		return err == nil
	})
	waitFor(t, time.Minute, "the lifecycle to close", func() bool {
		d, err := c.DescribeWorkflowExecution(ctx, a.WorkflowID, "")
		return err == nil && d.WorkflowExecutionInfo.CloseTime != nil
	})
	err := svc.CheckIn(ctx, staff, a.ID, true)
	if r, ok := recruit.AsRefusal(err); !ok || r.Key != "error.checkin."+workflows.RefusedEnded {
		t.Fatalf("present after absent: %v, want error.checkin.Ended", err)
	}
}
