package workflows

import (
	"context"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Re-validation before the election: every invited and confirmed person is
// checked against the CPR register again, and the lifecycles of those no
// longer eligible are told (RemoveSignal): they send the "removed by
// validation" message and hand the slot to replacement.

// RevalidationProgress is what the progress query returns.
type RevalidationProgress struct {
	Checked, Removed int
	// Refreshed counts the people whose record was brought in line with
	// the register (name, protection, Digital Post exemption).
	Refreshed int
	AfterID   int64
	Done      bool
}

// RevalidationInput is the election to check and, after a continue-as-new,
// how far it got.
type RevalidationInput struct {
	ElectionID int64
	Progress   RevalidationProgress
}

// RevalidationProgressQuery names the re-validation's progress query.
const RevalidationProgressQuery = "progress"

const revalidationPageSize = 25

// Revalidation is the workflow of one re-validation.
func Revalidation(ctx workflow.Context, in RevalidationInput) (RevalidationProgress, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{"NoRegister"}},
	})
	p := &in.Progress
	if err := workflow.SetQueryHandler(ctx, RevalidationProgressQuery, func() (RevalidationProgress, error) { return *p, nil }); err != nil {
		return *p, err
	}
	for page := 0; ; page++ {
		if page == roundPagesPerRun {
			return *p, workflow.NewContinueAsNewError(ctx, Revalidation, in)
		}
		var res activities.RevalidationPage
		if err := workflow.ExecuteActivity(ctx, a.RevalidatePage, in.ElectionID, p.AfterID, revalidationPageSize).Get(ctx, &res); err != nil {
			return *p, err
		}
		for _, ref := range res.Ineligible {
			// A lifecycle that ended meanwhile is not an error.
			_ = workflow.SignalExternalWorkflow(ctx, ref.WorkflowID, "", RemoveSignal, nil).Get(ctx, nil)
			p.Removed++
		}
		p.Checked += res.Checked
		p.Refreshed += res.Refreshed
		if res.AfterID > 0 {
			p.AfterID = res.AfterID
		}
		if res.Done {
			p.Done = true
			return *p, nil
		}
	}
}

// StartRevalidation starts a re-validation of an election and returns its
// workflow id.
func StartRevalidation(ctx context.Context, c client.Client, taskQueue string, electionID int64, now time.Time) (string, error) {
	id := payload.RevalidationID(electionID, now)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(payload.ElectionAttr.ValueSet(strconv.FormatInt(electionID, 10)))},
		Revalidation, RevalidationInput{ElectionID: electionID})
	return id, err
}
