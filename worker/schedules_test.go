package worker_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
)

// The housekeeping schedule exists once however often set-up runs, follows
// the task queue of the last run, and a run of it purges the database.
func TestHousekeepingScheduleIsIdempotentAndPurges(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := worker.EnsureHousekeeping(ctx, c, "first-queue"); err != nil {
		t.Fatal(err)
	}
	const queue = "housekeeping-test"
	if err := worker.EnsureHousekeeping(ctx, c, queue); err != nil {
		t.Fatalf("second set-up: %v", err)
	}
	h := c.ScheduleClient().GetHandle(ctx, worker.HousekeepingScheduleID)
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || action.TaskQueue != queue {
		t.Fatalf("action %+v, want a workflow on %s", desc.Schedule.Action, queue)
	}
	if tz := desc.Schedule.Spec.TimeZoneName; tz != "Europe/Copenhagen" {
		t.Errorf("time zone %q", tz)
	}
	if n := len(desc.Schedule.Spec.Calendars); n != 1 {
		t.Errorf("%d calendars, want one daily time", n)
	}

	db := storetest.SQLite(t)
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, CreatedAt: t0}
	db.Create(&u)
	if _, err := store.CreateSession(ctx, db, u.ID, t0); err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, queue, &activities.Activities{DB: db, Now: func() time.Time { return t0.Add(24 * time.Hour) }})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		var n int64
		db.Model(&models.Session{}).Count(&n)
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the triggered housekeeping run purged nothing")
		case <-time.After(100 * time.Millisecond):
		}
	}
	desc, err = h.Describe(ctx)
	if err != nil || len(desc.Info.RecentActions) == 0 {
		t.Fatalf("no recent action recorded: %v", err)
	}
	run := desc.Info.RecentActions[0].StartWorkflowResult
	var purged activities.Purged
	if err := c.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &purged); err != nil {
		t.Fatal(err)
	}
	if purged.Sessions != 1 {
		t.Errorf("the run reports %+v, want one session purged", purged)
	}
}
