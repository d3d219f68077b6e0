package workflows

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows/payload"
)

// a names the activities for ExecuteActivity; its fields are never used
// inside a workflow.
var a *activities.Activities

// SelfCheck proves the whole chain an election depends on: the Temporal
// server accepts a workflow, a worker polls the task queue, runs an activity,
// and the activity reads and writes the app database.
func SelfCheck(ctx workflow.Context) (activities.SelfCheckResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var r activities.SelfCheckResult
	err := workflow.ExecuteActivity(ctx, a.RecordSelfCheck).Get(ctx, &r)
	return r, err
}

// RunSelfCheck starts a SelfCheck on taskQueue and waits for its result.
// The caller's context bounds the wait: without a worker it never ends.
func RunSelfCheck(ctx context.Context, c client.Client, taskQueue string) (activities.SelfCheckResult, error) {
	id := payload.SelfCheckID(time.Now())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: time.Minute,
	}, SelfCheck)
	if err != nil {
		return activities.SelfCheckResult{}, fmt.Errorf("start self-check: %w", err)
	}
	var r activities.SelfCheckResult
	if err := run.Get(ctx, &r); err != nil {
		return r, fmt.Errorf("self-check %s: %w", id, err)
	}
	return r, nil
}
