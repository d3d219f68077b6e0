package workflows

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Retention deletes a closed election's personal data when its retention
// period ends (election day + retention_days): a durable timer, started
// when the election is closed. Staff may change retention_days meanwhile:
// the workflow reads the date again each time it wakes and sleeps on when
// it moved later; RescheduleSignal wakes it at once to read a date that
// moved earlier.

// RescheduleSignal tells a Retention workflow that the election's
// retention date changed.
const RescheduleSignal = "reschedule"

// RetentionInput names the election.
type RetentionInput struct {
	ElectionID int64
}

// retentionRecheck is how long to wait when the worker's clock says the
// date has not come although the timer fired (clocks differ a little).
const retentionRecheck = time.Minute

// Retention is the workflow of one election's retention period.
func Retention(ctx workflow.Context, in RetentionInput) (activities.Anonymisation, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
	})
	reschedule := workflow.GetSignalChannel(ctx, RescheduleSignal)
	for {
		var st activities.RetentionStatus
		if err := workflow.ExecuteActivity(ctx, a.RetentionDue, in.ElectionID).Get(ctx, &st); err != nil {
			return activities.Anonymisation{}, err
		}
		if st.Anonymised {
			return activities.Anonymisation{}, nil
		}
		if wait := st.Due.Sub(workflow.Now(ctx)); wait > 0 {
			sleepUntilSignal(ctx, wait, reschedule)
			continue
		}
		var res activities.Anonymisation
		if err := workflow.ExecuteActivity(ctx, a.AnonymiseElection, in.ElectionID).Get(ctx, &res); err != nil {
			return res, err
		}
		if !res.NotDue {
			return res, nil
		}
		sleepUntilSignal(ctx, retentionRecheck, reschedule)
	}
}

// sleepUntilSignal sleeps for d or until a signal arrives on ch, whichever
// comes first; the signals waiting are all taken (one reload serves them).
func sleepUntilSignal(ctx workflow.Context, d time.Duration, ch workflow.ReceiveChannel) {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(timerCtx, d), func(workflow.Future) {})
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
	for ch.ReceiveAsync(nil) {
	}
}

// StartRetention starts an election's Retention workflow; when it runs
// already, that is fine.
func StartRetention(ctx context.Context, c client.Client, taskQueue string, electionID int64) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: payload.RetentionID(electionID), TaskQueue: taskQueue,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(payload.ElectionAttr.ValueSet(strconv.FormatInt(electionID, 10)))},
		Retention, RetentionInput{ElectionID: electionID})
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return nil
	}
	return err
}

// RescheduleRetention tells an election's Retention workflow to read its
// date again; when none runs (the election is not closed yet, or its data
// is gone), there is nothing to tell.
func RescheduleRetention(ctx context.Context, c client.Client, electionID int64) error {
	err := c.SignalWorkflow(ctx, payload.RetentionID(electionID), "", RescheduleSignal, nil)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}
