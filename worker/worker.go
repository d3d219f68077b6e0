// Package worker registers the workflows and activities on a Temporal worker
// and sets the options and rate limits they run under.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows"
)

// DefaultTaskQueue is the task queue the web app starts workflows on.
const DefaultTaskQueue = "valghalla"

// Options returns the worker options. The SDK's default of two pollers
// halves throughput on a busy queue (measured, DESIGN.md).
func Options() sdkworker.Options {
	return sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 8,
	}
}

// Register adds every workflow and activity of the product to r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.SelfCheck)
	r.RegisterWorkflow(workflows.AccountInvitation)
	r.RegisterWorkflow(workflows.Lifecycle)
	r.RegisterWorkflow(workflows.Round)
	r.RegisterWorkflow(workflows.Revalidation)
	r.RegisterActivity(acts)
}

// New returns a worker for taskQueue with everything registered; call Run or
// Start on it.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, Options())
	Register(w, acts)
	return w
}
