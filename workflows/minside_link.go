package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/workflows/payload"
)

// MinSideLink sends a volunteer the one-time login link of Min side (the
// row linkID of store.CreateVolunteerLoginLinks) by e-mail or SMS, as
// PasswordReset sends a reset link: the token is made by the activity and
// never enters this history; only the row's id does.
func MinSideLink(ctx workflow.Context, linkID int64) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// The link lives 15 minutes: nothing is left to send after that
		// (the activity sends no dead link).
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: 2 * time.Minute, MaximumAttempts: 8},
		ScheduleToCloseTimeout: 15 * time.Minute,
	})
	return workflow.ExecuteActivity(ctx, a.SendMinSideLink, linkID).Get(ctx, nil)
}

// StartMinSideLink starts the MinSideLink of linkID and returns its
// workflow id: one per link.
func StartMinSideLink(ctx context.Context, c client.Client, taskQueue string, linkID int64) (string, error) {
	id := payload.MinSideLinkID(linkID)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, MinSideLink, linkID)
	return id, err
}
