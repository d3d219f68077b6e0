package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/workflows/payload"
)

// AccountInvitation e-mails a new user the one-time link to their account.
// The link itself is made by the activity and never enters this history.
func AccountInvitation(ctx workflow.Context, userID int64) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// A mail relay that is down for a while is retried for a day; a
		// rejected address is not retried (the activity says so).
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Hour, MaximumAttempts: 30},
		ScheduleToCloseTimeout: 24 * time.Hour,
	})
	return workflow.ExecuteActivity(ctx, a.SendAccountInvitation, userID).Get(ctx, nil)
}

// StartAccountInvitation starts an AccountInvitation for userID and returns
// its workflow id. Each call sends anew (an administrator's "send again").
func StartAccountInvitation(ctx context.Context, c client.Client, taskQueue string, userID int64, now time.Time) (string, error) {
	id := payload.AccountInvitationID(userID, now)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, AccountInvitation, userID)
	return id, err
}
