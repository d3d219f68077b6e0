package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/workflows/payload"
)

// PasswordReset e-mails a user the one-time link of a password reset (the
// row resetID of store.CreatePasswordReset). The token is made by the
// activity and never enters this history; only the row's id does.
func PasswordReset(ctx workflow.Context, resetID int64) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// The link lives an hour: a relay down longer than that has
		// nothing left to send (the activity sends no dead link).
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: 10 * time.Minute, MaximumAttempts: 10},
		ScheduleToCloseTimeout: time.Hour,
	})
	return workflow.ExecuteActivity(ctx, a.SendPasswordReset, resetID).Get(ctx, nil)
}

// StartPasswordReset starts the PasswordReset of resetID and returns its
// workflow id: one per link.
func StartPasswordReset(ctx context.Context, c client.Client, taskQueue string, resetID int64) (string, error) {
	id := payload.PasswordResetID(resetID)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, PasswordReset, resetID)
	return id, err
}
