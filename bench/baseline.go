package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/worker"
)

// The baseline is bare Temporal doing what a round does, without the
// product: a round workflow starts abandoned children a page at a time and
// continues as new every few pages (the product's page sizes); each child
// runs one no-op activity and then waits, as a lifecycle waits for its
// answer. Same server, same worker options, same process.

const baselineQueue = "bench-baseline"

// The product's round sizes (workflows/round.go).
const (
	baselinePageSize    = 50
	baselinePagesPerRun = 10
)

type baselineRoundInput struct {
	Run     string
	N, Next int
}

func baselineRound(ctx workflow.Context, in baselineRoundInput) (int, error) {
	for page := 0; in.Next < in.N; page++ {
		if page == baselinePagesPerRun {
			return in.Next, workflow.NewContinueAsNewError(ctx, baselineRound, in)
		}
		end := min(in.Next+baselinePageSize, in.N)
		started := make([]workflow.ChildWorkflowFuture, 0, end-in.Next)
		for i := in.Next; i < end; i++ {
			opts := workflow.ChildWorkflowOptions{WorkflowID: fmt.Sprintf("baseline-%s-%d", in.Run, i),
				ParentClosePolicy: 2} // abandon
			started = append(started, workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), baselineLifecycle))
		}
		for _, f := range started {
			if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				return in.Next, err
			}
		}
		in.Next = end
	}
	return in.Next, nil
}

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
