package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/worker"
)

// The baseline is bare Temporal doing what a round does, without the
// product: a round workflow has an activity start a page of workflows at
// once with the worker's client and continues as new every few pages (the
// product's page sizes, workflows/round.go); each of them runs one no-op
// activity and then waits, as a lifecycle waits for its answer. Same
// server, same worker options, same process. Options.BaselineChildren
// starts them as abandoned children instead, as the product's round once
// did (bench/README.md).

const baselineQueue = "bench-baseline"

// The product's round sizes (workflows/round.go).
const (
	baselinePageSize    = 50
	baselinePagesPerRun = 10
)

type baselineRoundInput struct {
	Run      string
	N, Next  int
	Children bool
}

func baselineRound(ctx workflow.Context, in baselineRoundInput) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for page := 0; in.Next < in.N; page++ {
		if page == baselinePagesPerRun {
			return in.Next, workflow.NewContinueAsNewError(ctx, baselineRound, in)
		}
		end := min(in.Next+baselinePageSize, in.N)
		if in.Children {
			if err := startBaselineChildren(ctx, in.Run, in.Next, end); err != nil {
				return in.Next, err
			}
		} else if err := workflow.ExecuteActivity(ctx, (*baselineActivities).StartPage, in.Run, in.Next, end).Get(ctx, nil); err != nil {
			return in.Next, err
		}
		in.Next = end
	}
	return in.Next, nil
}

func startBaselineChildren(ctx workflow.Context, run string, from, to int) error {
	started := make([]workflow.ChildWorkflowFuture, 0, to-from)
	for i := from; i < to; i++ {
		opts := workflow.ChildWorkflowOptions{WorkflowID: baselineID(run, i),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON}
		started = append(started, workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), baselineLifecycle))
	}
	for _, f := range started {
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return err
		}
	}
	return nil
}

// baselineID is the id of the baseline's workflow i of a run.
func baselineID(run string, i int) string { return fmt.Sprintf("baseline-%s-%d", run, i) }

func baselineLifecycle(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if err := workflow.ExecuteActivity(ctx, (*baselineActivities).Noop).Get(ctx, nil); err != nil {
		return err
	}
	// Waits as a lifecycle waits for an answer: a durable timer.
	return workflow.Sleep(ctx, 30*24*time.Hour)
}

type baselineActivities struct{ done *arrivals }

// Noop is the invitation the baseline does not send: it only counts.
func (a *baselineActivities) Noop(context.Context) error {
	a.done.add()
	return nil
}

// StartPage starts the baseline's workflows from to to at once, as
// activities.Starter.StartLifecycles starts a page of lifecycles.
func (a *baselineActivities) StartPage(ctx context.Context, run string, from, to int) error {
	c, queue := activity.GetClient(ctx), activity.GetInfo(ctx).TaskQueue
	errs := make([]error, to-from)
	var wg sync.WaitGroup
	for i := from; i < to; i++ {
		wg.Go(func() {
			opts := client.StartWorkflowOptions{ID: baselineID(run, i), TaskQueue: queue}
			_, errs[i-from] = c.ExecuteWorkflow(ctx, opts, baselineLifecycle) // a retried page gets the runs it started
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startBaselineWorker runs the baseline on its own task queue with the
// product's worker options.
func startBaselineWorker(c client.Client, done *arrivals) (sdkworker.Worker, error) {
	w := sdkworker.New(c, baselineQueue, worker.Options())
	w.RegisterWorkflow(baselineRound)
	w.RegisterWorkflow(baselineLifecycle)
	w.RegisterActivity(&baselineActivities{done: done})
	return w, w.Start()
}

var baselineRuns atomic.Int64
