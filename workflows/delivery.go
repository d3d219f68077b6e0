package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
)

// SMSTaskQueue is the task queue of SMS deliveries for a workflow task
// queue: a queue of its own, so the server can hold SMS to the provider's
// rate (TaskQueueActivitiesPerSecond) across every worker.
func SMSTaskQueue(taskQueue string) string { return taskQueue + "-sms" }

// smsDeliveries wait in their queue while the provider's rate holds them
// back: a round of thousands queues for a long time, so the schedule-to-
// start time is not limited.
func smsDeliveries(ctx workflow.Context) workflow.Context {
	opts := workflow.GetActivityOptions(ctx)
	opts.TaskQueue = SMSTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	opts.StartToCloseTimeout = time.Minute
	return workflow.WithActivityOptions(ctx, opts)
}

// deliver sends one message on the first channel that takes it: the
// channels PlanMessage picked, best first. A permanent failure on one falls
// through to the next; a transient one is retried by Temporal until the
// provider is back. When no channel takes it, the message is marked failed
// for the overview, and the workflow goes on: a message is never a reason
// to stop a lifecycle.
func deliver(ctx workflow.Context, msg activities.LifecycleMessage) error {
	var plan activities.MessagePlan
	if err := workflow.ExecuteActivity(ctx, a.PlanMessage, msg).Get(ctx, &plan); err != nil {
		return err
	}
	return deliverPlan(ctx, plan)
}

// planLocally bounds the planning that runs inside a workflow task: a
// provider asking for a wait, or a database that is down, is retried there
// for a few minutes (the task is kept alive meanwhile); after that the
// ordinary activity, retried by the server for as long as it takes, plans.
var planLocally = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 5 * time.Minute,
	StartToCloseTimeout:    time.Minute,
	RetryPolicy:            lifecycleActivities.RetryPolicy,
}

// deliverLocally is deliver with the planning — and with it the send on
// every channel before SMS — as a local activity: the common message costs
// the server no activity task and no extra workflow task. PlanMessage is
// idempotent (the message is found by its dedupe key and its id reused), so
// a task that is retried after a crash sends nothing twice. SMS still goes
// through its rate-limited queue (deliverPlan).
func deliverLocally(ctx workflow.Context, msg activities.LifecycleMessage) error {
	var plan activities.MessagePlan
	lctx := workflow.WithLocalActivityOptions(ctx, planLocally)
	if err := workflow.ExecuteLocalActivity(lctx, a.PlanMessage, msg).Get(ctx, &plan); err != nil {
		var refusal *temporal.ApplicationError
		if (errors.As(err, &refusal) && refusal.NonRetryable()) || temporal.IsCanceledError(err) {
			return err
		}
		return deliver(ctx, msg)
	}
	return deliverPlan(ctx, plan)
}

func deliverPlan(ctx workflow.Context, plan activities.MessagePlan) error {
	if plan.Status == models.MessageSent || plan.Status == models.MessageDelivered || len(plan.Channels) == 0 {
		return nil // sent (by the planning activity or an earlier run), or nothing can reach the person (recorded)
	}
	for _, ch := range plan.Channels[plan.Tried:] {
		actx := ctx
		if ch == models.ChannelSMS {
			actx = smsDeliveries(ctx)
		}
		var out activities.DeliveryOutcome
		if err := workflow.ExecuteActivity(actx, a.DeliverMessage, activities.Delivery{MessageID: plan.MessageID, Channel: ch}).Get(ctx, &out); err != nil {
			return err
		}
		if out.Status == models.MessageSent {
			return nil
		}
	}
	return workflow.ExecuteActivity(ctx, a.GiveUpMessage, plan.MessageID).Get(ctx, nil)
}

// RetryMessage sends a failed message again on the channels that can reach
// the person now: staff's retry from the message log.
func RetryMessage(ctx workflow.Context, messageID string) error {
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	var plan activities.MessagePlan
	if err := workflow.ExecuteActivity(ctx, a.ReplanMessage, messageID).Get(ctx, &plan); err != nil {
		return err
	}
	return deliverPlan(ctx, plan)
}
