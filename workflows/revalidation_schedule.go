package workflows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Re-validation on a schedule: every active election has a Temporal
// Schedule that starts its Revalidation workflow weekly, and daily in the
// last two weeks before the election day. recruit.SetElectionState makes it
// when the election becomes active and deletes it when it is closed;
// setup.UpdateElection moves it when the election day changes; the worker
// reconciles all of them at start-up (ReconcileRevalidationSchedules), so
// a change Temporal missed is made good. The button on /valg/:id/kontrol
// (StartRevalidation) stays.
//
// One schedule per election, not two: its spec is a union of calendars —
// every Monday, plus each of the 14 days before the election day named by
// year, month and day — at the same time of day, so a Monday in the last
// two weeks matches twice at the same instant and runs once (a schedule
// takes the earliest next time of all its calendars). EndAt, the start of
// the election day, ends it. The spec is all data: no workflow code has to
// skip days, and the Temporal UI lists the coming runs as they will be.

// RevalidationSchedulePrefix begins the id of every election's
// re-validation schedule.
const RevalidationSchedulePrefix = "valghalla-revalidation-"

// RevalidationScheduleID is the id of an election's re-validation schedule.
func RevalidationScheduleID(electionID int64) string {
	return RevalidationSchedulePrefix + strconv.FormatInt(electionID, 10)
}

// RevalidationDailyDays: in this many days before the election day the
// re-validation runs every day (weekly before).
const RevalidationDailyDays = 14

// revalidationHour and revalidationMinute: the time of day (Copenhagen) a
// scheduled re-validation starts, before the office opens and after the
// nightly housekeeping (03:17).
const revalidationHour, revalidationMinute = 4, 23

// revalidationCatchup: a run missed (Temporal away) is made up within
// this time; one missed for longer waits for the next.
const revalidationCatchup = 12 * time.Hour

// RevalidationScheduleSpec is when an election on day is re-validated:
// every Monday, and every day of the RevalidationDailyDays days before it,
// at 04:23 Copenhagen time, until the election day begins.
func RevalidationScheduleSpec(day models.Date) client.ScheduleSpec {
	at := func(c client.ScheduleCalendarSpec) client.ScheduleCalendarSpec {
		c.Hour = []client.ScheduleRange{{Start: revalidationHour}}
		c.Minute = []client.ScheduleRange{{Start: revalidationMinute}}
		return c
	}
	calendars := []client.ScheduleCalendarSpec{at(client.ScheduleCalendarSpec{
		DayOfWeek: []client.ScheduleRange{{Start: int(time.Monday)}}, Comment: "weekly"})}
	// The daily days, one calendar per month they fall in.
	for d := day.AddDays(-RevalidationDailyDays); d.DaysSince(day) < 0; {
		first, last := d, d
		for next := last.AddDays(1); next.DaysSince(day) < 0 && next.Month == first.Month; next = next.AddDays(1) {
			last = next
		}
		calendars = append(calendars, at(client.ScheduleCalendarSpec{
			Year: []client.ScheduleRange{{Start: first.Year}}, Month: []client.ScheduleRange{{Start: int(first.Month)}},
			DayOfMonth: []client.ScheduleRange{{Start: first.Day, End: last.Day}},
			Comment:    fmt.Sprintf("daily in the last %d days before %s", RevalidationDailyDays, day)}))
		d = last.AddDays(1)
	}
	return client.ScheduleSpec{Calendars: calendars, TimeZoneName: "Europe/Copenhagen", EndAt: day.In(models.Copenhagen)}
}

// revalidationAction starts the election's Revalidation workflow; Temporal
// adds the scheduled time to the id, so each run has its own
// ("revalidation-election-7-2026-11-20T03:23:00Z"). Ids only.
func revalidationAction(taskQueue string, electionID int64) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:                       "revalidation-election-" + strconv.FormatInt(electionID, 10),
		Workflow:                 Revalidation,
		Args:                     []any{RevalidationInput{ElectionID: electionID}},
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: 23 * time.Hour,
		TypedSearchAttributes:    temporal.NewSearchAttributes(payload.ElectionAttr.ValueSet(strconv.FormatInt(electionID, 10))),
	}
}

// EnsureRevalidationSchedule makes an active election's re-validation
// schedule exist with the spec of its election day, starting on
// taskQueue; an existing one is brought to it (idempotent). A run still
// going when the next is due makes the next one skip.
func EnsureRevalidationSchedule(ctx context.Context, c client.Client, taskQueue string, electionID int64, day models.Date) error {
	err := EnsureSchedule(ctx, c, client.ScheduleOptions{
		ID: RevalidationScheduleID(electionID), Spec: RevalidationScheduleSpec(day), Action: revalidationAction(taskQueue, electionID),
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: revalidationCatchup, Memo: map[string]any{"election": electionID},
	})
	if err != nil {
		return fmt.Errorf("the re-validation schedule of election %d: %w", electionID, err)
	}
	return nil
}

// DeleteRevalidationSchedule deletes an election's re-validation schedule;
// none is fine (a run under way goes on, and finds the election closed).
func DeleteRevalidationSchedule(ctx context.Context, c client.Client, electionID int64) error {
	err := c.ScheduleClient().GetHandle(ctx, RevalidationScheduleID(electionID)).Delete(ctx)
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("delete the re-validation schedule of election %d: %w", electionID, err)
	}
	return nil
}

// ReconcileRevalidationSchedules makes the re-validation schedules match
// the active elections: each gets its schedule at its day (made or
// brought up to date), and the schedule of an election not among them
// (closed while Temporal was away) is deleted. Run again it changes
// nothing. All elections are tried; the errors are joined.
func ReconcileRevalidationSchedules(ctx context.Context, c client.Client, taskQueue string, active []models.Election) error {
	var errs []error
	want := map[string]bool{}
	for _, e := range active {
		want[RevalidationScheduleID(e.ID)] = true
		if err := EnsureRevalidationSchedule(ctx, c, taskQueue, e.ID, e.ElectionDay); err != nil {
			errs = append(errs, err)
		}
	}
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list the schedules: %w", err))...)
	}
	for it.HasNext() {
		s, err := it.Next()
		if err != nil {
			errs = append(errs, fmt.Errorf("list the schedules: %w", err))
			break
		}
		rest, ok := strings.CutPrefix(s.ID, RevalidationSchedulePrefix)
		if !ok || want[s.ID] {
			continue
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			continue // not one of ours
		}
		if err := DeleteRevalidationSchedule(ctx, c, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
