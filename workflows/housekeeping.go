package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
)

// Housekeeping is the daily clean-up the Temporal Schedule
// HousekeepingScheduleID starts (worker.EnsureHousekeeping): it purges
// what has outlived its use, and its history holds only counts.
func Housekeeping(ctx workflow.Context) (activities.Purged, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		// A database away for a while is retried until the next run is near.
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 30 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
		ScheduleToCloseTimeout: 20 * time.Hour,
	})
	var p activities.Purged
	err := workflow.ExecuteActivity(ctx, a.Purge).Get(ctx, &p)
	return p, err
}
