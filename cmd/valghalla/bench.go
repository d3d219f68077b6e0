package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/valghalla/valghalla/bench"
)

// runBench runs one benchmark of package bench and prints its numbers:
//
//	valghalla bench round   [--people N] [--runs K] [--postgres URL]
//	                        [--temporal-address HOST:PORT --workers W]
//	valghalla bench answers [--rate R] [--duration D] [--postgres URL]
//	valghalla bench memory  [--people N] [--postgres URL]
//	valghalla bench electionday [--stations S] [--people N] [--window W] [--postgres URL]
//
// The report with the numbers and the machine is bench/README.md.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: valghalla bench round|answers|memory|electionday [flags]")
		return exitUsage
	}
	fs := flag.NewFlagSet("valghalla bench "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1000, "round, memory: people nominated and invited; electionday: people confirmed (default there 1500)")
	stations := fs.Int("stations", 60, "electionday: polling stations")
	window := fs.Duration("window", 30*time.Minute, "electionday: everyone is checked in, at an even pace, within this")
	children := fs.Bool("baseline-children", false, "round: the baseline starts its workflows as children of its round (as the product's round once did)")
	runs := fs.Int("runs", 1, "round: independent runs, each on a fresh stack; the median ratio is reported")
	rate := fs.Float64("rate", 50, "answers: answers per second (half by link, half by SMS)")
	duration := fs.Duration("duration", 2*time.Minute, "answers: how long to answer")
	postgres := fs.String("postgres", "", "postgres://… server: app database and Temporal persistence there instead of SQLite")
	temporalAddr := fs.String("temporal-address", "", "round: a Temporal server in a process of its own (deploy/temporal) instead of the embedded one; needs --postgres, runs the workers as processes")
	workers := fs.Int("workers", 1, "round with --temporal-address: worker processes (valghalla worker)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server, worker, web, fakes) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "valghalla bench: %v\n", err)
			return exitFailure
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "valghalla bench: %v\n", err)
			return exitFailure
		}
		defer pprof.StopCPUProfile()
	}
	db := "SQLite"
	if *postgres != "" {
		db = "PostgreSQL"
	}
	o := bench.Options{Postgres: *postgres, BaselineChildren: *children, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	if *temporalAddr != "" {
		if args[0] != "round" || *postgres == "" || *workers < 1 {
			fmt.Fprintln(stderr, "valghalla bench: --temporal-address is for round, with --postgres and --workers of at least 1")
			return exitUsage
		}
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "valghalla bench: %v\n", err)
			return exitFailure
		}
		o.TemporalAddress, o.WorkerBinary, o.Workers = *temporalAddr, exe, *workers
		db = fmt.Sprintf("PostgreSQL, Temporal server process at %s, %d worker process(es)", *temporalAddr, *workers)
	}
	progress := func(s string) { fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), s) }
	fmt.Fprintf(stdout, "# valghalla bench %s — %s, %s, %d CPUs, %s (app and Temporal)\n",
		args[0], time.Now().Format("2006-01-02 15:04"), runtime.Version(), runtime.NumCPU(), db)
	var err error
	switch args[0] {
	case "round":
		err = benchRounds(ctx, o, *people, *runs, progress, stdout)
	case "answers":
		var r bench.AnswerResult
		if r, err = bench.RunAnswers(ctx, o, *rate, *duration, progress); err == nil {
			fmt.Fprintf(stdout, "%.0f answers/s for %v; failed requests: %d\n", r.Rate, r.Duration, r.Failed)
			fmt.Fprintf(stdout, "| answer | n | p50 | p95 | p99 | request p99 |\n|---|---|---|---|---|---|\n")
			for _, l := range []struct {
				name string
				l    bench.Latencies
			}{{"link", r.Link}, {"SMS webhook", r.SMS}} {
				fmt.Fprintf(stdout, "| %s | %d | %v | %v | %v | %v |\n", l.name, l.l.N, ms(l.l.P50), ms(l.l.P95), ms(l.l.P99), ms(l.l.Request))
			}
		}
	case "memory":
		if o.WorkerBinary, err = os.Executable(); err != nil {
			break
		}
		var r bench.MemoryResult
		if r, err = bench.RunMemory(ctx, o, *people, progress); err == nil {
			fmt.Fprintf(stdout, "worker process with %d open lifecycles: RSS %.0f MiB, peak %.0f MiB\n",
				r.Lifecycles, float64(r.RSS)/(1<<20), float64(r.Peak)/(1<<20))
		}
	case "electionday":
		n := *people
		if !peopleSet(fs) {
			n = 1500
		}
		var r bench.ElectionDayResult
		if r, err = bench.RunElectionDay(ctx, o, *stations, n, *window, progress); err == nil || r.CheckIn.N > 0 {
			fmt.Fprintf(stdout, "%d people at %d stations checked in over %v, %d absent and replaced by SMS; failed check-ins: %d\n",
				r.People, r.Stations, r.Window, r.Absent, r.Failed)
			fmt.Fprintf(stdout, "| measure | n | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n")
			for _, l := range []struct {
				name string
				p    bench.Percentiles
			}{{"check-in (use case → lifecycle update → projection)", r.CheckIn},
				{"absent → first replacement SMS at the fake", r.FirstAsk},
				{"absent → replacement confirmed (first asked answers JA at once)", r.Filled}} {
				fmt.Fprintf(stdout, "| %s | %d | %v | %v | %v | %v |\n", l.name, l.p.N, ms(l.p.P50), ms(l.p.P95), ms(l.p.P99), ms(l.p.Max))
			}
		}
	default:
		fmt.Fprintf(stderr, "valghalla bench: unknown benchmark %q (round, answers, memory, electionday)\n", args[0])
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "valghalla bench %s: %v\n", args[0], err)
		return exitFailure
	}
	return exitOK
}

// peopleSet tells whether --people was given.
func peopleSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "people" })
	return set
}

type phase struct {
	name string
	l    bench.Launch
}

// phases are a round benchmark's three launches in the order they ran.
func phases(r bench.RoundResult) []phase {
	return []phase{{"bare Temporal baseline", r.Baseline}, {"Valghalla round", r.Product}, {"bare Temporal baseline again", r.BaselineAfter}}
}

// printCosts says what a lifecycle of each phase asked of the server
// (bench.Shape) and where each phase's processor time went, per lifecycle
// (bench.CPU), where /proc told.
func printCosts(stdout io.Writer, run int, r bench.RoundResult) {
	fmt.Fprintf(stdout, "\n| run %d: per lifecycle, from its start to its wait (a sample of %d) | history events | workflow tasks | activity tasks | local-activity markers | started with search attributes |\n|---|---|---|---|---|---|\n",
		run, r.Product.Shape.Sampled)
	for _, row := range phases(r) {
		sh := row.l.Shape
		fmt.Fprintf(stdout, "| %s | %.1f | %.1f | %.1f | %.1f | %v |\n", row.name, sh.Events, sh.WorkflowTasks, sh.ActivityTasks, sh.LocalMarkers, sh.StartedWithSearchAttributes)
	}
	fmt.Fprintf(stdout, "\n| run %d: the round, a page at a time | pages | starting a page (its activity, scheduled to completed) | between two pages (the round's own steps) |\n|---|---|---|---|\n", run)
	for _, row := range phases(r) {
		pg := row.l.Pages
		fmt.Fprintf(stdout, "| %s | %d | %v | %v |\n", row.name, pg.N, pg.Starting.Round(time.Millisecond), pg.Between.Round(time.Millisecond))
	}
	if r.Product.CPU.Wall == 0 {
		return
	}
	fmt.Fprintf(stdout, "\n| run %d: CPU ms per lifecycle | Temporal server | PostgreSQL: app database | PostgreSQL: the rest | worker processes | bench process | other | machine busy (cores in use) |\n|---|---|---|---|---|---|---|---|\n", run)
	for _, row := range phases(r) {
		c, per := row.l.CPU, func(d time.Duration) string {
			return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)/float64(row.l.People))
		}
		fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s | %s | %s (%.2f) |\n", row.name, per(c.Server), per(c.AppDatabase), per(c.Postgres),
			per(c.Workers), per(c.Bench), per(c.Other()), per(c.Busy), c.Busy.Seconds()/c.Wall.Seconds())
	}
	fmt.Fprintln(stdout)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// benchRounds runs the round benchmark runs times, each on a stack of its
// own, and prints every run and the median ratio: the bare baseline on
// SQLite varies by a third from one run to the next.
func benchRounds(ctx context.Context, o bench.Options, people, runs int, progress func(string), stdout io.Writer) error {
	if runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	fmt.Fprintf(stdout, "| %d people | lifecycles started/s | invitations delivered/s |\n|---|---|---|\n", people)
	ratios := make([]float64, 0, runs)
	for run := 1; run <= runs; run++ {
		r, err := bench.RunRound(ctx, o, people, progress)
		if err != nil {
			return err
		}
		for _, row := range phases(r) {
			fmt.Fprintf(stdout, "| run %d: %s | %.1f (%v) | %.1f (%v) |\n", run, row.name, row.l.StartedPerSecond(),
				row.l.Started.Round(time.Millisecond), row.l.DeliveredPerSecond(), row.l.Delivered.Round(time.Millisecond))
		}
		fmt.Fprintf(stdout, "run %d: ratio product ÷ mean baseline (invitations/s): %.2f\n", run, r.Ratio())
		printCosts(stdout, run, r)
		ratios = append(ratios, r.Ratio())
	}
	if runs > 1 {
		slices.Sort(ratios)
		median := ratios[runs/2]
		if runs%2 == 0 {
			median = (ratios[runs/2-1] + ratios[runs/2]) / 2
		}
		fmt.Fprintf(stdout, "median ratio over %d runs: %.2f (lowest %.2f, highest %.2f)\n", runs, median, ratios[0], ratios[runs-1])
	}
	return nil
}
