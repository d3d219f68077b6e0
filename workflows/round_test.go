package workflows_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/metrics/metricstest"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// roundEnv runs a Round over n people with the lifecycles mocked: the
// round's own logic (pages, pause, resume, cancel, continue-as-new).
func roundEnv(t *testing.T, n int) (*testsuite.TestWorkflowEnvironment, *int) {
	return roundEnvCounting(t, n, nil)
}

// roundEnvCounting is roundEnv with the SDK's metrics going to m.
func roundEnvCounting(t *testing.T, n int, m *metrics.Metrics) (*testsuite.TestWorkflowEnvironment, *int) {
	var s testsuite.WorkflowTestSuite
	if m != nil {
		s.SetMetricsHandler(m.Temporal())
	}
	env := s.NewTestWorkflowEnvironment()
	var acts *activities.Activities
	env.RegisterActivity(acts)
	env.OnActivity(acts.CountRound, mockCtx, int64(1)).Return(n, nil)
	env.OnActivity(acts.RoundPage, mockCtx, int64(1), mockAny, mockAny).Return(
		func(_ context.Context, _, after int64, limit int) ([]payload.LifecycleRef, error) {
			var refs []payload.LifecycleRef
			for id := after + 1; id <= int64(n) && len(refs) < limit; id++ {
				refs = append(refs, payload.LifecycleRef{AssignmentID: id, WorkflowID: "lifecycle-" + itoa(id)})
			}
			return refs, nil
		})
	started := 0
	var st *activities.Starter
	env.RegisterActivity(st)
	env.OnActivity(st.StartLifecycles, mockCtx, mockAny).Return(func(_ context.Context, refs []payload.LifecycleRef) (activities.PageStarts, error) {
		started += len(refs)
		return activities.PageStarts{Started: len(refs)}, nil
	})
	return env, &started
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func progress(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.RoundProgress {
	t.Helper()
	v, err := env.QueryWorkflow(workflows.RoundProgressQuery)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.RoundProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// newRound is a round as StartRound starts it.
var newRound = workflows.RoundInput{RoundID: 1}

func TestRoundStartsEveryoneInPages(t *testing.T) {
	env, started := roundEnv(t, 120)
	env.ExecuteWorkflow(workflows.Round, newRound)
	var p workflows.RoundProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if !p.Done || p.Started != 120 || p.Total != 120 || p.AfterID != 120 || *started != 120 {
		t.Fatalf("progress %+v, %d lifecycles started", p, *started)
	}
}

func TestRoundPausesResumesAndCancels(t *testing.T) {
	env, _ := roundEnv(t, 120)
	var whilePaused workflows.RoundProgress
	// Paused before it begins; the progress shows it; resumed an hour later.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundPauseSignal, nil) }, 0)
	env.RegisterDelayedCallback(func() { whilePaused = progress(t, env) }, 30*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundResumeSignal, nil) }, time.Hour)
	env.ExecuteWorkflow(workflows.Round, newRound)
	var p workflows.RoundProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if !whilePaused.Paused || whilePaused.Started != 0 || !p.Done || p.Started != 120 {
		t.Fatalf("while paused %+v, at the end %+v", whilePaused, p)
	}

	env, started := roundEnv(t, 120)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundPauseSignal, nil) }, 0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundCancelSignal, nil) }, time.Hour)
	env.ExecuteWorkflow(workflows.Round, newRound)
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if !p.Cancelled || p.Done || *started != 0 {
		t.Fatalf("cancelled round: %+v, %d started", p, *started)
	}
}

func TestRoundContinuesAsNewAndCarriesItsProgress(t *testing.T) {
	env, _ := roundEnv(t, 1200)
	env.ExecuteWorkflow(workflows.Round, newRound)
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("after 10 pages of 50: %v, want continue-as-new", err)
	}
	var next workflows.RoundInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.RoundID != 1 || next.Progress.Started != 500 || next.Progress.AfterID != 500 || next.Progress.Total != 1200 || !next.Progress.Counted {
		t.Fatalf("carried progress %+v", next)
	}
}

// The round's activity starts lifecycles by the workflow's type name, which
// the SDK takes from the function's name.
func TestLifecycleWorkflowTypeNameMatches(t *testing.T) {
	name := runtime.FuncForPC(reflect.ValueOf(workflows.Lifecycle).Pointer()).Name()
	if !strings.HasSuffix(name, "."+payload.LifecycleWorkflow) {
		t.Fatalf("workflows.Lifecycle is registered as %q, payload.LifecycleWorkflow is %q", name, payload.LifecycleWorkflow)
	}
}

// A round is counted started once — not again when it continues as new —
// and ended once, with its outcome.
func TestRoundIsCountedOnceStartedAndOnceEnded(t *testing.T) {
	scrape := func(m *metrics.Metrics) metricstest.Families {
		srv := httptest.NewServer(m.Handler())
		defer srv.Close()
		return metricstest.Scrape(t, srv.URL)
	}
	// A round of 1,200 continues as new after 500; its second run carries
	// the progress and is not a new start.
	m := metrics.New()
	env, _ := roundEnvCounting(t, 1200, m)
	env.ExecuteWorkflow(workflows.Round, newRound)
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("want continue-as-new: %v", env.GetWorkflowError())
	}
	var next workflows.RoundInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	env, _ = roundEnvCounting(t, 1200, m)
	env.ExecuteWorkflow(workflows.Round, next)
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("second run: %v", err)
	}
	converter.GetDefaultDataConverter().FromPayloads(can.Input, &next)
	env, _ = roundEnvCounting(t, 1200, m)
	env.ExecuteWorkflow(workflows.Round, next)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	f := scrape(m)
	// (The test environment gives the workflow's handler no tags; the
	// worker's adds namespace, task_queue and workflow_type.)
	if got := f.Value(metrics.RoundsStarted, nil); got != 1 {
		t.Errorf("rounds started %v, want 1", got)
	}
	if got := f.Value(metrics.RoundsCompleted, map[string]string{"outcome": "done"}); got != 1 {
		t.Errorf("rounds done %v, want 1", got)
	}
	if got := f.Value(metrics.RoundsCompleted, nil); got != 1 {
		t.Errorf("rounds ended %v, want 1", got)
	}

	// A cancelled round ends as cancelled.
	m = metrics.New()
	env, _ = roundEnvCounting(t, 120, m)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundPauseSignal, nil) }, 0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.RoundCancelSignal, nil) }, time.Hour)
	env.ExecuteWorkflow(workflows.Round, newRound)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	f = scrape(m)
	if f.Value(metrics.RoundsStarted, nil) != 1 || f.Value(metrics.RoundsCompleted, map[string]string{"outcome": "cancelled"}) != 1 ||
		f.Value(metrics.RoundsCompleted, map[string]string{"outcome": "done"}) != 0 {
		t.Errorf("cancelled round: started %v, cancelled %v, done %v", f.Value(metrics.RoundsStarted, nil),
			f.Value(metrics.RoundsCompleted, map[string]string{"outcome": "cancelled"}), f.Value(metrics.RoundsCompleted, map[string]string{"outcome": "done"}))
	}
}
