package bench

import (
	"context"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// Pages is how a round's time divides between starting its pages of
// lifecycles (the activity that starts a page at once, from its scheduling
// to its completion) and the steps between two pages (the round's workflow
// task, its read of the next page, a continue-as-new), read from the round's
// histories after the phase: the round starts one page at a time, so the
// two add up to its start rate.
type Pages struct {
	N                 int
	Starting, Between time.Duration // per page
}

// roundPages reads every run of the round workflowID, the last one first
// (each run's start names the run it continued).
func roundPages(ctx context.Context, c client.Client, workflowID string) (Pages, error) {
	var runs [][]*historypb.HistoryEvent
	for runID := ""; ; {
		var events []*historypb.HistoryEvent
		it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return Pages{}, err
			}
			events = append(events, e)
		}
		if len(events) == 0 {
			break
		}
		runs = append(runs, events)
		if runID = events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId(); runID == "" {
			break
		}
	}
	slices.Reverse(runs)
	var p Pages
	var starting, between time.Duration
	var lastDone time.Time
	scheduled := map[int64]time.Time{}
	for _, events := range runs {
		clear(scheduled) // event ids start again in every run
		for _, e := range events {
			at := e.GetEventTime().AsTime()
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				scheduled[e.GetEventId()] = at
				if !lastDone.IsZero() {
					between += at.Sub(lastDone)
				}
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				starting += at.Sub(scheduled[e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()])
				lastDone = at
				p.N++
			}
		}
	}
	if p.N > 0 {
		p.Starting = starting / time.Duration(p.N)
	}
	if p.N > 1 {
		p.Between = between / time.Duration(p.N-1)
	}
	return p, nil
}
