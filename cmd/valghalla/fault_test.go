package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// The worker process is killed with SIGKILL three times while a round of
// 2,000 invitations goes out, and started again each time: the round
// completes, everyone gets exactly one invitation (distinct Message-IDs at
// the SMTP server), and the overview's projection agrees with every
// lifecycle workflow's own state.
func TestWorkerKilledThreeTimesDuringARoundOf2000(t *testing.T) {
	if testing.Short() {
		t.Skip("a few minutes on a real server with a worker process")
	}
	const n = 2000
	s := newFaultStack(t, n, nil)
	started := time.Now()
	s.startWorker(t)
	s.startRound(t)
	for _, at := range []int{300, 900, 1500} {
		s.waitFor(t, 4*time.Minute, fmt.Sprintf("%d invitations", at), func() bool { return s.received() >= at })
		s.killWorker(t)
		t.Logf("SIGKILL at %d invitations received (%d people), %v in", s.received(), s.invitedPeople(), time.Since(started).Round(time.Millisecond))
		s.startWorker(t)
	}
	s.waitFor(t, 5*time.Minute, "every person invited", func() bool { return s.invitedPeople() >= n })
	t.Logf("%d invitations with three SIGKILLs of the worker in %v", n, time.Since(started).Round(time.Millisecond))
	s.checkRound(t)
	t.Logf("checked in %v", time.Since(started).Round(time.Millisecond))
}

// faultStack is the production worker as a process of its own (this test
// binary re-executed, see TestMain) on PostgreSQL and a real Temporal
// server, sending e-mail to a fake SMTP server the test watches.
type faultStack struct {
	n   int
	env map[string]string // the worker process's settings
	// directURL is the app database's own address, past any proxy.
	directURL string
	db        *gorm.DB
	c         client.Client
	smtp      *mailfake.Server
	seed      storetest.Election
	round     models.Round
	log       string // the worker processes' output, appended run after run

	worker *exec.Cmd
	stdin  interface{ Close() error }
	exited chan struct{} // closed when the worker process has ended

	mu       sync.Mutex
	messages int                        // invitations received, resends included
	byPerson map[string]map[string]bool // envelope recipient → Message-IDs
}

// newFaultStack seeds an election with n people, one slot each, nominated
// and reachable by e-mail only. With a proxy, the worker and the test reach
// the app database through it.
func newFaultStack(t *testing.T, n int, proxy *tcpProxy) *faultStack {
	t.Helper()
	s := &faultStack{n: n, byPerson: map[string]map[string]bool{}, log: t.TempDir() + "/worker.log"}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const ns, queue = "fault-test", "fault-test"
	if err := worker.EnsureNamespace(ctx, ts.GetDefaultClient(), ns, worker.DefaultRetention, workflows.SearchAttributes()); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.c, err = client.NewClientFromExisting(ts.GetDefaultClient(), client.Options{Namespace: ns}); err != nil {
		t.Fatal(err)
	}

	dbURL := storetest.PostgresDatabaseURL(t)
	s.directURL = dbURL
	if proxy != nil {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = proxy.Addr()
		dbURL = u.String()
	}
	s.db = storetest.Open(t, dbURL)
	if err := store.Migrate(ctx, s.db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	keys, err := vault.ParseKeyring(testKeys.enc, testKeys.blind)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Use(vault.Plugin(keys)); err != nil {
		t.Fatal(err)
	}
	// One transaction: thousands of single-row commits would take longer
	// than the round.
	tx := s.db.Begin()
	day := models.DateOf(time.Now().In(models.Copenhagen)).AddDays(60)
	s.seed = storetest.SeedElection(t, tx, day, 20, n, n)
	for i := range n {
		storetest.Nominate(t, tx, s.seed.Slots[i], s.seed.People[i].ID)
	}
	// Nobody's answer deadline passes during the test.
	if err := tx.Model(&models.Election{}).Where("id = ?", s.seed.Election.ID).Update("answer_days", 30).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}

	s.smtp, err = mailfake.Start("127.0.0.1:0", mailfake.WithNotify(s.notify))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.smtp.Close() })

	// No Digital Post, SMS or CPR settings: e-mail is the only channel.
	s.env = map[string]string{
		"DATABASE_URL":              dbURL,
		"TEMPORAL_ADDRESS":          ts.GetFrontendHostPort(),
		"TEMPORAL_NAMESPACE":        ns,
		"TEMPORAL_TASK_QUEUE":       queue,
		"VALGHALLA_ENCRYPTION_KEYS": testKeys.enc,
		"VALGHALLA_BLIND_INDEX_KEY": testKeys.blind,
		"SMTP_HOST":                 s.smtp.Host(),
		"SMTP_PORT":                 strconv.Itoa(s.smtp.Port()),
		"SMTP_TLS":                  "none",
		"SMTP_FROM":                 "valg@testrup.dk",
		"BASE_URL":                  "http://127.0.0.1:1",
		"LOG_LEVEL":                 "warn",
	}
	t.Cleanup(func() {
		if s.worker != nil {
			s.killWorker(t)
		}
		if t.Failed() {
			b, _ := os.ReadFile(s.log)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("worker output (tail):\n%s", b)
		}
	})
	return s
}

func (s *faultStack) notify(m mailfake.Received) {
	if !strings.HasPrefix(m.Subject, "Vil du hjælpe") || len(m.EnvelopeTo) != 1 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages++
	to := m.EnvelopeTo[0]
	if s.byPerson[to] == nil {
		s.byPerson[to] = map[string]bool{}
	}
	s.byPerson[to][m.MessageID] = true
}

// received is the number of invitations the SMTP server took, a resent one
// counted again.
func (s *faultStack) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages
}

// invitedPeople is the number of people who got at least one invitation.
func (s *faultStack) invitedPeople() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byPerson)
}

// startWorker runs `valghalla worker` as a new OS process.
func (s *faultStack) startWorker(t *testing.T) {
	t.Helper()
	out, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), faultChildEnv+"=worker")
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.worker, s.stdin, s.exited = cmd, stdin, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.exited)
}

// killWorker sends SIGKILL: no deferred function, no graceful stop of the
// Temporal worker; whatever the process was doing is cut off.
func (s *faultStack) killWorker(t *testing.T) {
	t.Helper()
	if err := s.worker.Process.Kill(); err != nil {
		t.Errorf("SIGKILL worker: %v", err)
	}
	<-s.exited
	_ = s.stdin.Close()
	s.worker = nil
}

// startRound records a round for everyone nominated and starts its
// workflow, as the web app does.
func (s *faultStack) startRound(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	r, err := store.CreateRound(ctx, s.db, s.seed.Staff, s.seed.Election.ID, store.RoundFilter{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := workflows.StartRound(ctx, s.c, s.env["TEMPORAL_TASK_QUEUE"],
		workflows.RoundRef{ID: r.ID, ElectionID: r.ElectionID, WorkflowID: r.WorkflowID}); err != nil {
		t.Fatal(err)
	}
	s.round = r
}

// waitFor polls cond until it holds; it fails after limit, or when the
// worker process died of itself.
func (s *faultStack) waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if s.worker != nil {
			select {
			case <-s.exited:
				t.Fatalf("the worker process exited while waiting for %s: %v", what, s.worker.ProcessState)
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (%d invitations received, %d people)", limit, what, s.received(), s.invitedPeople())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkRound checks the end state: the round done, one invitation per
// person, every assignment invited in the projection and in its workflow,
// and the overview counting them.
func (s *faultStack) checkRound(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s.waitFor(t, 2*time.Minute, "the round to finish", func() bool {
		p, err := workflows.QueryRound(ctx, s.c, s.round.WorkflowID)
		return err == nil && p.Done
	})
	p, err := workflows.QueryRound(ctx, s.c, s.round.WorkflowID)
	if err != nil || p.Started+p.Skipped != s.n || p.Cancelled {
		t.Errorf("round progress %+v (%v), want %d started or skipped", p, err, s.n)
	}

	// A duplicate still on its way would land within a few seconds: the
	// worker retries a send after 2 s.
	time.Sleep(3 * time.Second)
	s.mu.Lock()
	if len(s.byPerson) != s.n {
		t.Errorf("%d people invited, want %d", len(s.byPerson), s.n)
	}
	twice := 0
	for _, ids := range s.byPerson {
		if len(ids) != 1 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d people got more than one invitation", twice)
	}
	t.Logf("%d invitations received for %d people (a send repeated after a fault carries the same Message-ID)", s.messages, len(s.byPerson))
	s.mu.Unlock()

	// The projection catches up with the workflows (it is written before
	// the send, so it is there already).
	var as []models.Assignment
	if err := s.db.WithContext(ctx).Where("election_id = ?", s.seed.Election.ID).Order("id").Find(&as).Error; err != nil {
		t.Fatal(err)
	}
	if len(as) != s.n {
		t.Fatalf("%d assignments, want %d", len(as), s.n)
	}
	// Ask every lifecycle for its state, eight at a time.
	type mismatch struct {
		id       string
		wf, proj models.AssignmentState
		err      error
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		bad  []mismatch
		work = make(chan models.Assignment)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				st, err := workflows.QueryLifecycle(ctx, s.c, a.WorkflowID)
				if err != nil || st.State != a.State || a.State != models.StateInvited {
					mu.Lock()
					bad = append(bad, mismatch{a.WorkflowID, st.State, a.State, err})
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range as {
		work <- a
	}
	close(work)
	wg.Wait()
	for i, m := range bad {
		if i == 10 {
			t.Errorf("… and %d more", len(bad)-10)
			break
		}
		t.Errorf("%s: workflow says %q (%v), database %q; want invited", m.id, m.wf, m.err, m.proj)
	}

	ov, err := store.Overview(ctx, s.db, s.seed.Staff, s.seed.Election.ID, models.OverviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Total.Invited != s.n || ov.Total.Slots != s.n || ov.Total.Nominated != 0 || ov.Total.Vacant != 0 {
		t.Errorf("overview totals %+v, want all %d slots invited", ov.Total, s.n)
	}
	var msgs []struct {
		Status models.MessageStatus
		N      int
	}
	s.db.Model(&models.Message{}).Select("status, COUNT(*) AS n").Group("status").Scan(&msgs)
	for _, m := range msgs {
		if m.Status != models.MessageSent && m.Status != models.MessageDelivered {
			t.Errorf("%d messages %s", m.N, m.Status)
		}
	}
}
