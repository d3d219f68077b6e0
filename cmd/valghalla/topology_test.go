package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/devserver"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/fakes/visitor"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// topologyPeopleEnv sets the size of the topology test's round (default
// 2,000).
const topologyPeopleEnv = "VALGHALLA_TOPOLOGY_PEOPLE"

// The production topology on the machine's PostgreSQL: the real Temporal
// server (built from the pinned module) in a process of its own with
// deploy/temporal/config.yaml and four history shards, its schema made by
// its own SQL tool; migrate, temporal-setup and setup as an operator runs
// them; two worker and two web processes; the fake SMTP server as the
// outside world. A round of 2,000 is launched by the administrator through
// web replica 1 and a quarter of the people answer by their link through
// replica 2, while one worker is SIGKILLed, web replica 1 is stopped and
// the Temporal server itself is stopped and started again. At the end
// everyone was invited exactly once (distinct Message-IDs at the SMTP
// server), every answer was applied once (one accepted update in its
// lifecycle's history), every projection equals its workflow's state, and
// both workers did work (the worker identities in the histories).
func TestProductionTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes: builds the Temporal server and runs a round of 2,000 on it")
	}
	n := 2000
	if v := os.Getenv(topologyPeopleEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 8 {
			t.Fatalf("%s=%q: a number of people, at least 8", topologyPeopleEnv, v)
		}
	}
	began := time.Now()
	step := time.Now()
	lap := func(what string) {
		topologyLog(t, "timing: %-58s %6.1fs (total %6.1fs)", what, time.Since(step).Seconds(), time.Since(began).Seconds())
		step = time.Now()
	}
	ctx := context.Background()
	dir := t.TempDir()

	// The server and its SQL tool, from the module go.mod pins.
	tools, err := devserver.BuildTools(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	lap("go build temporal server and sql tool")

	appURL := storetest.PostgresDatabaseURL(t)
	var dbs []string
	for range 2 {
		u, err := url.Parse(storetest.PostgresDatabaseURL(t))
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, strings.TrimPrefix(u.Path, "/"))
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	serverLog, err := os.Create(filepath.Join(dir, "temporal-server.log"))
	if err != nil {
		t.Fatal(err)
	}
	xo := devserver.ExternalOptions{Tools: tools, ConfigFile: filepath.Join(repo, "deploy/temporal/config.yaml"),
		DynamicConfig: filepath.Join(repo, "deploy/dynamicconfig/production.yaml"), Postgres: storetest.PostgresURL(),
		Database: dbs[0], VisibilityDatabase: dbs[1], Shards: 4, Output: serverLog,
		// The machine's PostgreSQL allows 100 connections, and the four
		// app processes have pools of their own.
		MaxConns: 6}
	if err := devserver.SetupSchema(ctx, xo); err != nil {
		t.Fatal(err)
	}
	lap("temporal-sql-tool: persistence and visibility schemas")
	ts, err := devserver.StartExternal(ctx, xo)
	if err != nil {
		t.Fatalf("%v\n%s", err, tail(serverLog.Name()))
	}
	// Registered after the databases: stopped before they are dropped.
	t.Cleanup(func() {
		ts.Close()
		if t.Failed() {
			topologyLog(t, "Temporal server log (tail):\n%s", tail(serverLog.Name()))
		}
	})
	lap("temporal server process started (4 history shards)")

	top := &topology{n: n, dir: dir, byPerson: map[string]map[string]bool{}, links: make(chan string, n)}
	top.smtp, err = mailfake.Start("127.0.0.1:0", mailfake.WithNotify(top.notify))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.smtp.Close() })
	web1, web2 := freeAddr(t), freeAddr(t)
	const ns, queue = "valghalla", "valghalla"
	env := map[string]string{
		"DATABASE_URL":              appURL,
		"TEMPORAL_ADDRESS":          ts.FrontendAddress(),
		"TEMPORAL_NAMESPACE":        ns,
		"TEMPORAL_TASK_QUEUE":       queue,
		"VALGHALLA_ENCRYPTION_KEYS": testKeys.enc,
		"VALGHALLA_BLIND_INDEX_KEY": testKeys.blind,
		"SMTP_HOST":                 top.smtp.Host(),
		"SMTP_PORT":                 strconv.Itoa(top.smtp.Port()),
		"SMTP_TLS":                  "none",
		"SMTP_FROM":                 "valg@topologi.example",
		// The links people get lead to web replica 2.
		"BASE_URL": "http://" + web2,
		// Each answering person comes through the "proxy" at loopback with
		// an address of their own (fakes/visitor).
		"TRUSTED_PROXIES": strings.Join(visitor.Proxy, ","),
		"LOG_LEVEL":       "warn",
	}

	// The operator's one-shots, each as the binary runs it.
	for _, args := range [][]string{{"migrate"}, {"temporal-setup"}} {
		p := start(t, env, args...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", args[0], code, p.stdout.String(), p.stderr.String())
		}
	}
	setup := start(t, env, "setup", "--municipality-name", "Topologi Kommune", "--municipality-code", "607", "--cvr", "12345674",
		"--admin-email", "admin@topologi.example", "--admin-name", "Ada Administrator")
	if code := setup.wait(t); code != 0 {
		t.Fatalf("setup: exit %d\n%s%s", code, setup.stdout.String(), setup.stderr.String())
	}
	activation := regexp.MustCompile(`/konto/aktiver/[A-Za-z0-9_-]+`).FindString(setup.stdout.String())
	if activation == "" {
		t.Fatalf("no account link from setup: %s", setup.stdout.String())
	}
	lap("migrate, temporal-setup, setup")

	top.db = storetest.Open(t, appURL)
	keys, err := vault.ParseKeyring(testKeys.enc, testKeys.blind)
	if err != nil {
		t.Fatal(err)
	}
	if err := top.db.Use(vault.Plugin(keys)); err != nil {
		t.Fatal(err)
	}
	electionID := top.seed(t)
	lap(fmt.Sprintf("seeded %d people, each nominated to a slot", n))

	w1 := top.startChild(t, env, "worker", "worker-1")
	w2 := top.startChild(t, env, "worker", "worker-2")
	env1 := cloneEnv(env)
	env1["LISTEN_ADDR"] = web1
	env2 := cloneEnv(env)
	env2["LISTEN_ADDR"] = web2
	w1web := top.startChild(t, env1, "web", "web-1")
	w2web := top.startChild(t, env2, "web", "web-2")
	for _, w := range []struct {
		c    *child
		addr string
	}{{w1web, web1}, {w2web, web2}} {
		top.waitFor(t, time.Minute, w.c.name+" ready", func() bool {
			code, body := httpGetQuiet("http://" + w.addr + "/readyz")
			return code == 200 && strings.Contains(body, `"database":"ok"`)
		}, w1, w2, w1web, w2web)
	}
	lap("2 worker and 2 web processes up")

	// The administrator chooses a password by setup's link, logs in and
	// enrols TOTP on replica 1, and launches the round there.
	admin := newUser(t, "http://"+web1)
	if code, body := newUser(t, "http://"+web1).post(activation, activation, url.Values{"password": {"en lang og hemmelig sætning"},
		"password2": {"en lang og hemmelig sætning"}}); code != 200 || !strings.Contains(body, "Adgangskoden er gemt") {
		t.Fatalf("choose password: %d %s", code, body)
	}
	code, body := admin.post("/login", "/login", url.Values{"email": {"admin@topologi.example"}, "password": {"en lang og hemmelig sætning"}})
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if strings.Contains(body, `id="totp-secret"`) {
		admin.enrolTOTP()
	}
	top.answering(t, 4)
	rounds := fmt.Sprintf("/valg/%d/runder", electionID)
	launched := time.Now()
	if code, body := admin.post(rounds, rounds, url.Values{}); code != 200 || !strings.Contains(body, "Runden er startet") {
		t.Fatalf("launch the round on web replica 1: %d %s", code, body)
	}
	lap("round launched through web replica 1")

	c, err := client.Dial(client.Options{HostPort: ts.FrontendAddress(), Namespace: ns, Logger: quietSDKLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// The faults, mid-round.
	top.waitFor(t, 5*time.Minute, "a tenth invited", func() bool { return top.invitedPeople() >= n/10 }, w1, w2, w2web)
	if code := w1web.terminate(t); code != 0 {
		t.Errorf("web replica 1 exit code %d on SIGTERM", code)
	}
	topologyLog(t, "web replica 1 stopped (SIGTERM) at %d people invited, %.1fs after the launch", top.invitedPeople(), time.Since(launched).Seconds())
	top.waitFor(t, 5*time.Minute, "a quarter invited", func() bool { return top.invitedPeople() >= n/4 }, w1, w2, w2web)
	w2.kill(t)
	topologyLog(t, "worker 2 SIGKILLed at %d people invited, %.1fs after the launch", top.invitedPeople(), time.Since(launched).Seconds())
	top.waitFor(t, 5*time.Minute, "half invited", func() bool { return top.invitedPeople() >= n/2 }, w1, w2web)
	down := time.Now()
	if err := ts.Stop(); err != nil {
		t.Error(err)
	}
	at := top.invitedPeople()
	time.Sleep(3 * time.Second) // down for a while, as in a real restart
	if err := ts.Start(ctx); err != nil {
		t.Fatalf("restart the Temporal server: %v\n%s", err, tail(serverLog.Name()))
	}
	topologyLog(t, "Temporal server stopped (SIGTERM) at %d people invited and started again on the same ports: %.1fs without it", at, time.Since(down).Seconds())
	lap("faults: web 1 stopped, worker 2 SIGKILLed, Temporal restarted")

	top.waitFor(t, 10*time.Minute, "every person invited", func() bool { return top.invitedPeople() >= n }, w1, w2web)
	topologyLog(t, "all %d invited %.1fs after the launch (%.1f invitations/s)", n, time.Since(launched).Seconds(),
		float64(n)/time.Since(launched).Seconds())
	top.waitFor(t, 5*time.Minute, "every answer sent", func() bool { return top.answersDone() >= top.answerers() }, w1, w2web)
	lap(fmt.Sprintf("round: %d invited, %d answered through web replica 2", n, top.answerers()))

	top.check(t, c, electionID)
	lap("checked: invitations, answers, projections, the workers' split")
	for _, p := range []*child{w1, w2web} {
		if code := p.terminate(t); code != 0 {
			t.Errorf("%s exit code %d on SIGTERM", p.name, code)
		}
	}
}

// topology is the test's view of the outside world: the fake SMTP server's
// invitations, and the people who answer.
type topology struct {
	n   int
	dir string
	db  *gorm.DB

	smtp  *mailfake.Server
	links chan string // answer links of the people who answer

	mu          sync.Mutex
	messages    int
	byPerson    map[string]map[string]bool // recipient → Message-IDs of invitations
	answerTries int
	done        int
	retried     int
	workflowIDs map[string]string // e-mail → lifecycle workflow id
}

var answerLinkRE = regexp.MustCompile(`http://[0-9.:]+/svar/[0-9a-f]{64}`)

// A quarter of the people answer: person 4, 8, 12, ….
func answers(email string) bool {
	var i int
	_, err := fmt.Sscanf(email, "person%d@", &i)
	return err == nil && i%4 == 0
}

func (top *topology) answerers() int { return top.n / 4 }

func (top *topology) notify(m mailfake.Received) {
	if !strings.HasPrefix(m.Subject, "Vil du hjælpe") || len(m.EnvelopeTo) != 1 {
		return
	}
	to := m.EnvelopeTo[0]
	top.mu.Lock()
	defer top.mu.Unlock()
	top.messages++
	first := top.byPerson[to] == nil
	if first {
		top.byPerson[to] = map[string]bool{}
	}
	top.byPerson[to][m.MessageID] = true
	if first && answers(to) {
		if link := answerLinkRE.FindString(m.Text); link != "" {
			top.links <- link
		} else {
			top.links <- "missing:" + to
		}
	}
}

func (top *topology) invitedPeople() int {
	top.mu.Lock()
	defer top.mu.Unlock()
	return len(top.byPerson)
}

func (top *topology) answersDone() int {
	top.mu.Lock()
	defer top.mu.Unlock()
	return top.done
}

// answering starts k people answering "ja" by their links as the
// invitations come. An answer that fails (Temporal restarting) is tried
// again, as a person does, for up to three minutes.
func (top *topology) answering(t *testing.T, k int) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for range k {
		go func() {
			for {
				var link string
				select {
				case <-ctx.Done():
					return
				case link = <-top.links:
				}
				tries, err := answerYes(ctx, link)
				top.mu.Lock()
				top.answerTries += tries
				if tries > 1 {
					top.retried++
				}
				if err == nil {
					top.done++
				} else {
					top.done++ // counted: the check fails on its state
					t.Errorf("answer %s: %v", strings.TrimPrefix(link, "missing:"), err)
				}
				top.mu.Unlock()
			}
		}()
	}
}

// answerYes opens the answer page and says yes; it retries a failure for
// three minutes. A refusal after a failed try is the earlier try having
// been applied after all; the check at the end counts the updates.
func answerYes(ctx context.Context, link string) (int, error) {
	if strings.HasPrefix(link, "missing:") {
		return 0, fmt.Errorf("no answer link in the invitation")
	}
	deadline := time.Now().Add(3 * time.Minute)
	var last string
	for tries := 1; ; tries++ {
		hc := visitor.New()
		hc.Timeout = 30 * time.Second
		status, err := func() (int, error) {
			resp, err := hc.Get(link)
			if err != nil {
				return 0, err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := csrfRE.FindSubmatch(b)
			if m == nil {
				return resp.StatusCode, fmt.Errorf("answer page %d without a form", resp.StatusCode)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, link,
				strings.NewReader(url.Values{"csrf_token": {string(m[1])}, "svar": {"ja"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err = hc.Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}()
		switch {
		case err == nil && status == http.StatusSeeOther:
			return tries, nil
		case tries > 1 && status >= 400 && status < 500:
			return tries, nil
		}
		last = fmt.Sprintf("HTTP %d %v", status, err)
		if time.Now().After(deadline) {
			return tries, fmt.Errorf("%d tries, the last: %s", tries, last)
		}
		select {
		case <-ctx.Done():
			return tries, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// seed makes the election and n people by e-mail only, each nominated to
// a slot of their own, in the municipality setup made.
func (top *topology) seed(t *testing.T) int64 {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	day := models.DateOf(time.Now().In(models.Copenhagen)).AddDays(60)
	tx := top.db.Begin()
	area := models.Area{Name: "Midt"}
	must(tx.Create(&area).Error)
	var stations []models.PollingStation
	for i := range 20 {
		st := models.PollingStation{AreaID: area.ID, Name: fmt.Sprintf("Skole %d", i+1), Address: fmt.Sprintf("Skolevej %d", i+1),
			PostalCode: "9990", City: "Topologi", District: i + 1}
		must(tx.Create(&st).Error)
		stations = append(stations, st)
	}
	task := models.TaskType{Name: "Tilforordnet", ShortName: "TF", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320,
		Validation: true, Reminders: true}
	must(tx.Create(&task).Error)
	party := models.Party{Name: "Socialdemokratiet", Letter: "A", Kind: models.CouncilGroup, CouncilSeats: 11}
	must(tx.Create(&party).Error)
	// Nobody's answer deadline passes during the test.
	e := models.Election{Title: "Folketingsvalg", Kind: models.Folketingsvalg, ElectionDay: day,
		State: models.ElectionActive, CreatedAt: now, UpdatedAt: now}
	must(tx.Create(&e).Error)
	must(tx.Model(&e).Update("answer_days", 30).Error)
	top.workflowIDs = map[string]string{}
	for i := range top.n {
		s := models.Slot{ElectionID: e.ID, StationID: stations[i%len(stations)].ID, TaskTypeID: task.ID, Day: day, PartyID: party.ID, CreatedAt: now}
		must(tx.Create(&s).Error)
		cpr := fmt.Sprintf("0101%02d%04d", 70+i/10000%30, i%10000)
		email := fmt.Sprintf("person%d@example.dk", i+1)
		p := models.Participant{CPR: models.NewSecret(cpr), CPRIndex: "topology-" + cpr, Name: fmt.Sprintf("Person %d", i+1),
			Email: models.NewSecret(email), Mobile: models.NewSecret(""), CreatedAt: now, UpdatedAt: now}
		must(tx.Create(&p).Error)
		must(tx.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: party.ID, CreatedAt: now}).Error)
		a := models.Assignment{SlotID: s.ID, ParticipantID: p.ID, ElectionID: e.ID, StationID: s.StationID, TaskTypeID: task.ID,
			PartyID: party.ID, Day: day, State: models.StateNominated, WorkflowID: payload.LifecycleID(s.ID, p.ID), NominatedAt: now, UpdatedAt: now}
		must(tx.Create(&a).Error)
		top.workflowIDs[email] = a.WorkflowID
	}
	must(tx.Commit().Error)
	return e.ID
}

// waitFor polls cond; it fails after limit, or when one of the processes
// that must be running has exited.
func (top *topology) waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, running ...*child) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		for _, c := range running {
			select {
			case <-c.exited:
				t.Fatalf("%s exited while waiting for %s: %v\n%s", c.name, what, c.cmd.ProcessState, tail(c.log))
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (%d people invited, %d answers)", limit, what, top.invitedPeople(), top.answersDone())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check is the end state: one invitation per person, one applied answer
// per person who answered, each projection equal to its lifecycle's state,
// and the work split between the two workers.
func (top *topology) check(t *testing.T, c client.Client, electionID int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A duplicate still on its way would land within a few seconds: the
	// worker retries a send after 2 s.
	time.Sleep(3 * time.Second)
	top.mu.Lock()
	if len(top.byPerson) != top.n {
		t.Errorf("%d people invited, want %d", len(top.byPerson), top.n)
	}
	twice := 0
	for _, ids := range top.byPerson {
		if len(ids) != 1 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d people got more than one invitation (distinct Message-IDs)", twice)
	}
	topologyLog(t, "%d invitations received for %d people (a send repeated after a fault carries the same Message-ID); "+
		"%d answers in %d requests, %d answers tried again", top.messages, len(top.byPerson), top.done, top.answerTries, top.retried)
	top.mu.Unlock()

	var as []models.Assignment
	if err := top.db.WithContext(ctx).Where("election_id = ?", electionID).Order("id").Find(&as).Error; err != nil {
		t.Fatal(err)
	}
	if len(as) != top.n {
		t.Fatalf("%d assignments, want %d", len(as), top.n)
	}
	byWorkflow := map[string]string{}
	for email, id := range top.workflowIDs {
		byWorkflow[id] = email
	}
	type result struct {
		a          models.Assignment
		st         workflows.LifecycleStatus
		updates    int
		identities map[string]int
		err        error
	}
	results := make(chan result)
	work := make(chan models.Assignment)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				r := result{a: a, identities: map[string]int{}}
				r.st, r.err = workflows.QueryLifecycle(ctx, c, a.WorkflowID)
				if r.err == nil {
					it := c.GetWorkflowHistory(ctx, a.WorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
					for it.HasNext() {
						ev, err := it.Next()
						if err != nil {
							r.err = err
							break
						}
						switch ev.GetEventType() {
						// The lifecycle's writes and sends are local
						// activities, run inside its workflow tasks: the
						// worker that completed a task did them.
						case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
							r.identities[ev.GetWorkflowTaskCompletedEventAttributes().GetIdentity()]++
						case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
							r.identities[ev.GetActivityTaskStartedEventAttributes().GetIdentity()]++
						case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
							r.updates++
						}
					}
				}
				results <- r
			}
		}()
	}
	go func() {
		for _, a := range as {
			work <- a
		}
		close(work)
		wg.Wait()
		close(results)
	}()
	split := map[string]int{}
	bad := 0
	for r := range results {
		email := byWorkflow[r.a.WorkflowID]
		want, wantUpdates := models.StateInvited, 0
		if answers(email) {
			want, wantUpdates = models.StateConfirmed, 1
		}
		if r.err != nil || r.st.State != r.a.State || r.a.State != want || r.updates != wantUpdates {
			if bad++; bad <= 10 {
				t.Errorf("%s (%s): workflow %q (%v), projection %q, %d answers applied; want %q and %d", r.a.WorkflowID, email,
					r.st.State, r.err, r.a.State, r.updates, want, wantUpdates)
			}
		}
		for id, k := range r.identities {
			split[id] += k
		}
	}
	if bad > 10 {
		t.Errorf("… %d lifecycles wrong in all", bad)
	}
	var ids []string
	for id := range split {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		topologyLog(t, "worker split: %-40s completed %d workflow and activity tasks of the lifecycles", id, split[id])
	}
	if len(split) < 2 {
		t.Errorf("the lifecycles' tasks ran on %d worker identities, want both workers: %v", len(split), split)
	}
	var msgs []struct {
		Status models.MessageStatus
		N      int
	}
	top.db.Model(&models.Message{}).Select("status, COUNT(*) AS n").Group("status").Scan(&msgs)
	for _, m := range msgs {
		if m.Status != models.MessageSent && m.Status != models.MessageDelivered {
			t.Errorf("%d messages %s", m.N, m.Status)
		}
	}
	ov, err := store.Overview(ctx, top.db, models.User{Role: models.RoleStaff}, electionID, models.OverviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Total.Invited+ov.Total.Confirmed != top.n || ov.Total.Confirmed != top.answerers() {
		t.Errorf("overview totals %+v, want %d confirmed and the rest of %d invited", ov.Total, top.answerers(), top.n)
	}
}

// child is a production command (`valghalla worker`, `valghalla web`) in
// an OS process of its own: this test binary re-executed (see TestMain).
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan struct{}
	log    string
}

func (top *topology) startChild(t *testing.T, env map[string]string, command, name string) *child {
	t.Helper()
	c := &child{name: name, exited: make(chan struct{}), log: filepath.Join(top.dir, name+".log")}
	out, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	c.cmd = exec.Command(os.Args[0])
	c.cmd.Env = append(os.Environ(), faultChildEnv+"="+command)
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = out, out
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		c.kill(t)
		if t.Failed() {
			topologyLog(t, "%s output (tail):\n%s", name, tail(c.log))
		}
	})
	return c
}

// kill sends SIGKILL: nothing of the process runs after it.
func (c *child) kill(t *testing.T) {
	select {
	case <-c.exited:
		return
	default:
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Errorf("SIGKILL %s: %v", c.name, err)
	}
	<-c.exited
	_ = c.stdin.Close()
}

// terminate sends SIGTERM, as an orchestrator stopping a replica does, and
// returns the exit code.
func (c *child) terminate(t *testing.T) int {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(time.Minute):
		t.Errorf("%s did not stop within a minute of SIGTERM", c.name)
		c.kill(t)
	}
	_ = c.stdin.Close()
	return c.cmd.ProcessState.ExitCode()
}

func cloneEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env)+1)
	for k, v := range env {
		out[k] = v
	}
	return out
}

// tail is the end of a log file, for a failure's message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

func quietSDKLog() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

// topologyReportEnv names a file that gets the topology test's log lines
// (timings, the worker split) as well as the test log, so CI shows them for
// a passing run too (.ci/run prints it).
const topologyReportEnv = "VALGHALLA_TOPOLOGY_REPORT"

func topologyLog(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf(format, args...)
	if name := os.Getenv(topologyReportEnv); name != "" {
		if f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, format+"\n", args...)
			f.Close()
		}
	}
}
