package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/server/temporaltest"

	"github.com/valghalla/valghalla/store/storetest"
)

// The production commands on PostgreSQL and a separate Temporal server:
// migrate, temporal-setup, worker and web, each run as the binary runs them.
func TestProductionCommandsOnPostgres(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	env := map[string]string{
		"DATABASE_URL":        storetest.PostgresDatabaseURL(t),
		"TEMPORAL_ADDRESS":    ts.GetFrontendHostPort(),
		"TEMPORAL_NAMESPACE":  "valghalla-prod-test",
		"TEMPORAL_TASK_QUEUE": "prod-test",
		"LISTEN_ADDR":         freeAddr(t),
		"LOG_LEVEL":           "warn",
	}

	// Without encryption keys web and worker do not start: there is no
	// unencrypted mode.
	for _, cmd := range []string{"web", "worker"} {
		p := start(t, env, cmd)
		if code := p.wait(t); code != exitFailure || !strings.Contains(p.stderr.String(), "VALGHALLA_ENCRYPTION_KEYS and VALGHALLA_BLIND_INDEX_KEY must be set") {
			t.Fatalf("%s without keys: exit %d, %s", cmd, code, p.stderr.String())
		}
	}
	env["VALGHALLA_ENCRYPTION_KEYS"], env["VALGHALLA_BLIND_INDEX_KEY"] = testKeys.enc, testKeys.blind

	// web refuses a database that migrate has not brought up to date.
	web := start(t, env, "web")
	if code := web.wait(t); code != exitFailure || !strings.Contains(web.stderr.String(), "run valghalla migrate") {
		t.Fatalf("web on an empty database: exit %d, %s", code, web.stderr.String())
	}

	for range 2 { // both idempotent
		m := start(t, env, "migrate")
		if code := m.wait(t); code != 0 || !strings.Contains(m.stdout.String(), "schema at version") {
			t.Fatalf("migrate: exit %d\n%s%s", code, m.stdout.String(), m.stderr.String())
		}
		s := start(t, env, "temporal-setup")
		if code := s.wait(t); code != 0 || !strings.Contains(s.stdout.String(), "namespace valghalla-prod-test ready") {
			t.Fatalf("temporal-setup: exit %d\n%s%s", code, s.stdout.String(), s.stderr.String())
		}
	}

	w := start(t, env, "worker")
	web = start(t, env, "web")
	webURL := "http://" + env["LISTEN_ADDR"]
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := httpGetQuiet(webURL + "/readyz")
		if code == 200 && strings.Contains(body, `"database":"ok"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web never became ready: %d %s\n%s", code, body, web.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The worker process picks up a workflow and writes to PostgreSQL.
	check := start(t, env, "selfcheck")
	if code := check.wait(t); code != 0 || !strings.Contains(check.stdout.String(), "ok: a worker on task queue prod-test") {
		t.Fatalf("selfcheck: exit %d\n%s%s\nworker: %s", code, check.stdout.String(), check.stderr.String(), w.stderr.String())
	}
	db := storetest.Open(t, env["DATABASE_URL"])
	var n int64
	db.Table("system_checks").Count(&n)
	if n != 1 {
		t.Errorf("%d system checks in PostgreSQL, want 1", n)
	}

	for name, p := range map[string]*process{"worker": w, "web": web} {
		if code := p.stop(t); code != 0 {
			t.Errorf("%s exit code %d on SIGTERM\n%s", name, code, p.stderr.String())
		}
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	env := devEnv(t, dir)
	startDev(t, env)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"probe", "http://" + env["LISTEN_ADDR"] + "/readyz"}, exitOK},
		{[]string{"probe", "http://" + env["LISTEN_ADDR"] + "/findes-ikke"}, exitFailure},
		{[]string{"probe", "http://" + freeAddr(t) + "/readyz"}, exitFailure},
		{[]string{"probe"}, exitUsage},
	} {
		probe := start(t, nil, c.args...)
		if code := probe.wait(t); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, probe.stderr.String())
		}
	}
}

// temporal-setup waits for a Temporal that is not up yet, and gives up with
// a clear error when it never comes.
func TestTemporalSetupWaitsForTemporal(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	env := map[string]string{"TEMPORAL_ADDRESS": freeAddr(t), "LOG_LEVEL": "warn"}
	code := run(ctx, []string{"temporal-setup"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "Temporal not answering yet; retrying") ||
		!strings.Contains(stderr.String(), "valghalla temporal-setup: connect to Temporal at "+env["TEMPORAL_ADDRESS"]) {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
}
