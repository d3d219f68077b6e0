package workflows

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/workflows/payload"
)

// UpdateLifecycle sends one of the lifecycle's updates (AnswerUpdate, …)
// and waits for its outcome. A refused update returns an error whose
// Refusal is one of the Refused… kinds.
func UpdateLifecycle(ctx context.Context, c client.Client, workflowID, update string, args ...any) (LifecycleStatus, error) {
	var st LifecycleStatus
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID, UpdateName: update, Args: args,
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return st, err
	}
	return st, h.Get(ctx, &st)
}

// QueryLifecycle returns a lifecycle's status, also after it ended.
func QueryLifecycle(ctx context.Context, c client.Client, workflowID string) (LifecycleStatus, error) {
	var st LifecycleStatus
	v, err := c.QueryWorkflow(ctx, workflowID, "", StatusQuery)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// Refusal tells why a lifecycle refused an update: one of the Refused…
// kinds, RefusedEnded for a lifecycle that has closed, "" for an error that
// is no refusal (Temporal unreachable, …).
func Refusal(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch t := app.Type(); t {
		case RefusedAlreadyConfirmed, RefusedAlreadyDeclined, RefusedDeadlinePassed, RefusedLockPeriod, RefusedEnded, RefusedBadAnswer,
			RefusedNotTaskDay, RefusedNotConfirmed:
			return t
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return RefusedEnded // "workflow execution already completed"
	}
	return ""
}

// StartRetryMessage starts the retry of a failed message (RetryMessage). A
// retry of the same message already running is not started again.
func StartRetryMessage(ctx context.Context, c client.Client, taskQueue, messageID string) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: payload.RetryMessageID(messageID), TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, RetryMessage, messageID)
	return err
}
