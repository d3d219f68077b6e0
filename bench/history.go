package bench

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Shape is what one lifecycle asked of the Temporal server from its start
// to the invitation (and its wait): the mean over a sample of a phase's
// lifecycles, read from their histories after the phase. Each workflow
// task and each activity task is a round trip of the worker's to the
// server (a poll and a completion) and a write of the history; the events
// are what those writes hold.
type Shape struct {
	Sampled                     int
	Events, WorkflowTasks       float64
	ActivityTasks, LocalMarkers float64
	StartedWithSearchAttributes bool
}

// shapeSample is how many lifecycles of a phase are read back: the shape
// of a lifecycle does not depend on which one it is.
const shapeSample = 20

// historyShape reads the histories of up to shapeSample of ids, spread over
// the phase, each once it waits on its timer: a phase ends at its last
// invitation, a moment before that lifecycle's task that starts the wait
// completes.
func historyShape(ctx context.Context, c client.Client, ids []string) (Shape, error) {
	var s Shape
	step := max(1, len(ids)/shapeSample)
	for i := 0; i < len(ids) && s.Sampled < shapeSample; i += step {
		one, err := waitingShape(ctx, c, ids[i])
		if err != nil {
			return s, err
		}
		s.Events += one.Events
		s.WorkflowTasks += one.WorkflowTasks
		s.ActivityTasks += one.ActivityTasks
		s.LocalMarkers += one.LocalMarkers
		s.StartedWithSearchAttributes = one.StartedWithSearchAttributes
		s.Sampled++
	}
	if n := float64(s.Sampled); n > 0 {
		s.Events, s.WorkflowTasks, s.ActivityTasks, s.LocalMarkers = s.Events/n, s.WorkflowTasks/n, s.ActivityTasks/n, s.LocalMarkers/n
	}
	return s, nil
}

// shapeWait bounds how long a lifecycle may take to reach its wait after
// its invitation arrived: one that never does (it failed, or ended
// without waiting) must fail the benchmark, not hang it.
const shapeWait = time.Minute

// waitingShape is the shape of one workflow's history once it has started
// a timer.
func waitingShape(ctx context.Context, c client.Client, id string) (Shape, error) {
	ctx, cancel := context.WithTimeout(ctx, shapeWait)
	defer cancel()
	for {
		var s Shape
		waiting := false
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return s, err
			}
			s.Events++
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				s.StartedWithSearchAttributes = len(e.GetWorkflowExecutionStartedEventAttributes().GetSearchAttributes().GetIndexedFields()) > 0
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				s.WorkflowTasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				s.ActivityTasks++
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				s.LocalMarkers++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				waiting = true
			}
		}
		if waiting {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("bench: %s has not started a timer within %v (%d events): %w", id, shapeWait, int(s.Events), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
