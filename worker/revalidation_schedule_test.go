package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// wantRevalidations is when an election on day is re-validated after now,
// as the rule says it in words: at 04:23 Copenhagen time every Monday, and
// every day of the 14 before the election day, never on it or after.
func wantRevalidations(now time.Time, day models.Date, n int) []time.Time {
	var out []time.Time
	for d := models.DateOf(now.In(models.Copenhagen)); d.DaysSince(day) < 0 && len(out) < n; d = d.AddDays(1) {
		at := time.Date(d.Year, d.Month, d.Day, 4, 23, 0, 0, models.Copenhagen)
		if at.After(now) && (at.Weekday() == time.Monday || day.DaysSince(d) <= 14) {
			out = append(out, at.UTC())
		}
	}
	return out
}

// checkRevalidationSchedule describes an election's schedule and compares
// the runs Temporal will start with wantRevalidations.
func checkRevalidationSchedule(t *testing.T, ctx context.Context, c client.Client, queue string, electionID int64, day models.Date) {
	t.Helper()
	desc, err := c.ScheduleClient().GetHandle(ctx, workflows.RevalidationScheduleID(electionID)).Describe(ctx)
	if err != nil {
		t.Fatalf("describe the schedule of election %d: %v", electionID, err)
	}
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || action.TaskQueue != queue || !strings.HasPrefix(action.ID, "revalidation-election-") {
		t.Fatalf("action %+v, want the Revalidation workflow on %s", desc.Schedule.Action, queue)
	}
	if wf, _ := action.Workflow.(string); wf != "Revalidation" {
		t.Errorf("the schedule starts %v, want Revalidation", action.Workflow)
	}
	if p := desc.Schedule.Policy; p == nil || p.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Errorf("policy %+v, want overlap skip", desc.Schedule.Policy)
	}
	var got []time.Time
	for _, at := range desc.Info.NextActionTimes {
		got = append(got, at.UTC())
	}
	want := wantRevalidations(time.Now(), day, len(got))
	if len(got) < 5 || !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("election on %s: next runs\n got %v\nwant %v", day, got, want)
	}
}

// revalidationSchedules lists the re-validation schedules (visibility is
// eventually consistent: it waits for want).
func revalidationSchedules(t *testing.T, ctx context.Context, c client.Client, want []string) {
	t.Helper()
	var ids []string
	for {
		ids = ids[:0]
		it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		for it.HasNext() {
			s, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(s.ID, workflows.RevalidationSchedulePrefix) {
				ids = append(ids, s.ID)
			}
		}
		slices.Sort(ids)
		if slices.Equal(ids, want) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("re-validation schedules %v, want %v", ids, want)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Activating an election makes its re-validation schedule (weekly, daily
// in the last 14 days), moving its day moves it, closing deletes it; the
// reconciliation at start-up makes the missing ones, deletes the stray
// ones and changes nothing when run again; a run of the schedule is the
// existing Revalidation workflow.
func TestRevalidationSchedules(t *testing.T) {
	const queue = "revalidation-schedules"
	c := namespaceClient(t, "revalidation-schedules")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	today := models.DateOf(time.Now().In(models.Copenhagen))
	seed := storetest.SeedElection(t, db, today.AddDays(30), 1, 1, 1) // active, made before any schedule
	admin := models.User{Email: "admin@example.dk", Name: "Admin", Role: models.RoleAdmin, CreatedAt: time.Now()}
	if err := db.Create(&admin).Error; err != nil {
		t.Fatal(err)
	}
	day := today.AddDays(40)
	e := models.Election{Title: "Kommunalvalg", Kind: models.Kommunalvalg, ElectionDay: day, State: models.ElectionDraft,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := db.Create(&e).Error; err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	rec := recruit.New(recruit.Config{DB: db, Temporal: c, TaskQueue: queue, Log: log})
	set := &setup.Service{DB: db, Temporal: c, TaskQueue: queue, Log: log, Now: time.Now}
	id := workflows.RevalidationScheduleID(e.ID)
	if id != "valghalla-revalidation-"+strconv.FormatInt(e.ID, 10) {
		t.Fatalf("schedule id %q", id)
	}

	// A draft has none; activating makes it.
	if _, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx); !isNotFound(err) {
		t.Fatalf("a draft election has a schedule: %v", err)
	}
	if err := rec.SetElectionState(ctx, admin, e.ID, models.ElectionActive); err != nil {
		t.Fatal(err)
	}
	checkRevalidationSchedule(t, ctx, c, queue, e.ID, day)
	desc, _ := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	if n := len(desc.Schedule.Spec.Calendars); n < 2 || n > 3 {
		t.Errorf("%d calendars, want the weekly one and the 14 days in one or two months", n)
	}

	// The day moves 20 days closer: the daily runs begin sooner.
	if err := db.First(&e, e.ID).Error; err != nil {
		t.Fatal(err)
	}
	form := models.SettingsOf(e)
	day = today.AddDays(20)
	form.Day = day.String()
	if _, err := set.UpdateElection(ctx, admin, e.ID, e.Version, form); err != nil {
		t.Fatal(err)
	}
	checkRevalidationSchedule(t, ctx, c, queue, e.ID, day)

	// Start-up: the seeded active election gets its schedule, a stray one
	// (an election closed while Temporal was away) goes; twice is once.
	if err := workflows.EnsureRevalidationSchedule(ctx, c, queue, 999999, today.AddDays(50)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := worker.EnsureRevalidationSchedules(ctx, c, db, queue); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{workflows.RevalidationScheduleID(seed.Election.ID), id}
	slices.Sort(want)
	revalidationSchedules(t, ctx, c, want)
	checkRevalidationSchedule(t, ctx, c, queue, e.ID, day)
	checkRevalidationSchedule(t, ctx, c, queue, seed.Election.ID, seed.Election.ElectionDay)

	// A run of the schedule is the Revalidation workflow of the election.
	acts := &activities.Activities{DB: db, Keys: keys, CPR: register{}, Now: time.Now}
	w := worker.New(c, queue, acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	h := c.ScheduleClient().GetHandle(ctx, id)
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var run *client.ScheduleWorkflowExecution
	for run == nil {
		desc, err := h.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(desc.Info.RecentActions) > 0 {
			run = desc.Info.RecentActions[0].StartWorkflowResult
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the triggered schedule started nothing")
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(run.WorkflowID, "revalidation-election-"+strconv.FormatInt(e.ID, 10)+"-") {
		t.Errorf("run id %q", run.WorkflowID)
	}
	var progress workflows.RevalidationProgress
	if err := c.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &progress); err != nil {
		t.Fatal(err)
	}
	if !progress.Done || progress.Checked != 0 {
		t.Errorf("progress %+v, want done with nobody to check", progress)
	}

	// Closing deletes it.
	if err := rec.SetElectionState(ctx, admin, e.ID, models.ElectionClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Describe(ctx); !isNotFound(err) {
		t.Fatalf("the closed election's schedule: %v, want none", err)
	}
	if err := worker.EnsureRevalidationSchedules(ctx, c, db, queue); err != nil {
		t.Fatal(err)
	}
	revalidationSchedules(t, ctx, c, []string{workflows.RevalidationScheduleID(seed.Election.ID)})
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
