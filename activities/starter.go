package activities

import (
	"context"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/workflows/payload"
)

// A round's page of lifecycles is started by an activity with the worker's
// client. Started as children, each person would cost the server a task, a
// write to the round's own record and often one more workflow task of the
// round, all queued behind one lock on the round; started by the client,
// the lifecycles of a page start side by side and the round's history holds
// one activity per page.

// PageStarts is what StartLifecycles did with a page.
type PageStarts struct {
	Started int // lifecycles this round started
	Skipped int // already running: started by someone else
}

// Starter holds the activity that starts a round's pages; the worker
// registers it with its own client.
type Starter struct{ Client client.Client }

// StartLifecycles starts the lifecycles of refs on the activity's task
// queue, all at once; a lifecycle already running is skipped (its id is
// the assignment's). A lifecycle carries the id of the round that started
// it in its memo, so a page retried after a failed or cut-short attempt
// counts what that attempt started as started, not skipped.
func (s *Starter) StartLifecycles(ctx context.Context, refs []payload.LifecycleRef) (PageStarts, error) {
	info := activity.GetInfo(ctx)
	round := info.WorkflowExecution.ID
	results := make([]error, len(refs))
	mine := make([]bool, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() {
			_, err := s.Client.ExecuteWorkflow(ctx, lifecycleStartOptions(ref, info.TaskQueue, round),
				payload.LifecycleWorkflow, payload.LifecycleInput{AssignmentID: ref.AssignmentID})
			if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				mine[i], err = s.startedBy(ctx, ref.WorkflowID, round)
			} else {
				mine[i] = err == nil
			}
			results[i] = err
			activity.RecordHeartbeat(ctx) // the worker lives
		})
	}
	wg.Wait()
	var page PageStarts
	for i := range refs {
		switch {
		case results[i] != nil:
			return page, results[i]
		case mine[i]:
			page.Started++
		default:
			page.Skipped++
		}
	}
	return page, nil
}

// startedBy tells whether the running lifecycle with workflowID was
// started by round.
func (s *Starter) startedBy(ctx context.Context, workflowID, round string) (bool, error) {
	d, err := s.Client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return false, err
	}
	p := d.GetWorkflowExecutionInfo().GetMemo().GetFields()[payload.MemoRound]
	if p == nil {
		return false, nil
	}
	var by string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &by); err != nil {
		return false, err
	}
	return by == round, nil
}

// lifecycleStartOptions start a lifecycle as workflows.LifecycleOptions
// starts a child, with the round that started it in its memo.
func lifecycleStartOptions(ref payload.LifecycleRef, taskQueue, round string) client.StartWorkflowOptions {
	memo := payload.LifecycleMemo(ref)
	memo[payload.MemoRound] = round
	return client.StartWorkflowOptions{
		ID:                       ref.WorkflowID,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// A running lifecycle is an error to tell apart, not a run to use.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    payload.LifecycleAttributes(ref),
		Memo:                                     memo,
	}
}
