package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/devserver"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// syncBuffer is an io.Writer the test can read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// process is one run of the binary's main, in this test process.
type process struct {
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func start(t *testing.T, env map[string]string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{cancel: cancel, done: make(chan int, 1)}
	go func() { p.done <- run(ctx, args, func(k string) string { return env[k] }, &p.stdout, &p.stderr) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// waitFor waits until stdout has want; it fails if the process ends first.
func (p *process) waitFor(t *testing.T, want string, limit time.Duration) {
	t.Helper()
	if !p.waitForOrExit(t, want, limit) {
		t.Fatalf("exited with %d before %q\nstdout: %s\nstderr: %s", p.wait(t), want, p.stdout.String(), p.stderr.String())
	}
}

// stop cancels the context, as SIGINT does, and returns the exit code.
func (p *process) stop(t *testing.T) int {
	t.Helper()
	p.cancel()
	return p.wait(t)
}

func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-p.done:
		p.done <- code
		return code
	case <-time.After(2 * time.Minute):
		t.Fatalf("did not exit\nstderr: %s", p.stderr.String())
		return -1
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startDev starts dev and waits until it serves. Free ports are picked
// before they are bound, and a parallel test may take one in between: then
// it tries again on fresh ports (env is updated in place).
func startDev(t *testing.T, env map[string]string) *process {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := start(t, env, "dev")
		if p.waitForOrExit(t, "Press Ctrl+C", 3*time.Minute) {
			return p
		}
		if attempt == 3 || !strings.Contains(p.stderr.String(), "already in use") {
			t.Fatalf("dev did not start\nstdout: %s\nstderr: %s", p.stdout.String(), p.stderr.String())
		}
		for _, k := range []string{"LISTEN_ADDR", "TEMPORAL_ADDRESS", "TEMPORAL_UI_ADDR"} {
			env[k] = freeAddr(t)
		}
	}
}

// waitForOrExit is waitFor that reports an early exit instead of failing.
func (p *process) waitForOrExit(t *testing.T, want string, limit time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !strings.Contains(p.stdout.String(), want) {
		select {
		case code := <-p.done:
			p.done <- code
			return false
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after %v\nstdout: %s\nstderr: %s", want, limit, p.stdout.String(), p.stderr.String())
		}
	}
	return true
}

func devEnv(t *testing.T, dataDir string) map[string]string {
	return map[string]string{
		"VALGHALLA_DATA_DIR": dataDir,
		"LISTEN_ADDR":        freeAddr(t),
		"TEMPORAL_ADDRESS":   freeAddr(t),
		"TEMPORAL_UI_ADDR":   freeAddr(t),
		"LOG_LEVEL":          "warn",
	}
}

// The acceptance test: dev on free ports in a temporary folder serves
// /healthz, the Temporal UI and the search attributes; stopped and started
// again it finds the same demo data.
func TestDevServesEverythingAndKeepsItsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	env := devEnv(t, dir)

	var firstPage, firstKeys string
	for round := 1; round <= 2; round++ {
		var p *process
		if round == 1 {
			p = startDev(t, env) // settles on free ports
		} else {
			p = start(t, env, "dev")
			p.waitFor(t, "Press Ctrl+C", 3*time.Minute)
		}
		webURL := "http://" + env["LISTEN_ADDR"]
		out := p.stdout.String()
		// The built-in table has every member state: nothing to warn of.
		if strings.Contains(p.stderr.String(), "EU member states") {
			t.Errorf("round %d: a warning of missing EU country codes:\n%s", round, p.stderr.String())
		}
		for _, want := range []string{webURL, "http://" + env["TEMPORAL_UI_ADDR"], store.DemoEmail, store.DemoPassword} {
			if !strings.Contains(out, want) {
				t.Errorf("round %d: dev did not print %q:\n%s", round, want, out)
			}
		}
		if seeded := strings.Contains(out, "Seeded"); seeded != (round == 1) {
			t.Errorf("round %d: seeded = %v", round, seeded)
		}
		// dev generates its encryption keys once, readable by the owner only.
		info, err := os.Stat(dir + "/keys.env")
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("round %d: keys.env %v, %v", round, info, err)
		}
		keys, _ := os.ReadFile(dir + "/keys.env")
		if round == 1 {
			firstKeys = string(keys)
		} else if string(keys) != firstKeys {
			t.Error("keys.env changed across a restart: data encrypted before would be lost")
		}

		if code, _ := httpGet(t, webURL+"/healthz"); code != 200 {
			t.Errorf("/healthz = %d", code)
		}
		if code, body := httpGet(t, webURL+"/readyz"); code != 200 || !strings.Contains(body, `"temporal":"ok"`) {
			t.Errorf("/readyz = %d %s", code, body)
		}
		code, body := httpGet(t, "http://"+env["TEMPORAL_UI_ADDR"]+"/api/v1/namespaces")
		if code != 200 || !strings.Contains(body, `"valghalla"`) {
			t.Errorf("UI /api/v1/namespaces = %d %.300s", code, body)
		}
		checkNamespace(t, env["TEMPORAL_ADDRESS"])
		checkRevalidationSchedules(t, env["TEMPORAL_ADDRESS"])

		_, page := httpGet(t, webURL+"/")
		if !strings.Contains(page, "Sønderå Kommune") || !strings.Contains(page, "Folketingsvalg") {
			t.Errorf("round %d: start page lacks the demo municipality", round)
		}
		if round == 1 {
			firstPage = page
		} else if page != firstPage {
			t.Error("the start page changed across a restart: the demo data is not the same")
		}
		if code := p.stop(t); code != 0 {
			t.Fatalf("round %d: exit code %d\nstderr: %s", round, code, p.stderr.String())
		}
	}

	db := storetest.Open(t, "sqlite:"+dir+"/valghalla.db")
	var checks, elections int64
	db.Model(&models.SystemCheck{}).Count(&checks)
	db.Model(&models.Election{}).Count(&elections)
	if checks != 2 || elections != 1 {
		t.Errorf("after two starts: %d self-checks (want 2), %d elections (want 1)", checks, elections)
	}
}

func checkNamespace(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: "valghalla"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "valghalla"})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range workflows.SearchAttributes() {
		if list.GetCustomAttributes()[name] != typ {
			t.Errorf("search attribute %s: %v, want %v", name, list.GetCustomAttributes()[name], typ)
		}
	}
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "valghalla"})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != worker.DefaultRetention {
		t.Errorf("namespace retention %v, want %v", got, worker.DefaultRetention)
	}
}

// checkRevalidationSchedules: dev made the re-validation schedule of the
// demo election (active) when it started, and only that one.
func checkRevalidationSchedules(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: "valghalla"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for {
		var ids []string
		it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for it.HasNext() {
			s, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(s.ID, workflows.RevalidationSchedulePrefix) {
				ids = append(ids, s.ID)
			}
		}
		if len(ids) == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("re-validation schedules %v, want the demo election's", ids)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// A taken port is one clear line and exit code 1, whichever port it is.
func TestDevTakenPortIsOneClearLine(t *testing.T) {
	for _, which := range []struct{ env, what string }{
		{"LISTEN_ADDR", "web app"},
		{"TEMPORAL_UI_ADDR", "Temporal UI"},
		{"TEMPORAL_ADDRESS", "Temporal frontend"},
	} {
		t.Run(which.env, func(t *testing.T) {
			env := devEnv(t, t.TempDir())
			ln, err := net.Listen("tcp", env[which.env])
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			p := start(t, env, "dev")
			if code := p.wait(t); code != exitFailure {
				t.Fatalf("exit code %d, want %d", code, exitFailure)
			}
			want := fmt.Sprintf("valghalla dev: %s: %s is already in use\n", which.what, env[which.env])
			if got := p.stderr.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
		})
	}
}
