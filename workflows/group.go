package workflows

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A group message (store.CreateGroupMessage) goes to its recipients a page
// at a time: each person's copy is planned and delivered as any message,
// on the first channel that takes it. The people of a page are served at
// once, so a queue of SMS held back by the provider's rate does not hold
// up the e-mails and letters of the others. The workflow continues as new
// every few pages so its history stays short. Sending it twice sends it
// once: its id is derived from the group message, and every copy is named
// by the group and the person (PlanGroupMessage).

// GroupProgressQuery is the name of the group message's progress query.
const GroupProgressQuery = "progress"

// Group message sizes: a page of people is served at once; a run handles
// groupPagesPerRun pages before it continues as new.
const (
	groupPageSize    = 50
	groupPagesPerRun = 10
)

// GroupMessageInput is the group message to send and, after a
// continue-as-new, how far it got: the last participant served, how many
// people were served and how many of them met an error.
type GroupMessageInput struct {
	GroupID int64
	AfterID int64
	Sent    int
	Errors  int
}

// GroupMessageProgress is what the progress query returns. Sent counts the
// people served: their copy was sent, or no channel could carry it (the
// message log tells which). Errors counts the people among them whose copy
// met an error no retry mends (in the worker's log, never personal data).
type GroupMessageProgress struct {
	Sent   int
	Errors int
	Done   bool
}

// GroupMessage is the workflow of one group message.
func GroupMessage(ctx workflow.Context, in GroupMessageInput) (GroupMessageProgress, error) {
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	p := GroupMessageProgress{Sent: in.Sent, Errors: in.Errors}
	if err := workflow.SetQueryHandler(ctx, GroupProgressQuery, func() (GroupMessageProgress, error) { return p, nil }); err != nil {
		return p, err
	}
	for page := 0; ; page++ {
		if page == groupPagesPerRun {
			in.Sent, in.Errors = p.Sent, p.Errors
			return p, workflow.NewContinueAsNewError(ctx, GroupMessage, in)
		}
		var ids []int64
		if err := workflow.ExecuteActivity(ctx, a.GroupRecipientsPage, in.GroupID, in.AfterID, groupPageSize).Get(ctx, &ids); err != nil {
			return p, err
		}
		if len(ids) == 0 {
			p.Done = true
			return p, nil
		}
		p.Errors += sendGroupPage(ctx, in.GroupID, ids)
		p.Sent += len(ids)
		in.AfterID = ids[len(ids)-1]
	}
}

// sendGroupPage delivers the copies of a page of people side by side and
// waits for them all. The activities retry until they get through; an
// error here is one no retry mends (a person deleted meanwhile, a broken
// record). It is logged and counted, and the others still get theirs: one
// person's copy is no reason to stop the rest.
func sendGroupPage(ctx workflow.Context, groupID int64, ids []int64) (errors int) {
	wg := workflow.NewWaitGroup(ctx)
	for _, id := range ids {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			var plan activities.MessagePlan
			err := workflow.ExecuteActivity(ctx, a.PlanGroupMessage, activities.GroupDelivery{GroupID: groupID, ParticipantID: id}).Get(ctx, &plan)
			if err == nil {
				err = deliverPlan(ctx, plan)
			}
			if err != nil {
				errors++
				workflow.GetLogger(ctx).Error("group message copy failed", "group", groupID, "participant", id, "error", err)
			}
		})
	}
	wg.Wait(ctx)
	return errors
}

// StartGroupMessage starts the workflow of a recorded group message. It is
// started at most once: a second start, also after the first has finished,
// does nothing.
func StartGroupMessage(ctx context.Context, c client.Client, taskQueue string, groupID int64) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: payload.GroupMessageID(groupID), TaskQueue: taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE},
		GroupMessage, GroupMessageInput{GroupID: groupID})
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return nil
	}
	return err
}

// QueryGroupMessage returns a group message's progress, also after it
// finished.
func QueryGroupMessage(ctx context.Context, c client.Client, workflowID string) (GroupMessageProgress, error) {
	var p GroupMessageProgress
	v, err := c.QueryWorkflow(ctx, workflowID, "", GroupProgressQuery)
	if err != nil {
		return p, err
	}
	return p, v.Get(&p)
}
