package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const (
	testNamespace = "valghalla-test"
	testTaskQueue = "devserver-test"
)

var testSearchAttributes = map[string]enums.IndexedValueType{
	"ValghallaElection": enums.INDEXED_VALUE_TYPE_KEYWORD,
	"ValghallaState":    enums.INDEXED_VALUE_TYPE_KEYWORD,
}

// waitForSignal is the tiny workflow used to show that a run survives a restart.
func waitForSignal(ctx workflow.Context) (string, error) {
	state := "waiting"
	if err := workflow.SetQueryHandler(ctx, "state", func() (string, error) { return state, nil }); err != nil {
		return "", err
	}
	var got string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &got)
	state = "done"
	return "got " + got, nil
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddress(),
		Namespace: testNamespace,
		Logger:    sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.FrontendAddress(), err)
	}
	return c
}

func startWorker(t *testing.T, c client.Client) worker.Worker {
	t.Helper()
	w := worker.New(c, testTaskQueue, worker.Options{})
	w.RegisterWorkflow(waitForSignal)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	return w
}

func TestStartUIAndRestartKeepsWorkflows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	opts := Options{
		DatabaseFile:     filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort:     freePort(t),
		UIPort:           freePort(t),
		Namespaces:       []string{testNamespace},
		SearchAttributes: testSearchAttributes,
		Logger:           quietLogger(),
	}

	began := time.Now()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("first Start: %v", err)
	}
	t.Logf("first start (new file, schema setup) took %v", time.Since(began))
	defer s.Stop()

	if got, want := s.FrontendAddress(), "127.0.0.1:"+strconv.Itoa(opts.FrontendPort); got != want {
		t.Errorf("FrontendAddress() = %q, want %q", got, want)
	}
	if got, want := s.UIURL(), "http://127.0.0.1:"+strconv.Itoa(opts.UIPort); got != want {
		t.Errorf("UIURL() = %q, want %q", got, want)
	}

	// The pragmas reached SQLite: a WAL file sits next to the database,
	// and next to the visibility store's own file.
	for _, f := range []string{opts.DatabaseFile, VisibilityFile(opts.DatabaseFile)} {
		if _, err := os.Stat(f + "-wal"); err != nil {
			t.Errorf("no WAL file next to %s: %v", filepath.Base(f), err)
		}
	}

	// The Web UI answers and reaches the frontend.
	checkUINamespaces(t, s.UIURL())

	c := dial(t, s)
	checkSearchAttributes(ctx, t, c)

	w := startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "restart-test",
		TaskQueue: testTaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("ValghallaElection").ValueSet("FV2026"),
			temporal.NewSearchAttributeKeyKeyword("ValghallaState").ValueSet("invited"),
		),
	}, waitForSignal)
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	// A query answers only once the worker has run the first workflow task.
	if state := queryState(ctx, t, c, run.GetID()); state != "waiting" {
		t.Fatalf("state before restart = %q, want waiting", state)
	}
	w.Stop()
	c.Close()

	began = time.Now()
	s.Stop()
	s.Stop() // safe twice
	t.Logf("stop took %v", time.Since(began))

	// Same file, same ports, right after.
	began = time.Now()
	s2, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	t.Logf("second start (existing file) took %v", time.Since(began))
	defer s2.Stop()

	c2 := dial(t, s2)
	defer c2.Close()
	checkSearchAttributes(ctx, t, c2)

	desc, err := c2.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatalf("describe after restart: %v", err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("status after restart = %v, want running", st)
	}

	w2 := startWorker(t, c2)
	defer w2.Stop()
	if err := c2.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", "hello"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var result string
	if err := c2.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &result); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if result != "got hello" {
		t.Fatalf("result = %q, want %q", result, "got hello")
	}

	// The search attributes set at start reach visibility.
	checkListedBySearchAttribute(ctx, t, c2, run.GetID())
}

func checkUINamespaces(t *testing.T, uiURL string) {
	t.Helper()
	resp, err := http.Get(uiURL + "/api/v1/namespaces")
	if err != nil {
		t.Fatalf("GET namespaces from UI: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/api/v1/namespaces: status %d", uiURL, resp.StatusCode)
	}
	var body struct {
		Namespaces []struct {
			NamespaceInfo struct {
				Name string `json:"name"`
			} `json:"namespaceInfo"`
		} `json:"namespaces"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode UI namespaces: %v", err)
	}
	var names []string
	for _, ns := range body.Namespaces {
		names = append(names, ns.NamespaceInfo.Name)
	}
	for _, n := range names {
		if n == testNamespace {
			return
		}
	}
	t.Fatalf("UI lists namespaces %v, want %q among them", names, testNamespace)
}

func checkSearchAttributes(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: testNamespace})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	for name, typ := range testSearchAttributes {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s: got %v (present %v), want %v", name, got, ok, typ)
		}
	}
}

func queryState(ctx context.Context, t *testing.T, c client.Client, id string) string {
	t.Helper()
	var state string
	waitFor(ctx, t, "query state", func() error {
		v, err := c.QueryWorkflow(ctx, id, "", "state")
		if err != nil {
			return err
		}
		return v.Get(&state)
	})
	return state
}

func checkListedBySearchAttribute(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	// Visibility is written asynchronously; poll briefly.
	waitFor(ctx, t, "list by search attribute", func() error {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: testNamespace,
			Query:     `ValghallaElection = "FV2026" AND ValghallaState = "invited"`,
		})
		if err != nil {
			return err
		}
		for _, e := range resp.GetExecutions() {
			if e.GetExecution().GetWorkflowId() == id {
				return nil
			}
		}
		return fmt.Errorf("%s not listed (%d executions)", id, len(resp.GetExecutions()))
	})
}

// waitFor retries f until it succeeds or 30 s pass.
func waitFor(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	for _, tc := range []struct {
		name         string
		frontend, ui int
		wantWhat     string
	}{
		{name: "UI port taken", frontend: freePort(t), ui: takenPort, wantWhat: "Temporal UI"},
		{name: "frontend port taken", frontend: takenPort, ui: freePort(t), wantWhat: "Temporal frontend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "temporal.db")
			s, err := Start(context.Background(), Options{
				DatabaseFile: db,
				FrontendPort: tc.frontend,
				UIPort:       tc.ui,
				Namespaces:   []string{testNamespace},
				Logger:       quietLogger(),
			})
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded on a taken port")
			}
			var pe *PortInUseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *PortInUseError", err, err)
			}
			wantAddr := "127.0.0.1:" + strconv.Itoa(takenPort)
			if pe.What != tc.wantWhat || pe.Addr != wantAddr {
				t.Errorf("PortInUseError = %+v, want What %q Addr %q", pe, tc.wantWhat, wantAddr)
			}
			if msg := err.Error(); msg != tc.wantWhat+": "+wantAddr+" is already in use" || strings.Contains(msg, "\n") {
				t.Errorf("error message %q", msg)
			}
			// Nothing was started: both ports other than the taken one are free,
			// and no database was created.
			for _, p := range []int{tc.frontend, tc.ui} {
				if p == takenPort {
					continue
				}
				l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
				if err != nil {
					t.Errorf("port %d is not free after the failed Start: %v", p, err)
					continue
				}
				l.Close()
			}
			if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("database file exists after failed Start (stat: %v)", err)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "temporal.db")
	tooManyKeywords := map[string]enums.IndexedValueType{}
	for i := range 11 {
		tooManyKeywords[fmt.Sprintf("K%d", i)] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"no database file", Options{FrontendPort: freePort(t), Namespaces: []string{"ns"}}},
		{"no frontend port", Options{DatabaseFile: db, Namespaces: []string{"ns"}}},
		{"negative UI port", Options{DatabaseFile: db, FrontendPort: freePort(t), UIPort: -1, Namespaces: []string{"ns"}}},
		{"same port twice", Options{DatabaseFile: db, FrontendPort: 7233, UIPort: 7233, Namespaces: []string{"ns"}}},
		{"no namespaces", Options{DatabaseFile: db, FrontendPort: freePort(t)}},
		{"empty namespace", Options{DatabaseFile: db, FrontendPort: freePort(t), Namespaces: []string{""}}},
		{"bad IP", Options{DatabaseFile: db, IP: "localhost:1", FrontendPort: freePort(t), Namespaces: []string{"ns"}}},
		{"untyped search attribute", Options{DatabaseFile: db, FrontendPort: freePort(t), Namespaces: []string{"ns"},
			SearchAttributes: map[string]enums.IndexedValueType{"X": enums.INDEXED_VALUE_TYPE_UNSPECIFIED}}},
		{"missing parent directory", Options{DatabaseFile: filepath.Join(dir, "nope", "temporal.db"), FrontendPort: freePort(t), Namespaces: []string{"ns"}}},
		{"too many keyword attributes", Options{DatabaseFile: filepath.Join(dir, "many.db"), FrontendPort: freePort(t), Namespaces: []string{"ns"},
			SearchAttributes: tooManyKeywords}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Logger = quietLogger()
			s, err := Start(context.Background(), tc.o)
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded")
			}
			t.Logf("error: %v", err)
		})
	}
}

// On PostgreSQL (the production path, used by `valghalla bench --postgres`):
// the schemas are set up by Temporal's own schema tool, the namespace is
// registered, and a waiting workflow survives a restart on the same databases.
func TestPostgresPersistenceKeepsWorkflowsOverRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	server := os.Getenv("VALGHALLA_TEST_DATABASE_URL")
	if server == "" {
		server = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	pg := &PostgresStore{URL: server, Database: "devserver_" + suffix, VisibilityDatabase: "devserver_vis_" + suffix}
	t.Cleanup(func() { dropDatabases(t, server, pg.Database, pg.VisibilityDatabase) })
	opts := Options{Postgres: pg, FrontendPort: freePort(t), Namespaces: []string{testNamespace},
		SearchAttributes: testSearchAttributes, Logger: quietLogger()}

	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start on PostgreSQL: %v", err)
	}
	c := dial(t, s)
	w := startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "pg-restart", TaskQueue: testTaskQueue}, waitForSignal)
	if err != nil {
		t.Fatal(err)
	}
	if state := queryState(ctx, t, c, run.GetID()); state != "waiting" {
		t.Fatalf("state = %q, want waiting", state)
	}
	w.Stop()
	c.Close()
	s.Stop()

	opts.FrontendPort = freePort(t)
	if s, err = Start(ctx, opts); err != nil { // schemas exist: brought up to date, not recreated
		t.Fatalf("second Start on PostgreSQL: %v", err)
	}
	defer s.Stop()
	c = dial(t, s)
	defer c.Close()
	defer startWorker(t, c).Stop()
	if err := c.SignalWorkflow(ctx, run.GetID(), "", "go", "again"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := c.GetWorkflow(ctx, run.GetID(), "").Get(ctx, &got); err != nil || got != "got again" {
		t.Fatalf("after restart: %q, %v", got, err)
	}
}

func dropDatabases(t *testing.T, server string, names ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Log(err)
		return
	}
	defer conn.Close(ctx)
	for _, n := range names {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)"); err != nil {
			t.Log(err)
		}
	}
}

// A data folder from before the visibility file has one file for both
// stores: it keeps it (its workflows are listed from there), and no empty
// visibility file appears beside it.
func TestOneFileDataFolderKeepsItsVisibility(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := Options{
		DatabaseFile:     filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort:     freePort(t),
		Namespaces:       []string{testNamespace},
		SearchAttributes: testSearchAttributes,
		Logger:           quietLogger(),
	}
	// The one-file layout: the schema (history and visibility) in one file.
	if _, err := prepareSQLiteFile(sqliteStore(opts.DatabaseFile)); err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if _, err := os.Stat(VisibilityFile(opts.DatabaseFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a visibility file was made beside a one-file data folder (stat: %v)", err)
	}
	c := dial(t, s)
	defer c.Close()
	w := startWorker(t, c)
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "one-file", TaskQueue: testTaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("ValghallaElection").ValueSet("FV2026"),
			temporal.NewSearchAttributeKeyKeyword("ValghallaState").ValueSet("invited"),
		)}, waitForSignal)
	if err != nil {
		t.Fatal(err)
	}
	checkListedBySearchAttribute(ctx, t, c, run.GetID())
}
