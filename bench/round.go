package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Launch is one round launch measured from the moment it was asked for.
type Launch struct {
	People int
	// Started is when the last lifecycle had been started (the round's
	// progress), Delivered when the last invitation reached a provider
	// (for the baseline: the last no-op activity ran).
	Started, Delivered time.Duration
	// CPU is where the processor time went from the launch to the last
	// invitation.
	CPU CPU
	// Shape is what a lifecycle asked of the server, and Pages how the
	// round's time divided, read afterwards.
	Shape Shape
	Pages Pages
}

// StartedPerSecond is the rate lifecycles were started at.
func (l Launch) StartedPerSecond() float64 { return float64(l.People) / l.Started.Seconds() }

// DeliveredPerSecond is the rate invitations reached the providers at.
func (l Launch) DeliveredPerSecond() float64 { return float64(l.People) / l.Delivered.Seconds() }

// RoundResult is the product and the baseline in one run: the baseline
// before and after the product, because every run leaves its lifecycles
// open on the server and the next one pays for them (measured: a round
// after a baseline of 1,000 is about 15 % slower than on a fresh server).
type RoundResult struct {
	Baseline, Product, BaselineAfter Launch
}

// BaselinePerSecond is the baseline's rate, the mean of before and after.
func (r RoundResult) BaselinePerSecond() float64 {
	return (r.Baseline.DeliveredPerSecond() + r.BaselineAfter.DeliveredPerSecond()) / 2
}

// Ratio is product ÷ baseline for invitations delivered per second.
func (r RoundResult) Ratio() float64 { return r.Product.DeliveredPerSecond() / r.BaselinePerSecond() }

// RunRound seeds people nominated people, runs the baseline for as many,
// launches the product's round, runs the baseline again, and measures all
// three on the one server.
func RunRound(ctx context.Context, o Options, people int, progress func(string)) (RoundResult, error) {
	var r RoundResult
	s, err := Start(ctx, o, exemptCPRs(people))
	if err != nil {
		return r, err
	}
	defer s.Close()
	e, err := seed(ctx, s.DB, s.Keys, people)
	if err != nil {
		return r, fmt.Errorf("seed: %w", err)
	}
	if o.WorkerBinary != "" {
		// The worker processes send e-mail only (see Options.WorkerBinary):
		// everyone is invited by e-mail.
		if err := s.DB.Model(&models.Participant{}).Where("1 = 1").Update("digital_post_exempt", true).Error; err != nil {
			return r, err
		}
	}
	progress(fmt.Sprintf("seeded %d people; baseline…", people))
	if r.Baseline, err = s.baseline(ctx, people, progress); err != nil {
		return r, fmt.Errorf("baseline: %w", err)
	}
	progress(fmt.Sprintf("baseline: %.1f started/s, %.1f activities/s; product…",
		r.Baseline.StartedPerSecond(), r.Baseline.DeliveredPerSecond()))
	if r.Product, err = s.launchRound(ctx, e, progress); err != nil {
		return r, fmt.Errorf("round: %w", err)
	}
	progress(fmt.Sprintf("product: %.1f started/s, %.1f invitations/s; baseline again…",
		r.Product.StartedPerSecond(), r.Product.DeliveredPerSecond()))
	if r.BaselineAfter, err = s.baseline(ctx, people, progress); err != nil {
		return r, fmt.Errorf("baseline: %w", err)
	}
	return r, nil
}

// baseline starts n bare lifecycles and waits for their activities.
func (s *Stack) baseline(ctx context.Context, n int, progress func(string)) (Launch, error) {
	done := newArrivals()
	w, err := startBaselineWorker(s.Client, done)
	if err != nil {
		return Launch{}, err
	}
	defer w.Stop()
	run := fmt.Sprint(baselineRuns.Add(1))
	cpu0 := s.sampleCPU()
	t0 := time.Now()
	wr, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "baseline-round-" + run, TaskQueue: baselineQueue},
		baselineRound, baselineRoundInput{Run: run, N: n, Children: s.opts.BaselineChildren})
	if err != nil {
		return Launch{}, err
	}
	// The round's result arrives when it has started every child.
	if err := wr.Get(ctx, nil); err != nil {
		return Launch{}, err
	}
	started := time.Since(t0)
	if err := waitCount(ctx, done, n, progress, "baseline activities"); err != nil {
		return Launch{}, err
	}
	_, last := done.get()
	l := Launch{People: n, Started: started, Delivered: last.Sub(t0), CPU: s.sampleCPU().since(cpu0)}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = baselineID(run, i)
	}
	return l, s.readBack(ctx, &l, "baseline-round-"+run, ids)
}

// launchRound starts the product's round for everyone nominated and waits
// until every lifecycle is started and every invitation delivered.
func (s *Stack) launchRound(ctx context.Context, e election, progress func(string)) (Launch, error) {
	s.arrivals.zero()
	cpu0 := s.sampleCPU()
	t0 := time.Now()
	round, err := store.CreateRound(ctx, s.DB, e.Staff, e.ID, store.RoundFilter{}, t0)
	if err != nil {
		return Launch{}, err
	}
	ref := workflows.RoundRef{ID: round.ID, ElectionID: round.ElectionID, WorkflowID: round.WorkflowID}
	if err := workflows.StartRound(ctx, s.Client, taskQueue, ref); err != nil {
		return Launch{}, err
	}
	n := len(e.People)
	// The round's result arrives when it has started every lifecycle.
	if err := s.Client.GetWorkflow(ctx, round.WorkflowID, "").Get(ctx, nil); err != nil {
		return Launch{}, err
	}
	started := time.Since(t0)
	if err := waitCount(ctx, s.arrivals, n, progress, "invitations"); err != nil {
		return Launch{}, err
	}
	_, last := s.arrivals.get()
	l := Launch{People: n, Started: started, Delivered: last.Sub(t0), CPU: s.sampleCPU().since(cpu0)}
	ids := make([]string, 0, n)
	for _, a := range e.Assignments {
		ids = append(ids, a.WorkflowID)
	}
	return l, s.readBack(ctx, &l, round.WorkflowID, ids)
}

// readBack reads from the histories of a phase's round and lifecycles
// where its time went.
func (s *Stack) readBack(ctx context.Context, l *Launch, roundID string, lifecycleIDs []string) (err error) {
	if l.Pages, err = roundPages(ctx, s.Client, roundID); err != nil {
		return err
	}
	l.Shape, err = historyShape(ctx, s.Client, lifecycleIDs)
	return err
}

// waitCount waits until a has n arrivals, reporting every ten seconds; it
// gives up when nothing arrives for two minutes.
func waitCount(ctx context.Context, a *arrivals, n int, progress func(string), what string) error {
	lastN, lastChange, lastReport := -1, time.Now(), time.Now()
	for {
		got, _ := a.get()
		switch {
		case got >= n:
			return nil
		case got != lastN:
			lastN, lastChange = got, time.Now()
		case time.Since(lastChange) > 2*time.Minute:
			return fmt.Errorf("stuck at %d of %d %s", got, n, what)
		}
		if time.Since(lastReport) > 10*time.Second {
			progress(fmt.Sprintf("  %d / %d %s", got, n, what))
			lastReport = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
