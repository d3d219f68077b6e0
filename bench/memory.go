package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// MemoryResult is the worker process's memory with its lifecycles open.
type MemoryResult struct {
	Lifecycles int
	// RSS is the resident set after every lifecycle was started and the
	// worker had 30 s to settle; Peak the highest it reached (VmHWM).
	RSS, Peak int64 // bytes
}

// RunMemory starts the production worker command in its own process,
// launches a round of people lifecycles that then wait on their timers,
// and reads the worker's resident memory from /proc.
func RunMemory(ctx context.Context, o Options, people int, progress func(string)) (MemoryResult, error) {
	// The worker's own settings (WORKER_WORKFLOW_CACHE, …) come from this
	// process's environment.
	res := MemoryResult{Lifecycles: people}
	if runtime.GOOS != "linux" {
		return res, fmt.Errorf("the memory benchmark reads /proc: Linux only")
	}
	if o.WorkerBinary == "" {
		return res, fmt.Errorf("the memory benchmark needs the worker binary")
	}
	s, err := Start(ctx, o, nil)
	if err != nil {
		return res, err
	}
	defer s.Close()
	e, err := seed(ctx, s.DB, s.Keys, people)
	if err != nil {
		return res, err
	}
	progress(fmt.Sprintf("round of %d with the worker in process %d…", people, s.Worker.Process.Pid))
	if _, err := s.launchRound(ctx, e, progress); err != nil {
		return res, err
	}
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(30 * time.Second):
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Worker.Process.Pid))
	if err != nil {
		return res, err
	}
	res.RSS, res.Peak = procKB(status, "VmRSS:")*1024, procKB(status, "VmHWM:")*1024
	return res, nil
}

// procKB reads a "Name:   123 kB" line of /proc/<pid>/status.
func procKB(status []byte, name string) int64 {
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
