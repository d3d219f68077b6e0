package workflows

import (
	"context"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A recruitment round invites everyone nominated and not yet invited in an
// election (within a filter). It reads its people a page at a time (local
// activities, inside the round's workflow task), has an activity start a
// page's lifecycles at once with the worker's client (StartLifecycles: no
// children, which would queue behind one lock on the round and wedge past
// 2,000), and continues as new every few pages, so its history stays short.
// It is idempotent: people already invited are no longer nominated and are
// never listed again, and a lifecycle already running is found by its id.

// Names of the round's signals and query.
const (
	RoundPauseSignal   = "pause"
	RoundResumeSignal  = "resume"
	RoundCancelSignal  = "cancel"
	RoundProgressQuery = "progress"
)

// Round sizes: a page of lifecycles is started at once; a run handles
// pagesPerRun pages before it continues as new.
const (
	roundPageSize    = 50
	roundPagesPerRun = 10
)

// RoundProgress is what the progress query returns; it is carried from run
// to run.
type RoundProgress struct {
	Total     int   // people to invite, counted at launch (grows if more are found)
	Started   int   // lifecycles started by this round
	Skipped   int   // already running, started by someone else
	AfterID   int64 // the last assignment handled
	Counted   bool
	Paused    bool
	Cancelled bool
	Done      bool
}

// RoundInput is the round to run and, after a continue-as-new, how far it got.
type RoundInput struct {
	RoundID  int64
	Progress RoundProgress
}

// starter names the Starter's activities in workflow code.
var starter *activities.Starter

// startPage runs StartLifecycles: a page takes a fraction of a second
// (100–250 ms measured), a worker that dies is noticed by the heartbeat.
var startPage = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	HeartbeatTimeout:    10 * time.Second,
	RetryPolicy:         lifecycleActivities.RetryPolicy,
}

// read runs one of the round's database reads as a local activity, inside
// the round's workflow task: an ordinary activity would cost each page two
// server round trips in which no lifecycle is started.
func read(ctx workflow.Context, activity any, args ...any) workflow.Future {
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, writeLocally), activity, args...)
}

// Round is the workflow of a recruitment round: count the people, then
// invite them a page at a time — unless paused or cancelled — continuing as
// new every roundPagesPerRun pages.
func Round(ctx workflow.Context, in RoundInput) (RoundProgress, error) {
	ctx = workflow.WithActivityOptions(ctx, lifecycleActivities)
	p := &in.Progress
	if err := workflow.SetQueryHandler(ctx, RoundProgressQuery, func() (RoundProgress, error) { return *p, nil }); err != nil {
		return *p, err
	}
	staff := listenToStaff(ctx, p)
	if !p.Counted {
		if err := read(ctx, a.CountRound, in.RoundID).Get(ctx, &p.Total); err != nil {
			return *p, err
		}
		p.Counted = true
		countRound(ctx, metrics.RoundsStartedName, "")
	}
	for page := 0; ; page++ {
		if staff.cancelled(ctx) {
			countRound(ctx, metrics.RoundsCompletedName, "cancelled")
			return *p, nil
		}
		if page == roundPagesPerRun {
			return *p, workflow.NewContinueAsNewError(ctx, Round, in)
		}
		if err := invitePage(ctx, in.RoundID, p); err != nil || p.Done {
			if err == nil {
				countRound(ctx, metrics.RoundsCompletedName, "done")
			}
			return *p, err
		}
	}
}

// countRound counts a round's start, or its end with its outcome (done,
// cancelled), through the SDK's metrics handler: it counts nothing while
// the workflow is replayed, so a worker that picks the round up again does
// not count it twice, and it makes no command, so the histories stay as
// they were.
func countRound(ctx workflow.Context, name, outcome string) {
	h := workflow.GetMetricsHandler(ctx)
	if outcome != "" {
		h = h.WithTags(map[string]string{"outcome": outcome})
	}
	h.Counter(name).Inc(1)
}

// roundStaff applies the staff's pause, resume and cancel signals to the
// round's progress.
type roundStaff struct {
	p                     *RoundProgress
	pause, resume, cancel workflow.ReceiveChannel
	listen                workflow.Selector
}

func listenToStaff(ctx workflow.Context, p *RoundProgress) *roundStaff {
	s := &roundStaff{p: p, pause: workflow.GetSignalChannel(ctx, RoundPauseSignal),
		resume: workflow.GetSignalChannel(ctx, RoundResumeSignal), cancel: workflow.GetSignalChannel(ctx, RoundCancelSignal)}
	s.listen = workflow.NewSelector(ctx)
	for _, ch := range []workflow.ReceiveChannel{s.pause, s.resume, s.cancel} {
		s.listen.AddReceive(ch, func(workflow.ReceiveChannel, bool) { s.drain() })
	}
	return s
}

// drain applies the signals that have arrived, in order of kind.
func (s *roundStaff) drain() {
	for s.pause.ReceiveAsync(nil) {
		s.p.Paused = true
	}
	for s.resume.ReceiveAsync(nil) {
		s.p.Paused = false
	}
	for s.cancel.ReceiveAsync(nil) {
		s.p.Cancelled = true
	}
}

// cancelled applies the signals that have arrived, waits while the round
// is paused, and reports whether it was cancelled.
func (s *roundStaff) cancelled(ctx workflow.Context) bool {
	s.drain()
	for s.p.Paused && !s.p.Cancelled {
		s.listen.Select(ctx)
	}
	return s.p.Cancelled
}

// invitePage reads the next page of people and has the Starter's activity
// start their lifecycles; with nobody left, the round is done.
func invitePage(ctx workflow.Context, roundID int64, p *RoundProgress) error {
	var refs []payload.LifecycleRef
	if err := read(ctx, a.RoundPage, roundID, p.AfterID, roundPageSize).Get(ctx, &refs); err != nil {
		return err
	}
	if len(refs) == 0 {
		p.Done = true
		return nil
	}
	var started activities.PageStarts
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, startPage), starter.StartLifecycles, refs).Get(ctx, &started); err != nil {
		return err
	}
	p.Started += started.Started
	p.Skipped += started.Skipped
	p.AfterID = refs[len(refs)-1].AssignmentID
	p.Total = max(p.Total, p.Started+p.Skipped)
	return nil
}

// StartRound starts the workflow of a recorded round.
func StartRound(ctx context.Context, c client.Client, taskQueue string, r RoundRef) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: r.WorkflowID, TaskQueue: taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(payload.ElectionAttr.ValueSet(strconv.FormatInt(r.ElectionID, 10)))},
		Round, RoundInput{RoundID: r.ID})
	return err
}

// RoundRef names a recorded round.
type RoundRef struct {
	ID, ElectionID int64
	WorkflowID     string
}

// QueryRound returns a round's progress, also after it finished.
func QueryRound(ctx context.Context, c client.Client, workflowID string) (RoundProgress, error) {
	var p RoundProgress
	v, err := c.QueryWorkflow(ctx, workflowID, "", RoundProgressQuery)
	if err != nil {
		return p, err
	}
	return p, v.Get(&p)
}

// SignalRound pauses, resumes or cancels a round.
func SignalRound(ctx context.Context, c client.Client, workflowID, signal string) error {
	return c.SignalWorkflow(ctx, workflowID, "", signal, nil)
}
