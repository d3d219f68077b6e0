package worker

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
)

// HousekeepingScheduleID names the Temporal Schedule of the daily
// Housekeeping workflow; operators see it in the Web UI under Schedules.
const HousekeepingScheduleID = "valghalla-housekeeping"

// housekeepingSpec runs at 03:17 Copenhagen time, when nobody works.
var housekeepingSpec = client.ScheduleSpec{
	Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: 3}}, Minute: []client.ScheduleRange{{Start: 17}}}},
	TimeZoneName: "Europe/Copenhagen",
}

// EnsureHousekeeping makes the daily schedule of the Housekeeping
// workflow exist, starting it on taskQueue; idempotent like
// EnsureNamespace: an existing schedule is brought to this spec and queue.
// A run still going when the next is due makes the next one skip.
func EnsureHousekeeping(ctx context.Context, c client.Client, taskQueue string) error {
	action := &client.ScheduleWorkflowAction{
		ID:                       "housekeeping",
		Workflow:                 workflows.Housekeeping,
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: 23 * time.Hour,
	}
	return workflows.EnsureSchedule(ctx, c, client.ScheduleOptions{
		ID: HousekeepingScheduleID, Spec: housekeepingSpec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
}

// EnsureRevalidationSchedules reconciles the re-validation schedules with
// the active elections in db (workflows.ReconcileRevalidationSchedules):
// each has its schedule at its election day, a closed one has none.
// Idempotent; run on every start of the worker, it makes good a change
// the web app could not make while Temporal was away.
func EnsureRevalidationSchedules(ctx context.Context, c client.Client, db *gorm.DB, taskQueue string) error {
	var active []models.Election
	if err := db.WithContext(ctx).Select("id", "election_day").Where("state = ?", models.ElectionActive).Order("id").
		Find(&active).Error; err != nil {
		return fmt.Errorf("read the active elections: %w", err)
	}
	return workflows.ReconcileRevalidationSchedules(ctx, c, taskQueue, active)
}
