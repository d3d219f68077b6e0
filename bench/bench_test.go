package bench

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
)

// The harness itself, at toy sizes: numbers are not checked (benchmarks are
// never timed assertions), completeness is. A benchmark that lost an
// invitation or an answer would report a rate for work it did not do.

func quiet() Options {
	return Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestRoundBenchmarkDeliversEveryInvitationOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Start(ctx, quiet(), exemptCPRs(30))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := seed(ctx, s.DB, s.Keys, 30)
	if err != nil {
		t.Fatal(err)
	}
	// Both ways of starting the baseline run every no-op workflow.
	for _, children := range []bool{false, true} {
		s.opts.BaselineChildren = children
		base, err := s.baseline(ctx, 30, func(s string) { t.Log(s) })
		if err != nil || base.People != 30 || base.Delivered <= 0 {
			t.Fatalf("baseline (children %v) %+v, %v", children, base, err)
		}
		// One no-op activity between two workflow tasks, read back from
		// the histories.
		if sh := base.Shape; sh.Sampled != shapeSample || sh.WorkflowTasks != 2 || sh.ActivityTasks != 1 || sh.LocalMarkers != 0 {
			t.Errorf("baseline (children %v) shape %+v", children, sh)
		}
		// A page of 30 started by an activity; children need none.
		if pg := base.Pages; children && pg.N != 0 || !children && (pg.N != 1 || pg.Starting <= 0) {
			t.Errorf("baseline (children %v) pages %+v", children, pg)
		}
	}
	// Pages are read across the round's runs: 560 is 12 pages in two runs.
	s.opts.BaselineChildren = false
	if base, err := s.baseline(ctx, 560, func(string) {}); err != nil || base.Pages.N != 12 || base.Pages.Between <= 0 {
		t.Errorf("baseline of 560: pages %+v, %v", base.Pages, err)
	}
	l, err := s.launchRound(ctx, e, func(s string) { t.Log(s) })
	if err != nil || l.Started <= 0 || l.Delivered <= 0 {
		t.Fatalf("round %+v, %v", l, err)
	}
	// Every tenth person is exempt from Digital Post: 3 e-mails, 27 letters,
	// and nobody twice.
	letters, mails := len(s.dp.Letters()), len(s.mail.Messages())
	if letters != 27 || mails != 3 {
		t.Errorf("%d letters and %d e-mails, want 27 and 3", letters, mails)
	}
	var invited int64
	s.DB.Model(&models.Assignment{}).Where("state = ?", models.StateInvited).Count(&invited)
	if invited != 30 {
		t.Errorf("%d invited in the projection, want 30", invited)
	}
	// The invitation is sent inside the lifecycle's first workflow task
	// (its begin and its message are local activities): no activity task.
	if sh := l.Shape; sh.Sampled != shapeSample || sh.WorkflowTasks != 1 || sh.ActivityTasks != 0 || sh.LocalMarkers != 2 || !sh.StartedWithSearchAttributes {
		t.Errorf("lifecycle shape %+v", sh)
	}
	// 30 people: one page.
	if pg := l.Pages; pg.N != 1 || pg.Starting <= 0 {
		t.Errorf("round pages %+v", pg)
	}
	// This process ran everything: /proc, where there is one, saw it work.
	if _, err := os.Stat("/proc/stat"); err == nil && (l.CPU.Wall <= 0 || l.CPU.Bench <= 0 || l.CPU.Busy < l.CPU.Bench/2) {
		t.Errorf("CPU %+v", l.CPU)
	}
}

func TestAnswerBenchmarkSeesEveryAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := RunAnswers(ctx, quiet(), 10, 2*time.Second, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 0 || r.Link.N != 10 || r.SMS.N != 10 {
		t.Fatalf("%d failed, %d by link, %d by SMS; want 0, 10, 10", r.Failed, r.Link.N, r.SMS.N)
	}
	if r.Link.P50 <= 0 || r.Link.P99 < r.Link.P50 || r.SMS.P99 < r.SMS.P50 {
		t.Errorf("percentiles out of order: %+v %+v", r.Link, r.SMS)
	}
}

func TestElectionDayBenchmarkReplacesEveryAbsence(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// 40 people at 4 stations, every 20th absent: 2 absences, each asked
	// from the station's own reserves and taken by the first JA.
	r, err := RunElectionDay(ctx, quiet(), 4, 40, 4*time.Second, func(s string) { t.Log(s) })
	if errors.Is(err, ErrTaskDayTooShort) {
		t.Skipf("%v (the bench holds its election today, Copenhagen time)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 0 || r.CheckIn.N != 40 || r.Absent != 2 || r.FirstAsk.N != 2 || r.Filled.N != 2 {
		t.Fatalf("%+v: want 40 check-ins, 2 absent, both asked and filled, none failed", r)
	}
	if r.CheckIn.P95 < r.CheckIn.P50 || r.Filled.P50 < 0 {
		t.Errorf("percentiles out of order: %+v", r)
	}
}
