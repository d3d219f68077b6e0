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

// Register adds every workflow and activity of the product to r; c is the
// client the round's activity starts lifecycles with.
func Register(r sdkworker.Registry, c client.Client, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.SelfCheck)
	r.RegisterWorkflow(workflows.AccountInvitation)
	r.RegisterWorkflow(workflows.PasswordReset)
	r.RegisterWorkflow(workflows.MinSideLink)
	r.RegisterWorkflow(workflows.Lifecycle)
	r.RegisterWorkflow(workflows.Round)
	r.RegisterWorkflow(workflows.DayReplacement)
	r.RegisterWorkflow(workflows.Revalidation)
	r.RegisterWorkflow(workflows.RetryMessage)
	r.RegisterWorkflow(workflows.GroupMessage)
	r.RegisterWorkflow(workflows.Retention)
	r.RegisterWorkflow(workflows.Housekeeping)
	r.RegisterActivity(acts)
	r.RegisterActivity(&activities.Starter{Client: c})
}

// DefaultSMSPerSecond is the SMS rate when none is configured: a Danish
// long code sends about one segment per second (DOMAIN.md).
const DefaultSMSPerSecond = 1.0

// Worker runs the product's workflows and activities on a task queue, and
// the SMS deliveries on its SMS queue (workflows.SMSTaskQueue) at the
// provider's rate.
type Worker struct {
	main, sms sdkworker.Worker
}

// New returns a worker for taskQueue with everything registered, sending at
// most DefaultSMSPerSecond SMS; call Run or Start on it.
func New(c client.Client, taskQueue string, acts *activities.Activities) *Worker {
	return NewWithSMSRate(c, taskQueue, acts, DefaultSMSPerSecond)
}

// NewWithSMSRate is New with the SMS rate, in messages per second over all
// workers of the queue (the server enforces it: TaskQueueActivitiesPerSecond).
func NewWithSMSRate(c client.Client, taskQueue string, acts *activities.Activities, smsPerSecond float64) *Worker {
	w := &Worker{main: sdkworker.New(c, taskQueue, Options())}
	Register(w.main, c, acts)
	w.sms = sdkworker.New(c, workflows.SMSTaskQueue(taskQueue), sdkworker.Options{
		DisableWorkflowWorker:            true,
		TaskQueueActivitiesPerSecond:     smsPerSecond,
		MaxConcurrentActivityTaskPollers: 2,
	})
	w.sms.RegisterActivity(acts)
	return w
}

// Start starts both workers.
func (w *Worker) Start() error {
	if err := w.main.Start(); err != nil {
		return err
	}
	if err := w.sms.Start(); err != nil {
		w.main.Stop()
		return err
	}
	return nil
}

// Stop stops both workers.
func (w *Worker) Stop() {
	w.sms.Stop()
	w.main.Stop()
}

// Run runs both workers until interrupt is closed or receives.
func (w *Worker) Run(interrupt <-chan interface{}) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-interrupt
	w.Stop()
	return nil
}
