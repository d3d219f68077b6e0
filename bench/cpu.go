package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CPU is the processor time each part of the topology used during one
// phase of a benchmark, read from Linux's /proc: it says where a phase's
// time went when everything shares the machine's cores. Zero where /proc
// is not there.
type CPU struct {
	// Server is the Temporal server in a process of its own (a process
	// named temporal-server, as bench/topology.sh builds it); the embedded
	// server counts in Bench.
	Server time.Duration
	// AppDatabase is the PostgreSQL backends connected to the app
	// database; Postgres every other PostgreSQL process: Temporal's
	// persistence, PostgreSQL's own background work, and the backends
	// that exited (the postmaster's children's time).
	AppDatabase, Postgres time.Duration
	// Workers are the `valghalla worker` processes (Options.WorkerBinary).
	Workers time.Duration
	// Bench is this process: the web app, the fake providers, the
	// baseline's worker, and the embedded server and worker when they run
	// here.
	Bench time.Duration
	// Busy is the whole machine's busy time, Wall the phase's length: the
	// rest of Busy is other processes, and Busy ÷ Wall the cores in use.
	Busy, Wall time.Duration
}

// Other is the machine's busy time that none of the groups used.
func (c CPU) Other() time.Duration {
	return c.Busy - c.Server - c.AppDatabase - c.Postgres - c.Workers - c.Bench
}

// The process groups of CPU.
type cpuGroup int

const (
	groupServer cpuGroup = iota
	groupApp
	groupPostgres
	groupWorkers
	groupBench
	groups
)

type processCPU struct {
	group cpuGroup
	own   int64
}

// cpuSample is the time used so far by each process of a group, and by the
// backends that exited (the postmaster's children), in clock ticks.
type cpuSample struct {
	at         time.Time
	procs      map[int]processCPU
	pgChildren int64
	busy       int64
	ok         bool
}

// clockTick is USER_HZ, the unit of /proc's times: 100 on every Linux
// architecture Go builds for.
const clockTick = 10 * time.Millisecond

// sampleCPU reads the groups' processes; workerPIDs are the worker
// processes, appDatabase the app database's name on PostgreSQL.
func sampleCPU(workerPIDs []int, appDatabase string) cpuSample {
	s := cpuSample{at: time.Now(), procs: map[int]processCPU{}}
	busy, err := machineBusy()
	if err != nil {
		return s
	}
	s.busy, s.ok = busy, true
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		pid, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "/proc/"), "/stat"))
		comm, own, children, ok := processTimes(path)
		g := groups
		switch {
		case !ok:
		case pid == self:
			g = groupBench
		case slices.Contains(workerPIDs, pid):
			g = groupWorkers
		case comm == "temporal-server":
			g = groupServer
		case comm == "postgres" && appDatabase != "" && backendOf(pid) == appDatabase:
			g = groupApp
		case comm == "postgres":
			g = groupPostgres
			s.pgChildren += children // only the postmaster has children
		}
		if g != groups {
			s.procs[pid] = processCPU{g, own}
		}
	}
	return s
}

// since is the CPU used from b to s: each process's own time since b, or
// all of it when it started after b. A PostgreSQL backend that exited in
// between (a connection closed) shows only in the postmaster's children's
// time, with its time before b: that part is taken off, and the rest goes
// to Postgres.
func (s cpuSample) since(b cpuSample) CPU {
	if !s.ok || !b.ok {
		return CPU{}
	}
	var used [groups]int64
	for pid, p := range s.procs {
		if was, ok := b.procs[pid]; ok && was.group == p.group {
			p.own -= was.own
		}
		used[p.group] += p.own
	}
	exited := s.pgChildren - b.pgChildren
	for pid, was := range b.procs {
		if _, ok := s.procs[pid]; !ok && (was.group == groupApp || was.group == groupPostgres) {
			exited -= was.own
		}
	}
	used[groupPostgres] += max(0, exited)
	return CPU{Server: ticks(used[groupServer]), AppDatabase: ticks(used[groupApp]), Postgres: ticks(used[groupPostgres]),
		Workers: ticks(used[groupWorkers]), Bench: ticks(used[groupBench]), Busy: ticks(s.busy - b.busy),
		Wall: s.at.Sub(b.at)}
}

func ticks(n int64) time.Duration { return time.Duration(n) * clockTick }

// processTimes reads a process's name, its own user and system time, and
// that of its children that it waited for.
func processTimes(path string) (comm string, own, children int64, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, 0, false
	}
	// The name is in parentheses and may hold spaces: the fields after the
	// last ")" start with the state (field 3 of proc(5)).
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, 0, false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return "", 0, 0, false
	}
	n := make([]int64, 4) // utime, stime, cutime, cstime: fields 14–17
	for i := range n {
		if n[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return "", 0, 0, false
		}
	}
	return string(b[open+1 : end]), n[0] + n[1], n[2] + n[3], true
}

// backendOf is the database a PostgreSQL backend serves: its command line
// reads "postgres: [cluster: ]user database host(port) activity".
func backendOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	f := strings.Fields(strings.TrimPrefix(string(bytes.TrimRight(b, "\x00")), "postgres: "))
	if len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:] // the cluster's name (cluster_name)
	}
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// machineBusy is every core's time not idle and not waiting, so far.
func machineBusy() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected %q", line)
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is in user already
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		busy += n
	}
	return busy, nil
}

// sampleCPU reads the CPU used so far by each part of the stack.
func (s *Stack) sampleCPU() cpuSample {
	pids := make([]int, 0, len(s.Workers))
	for _, w := range s.Workers {
		pids = append(pids, w.Process.Pid)
	}
	return sampleCPU(pids, s.appDatabase)
}
