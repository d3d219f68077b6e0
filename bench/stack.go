// Package bench measures the product at municipal and national scale: the
// whole dev stack in one process (embedded Temporal, worker, web app, the
// fake Digital Post, Twilio and SMTP servers), on SQLite or on PostgreSQL for
// both the app and Temporal, with a bare Temporal baseline in the same run.
// `valghalla bench` runs it; the report is bench/README.md.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/valghalla/valghalla/fakes/visitor"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/devserver"
	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// Options choose where the stack keeps its data.
type Options struct {
	// Dir holds the SQLite files; a temporary folder when empty.
	Dir string
	// Postgres, a postgres:// URL of a server, puts the app database and
	// Temporal's persistence there (fresh databases, dropped at Close)
	// instead of SQLite: the production path.
	Postgres string
	// Log receives warnings and errors of the stack (default: stderr).
	Log *slog.Logger
	// BaselineChildren starts the baseline's workflows as children of its
	// round, as the product did before its round started them by an
	// activity; the default starts them as the product does now.
	BaselineChildren bool
	// WorkerBinary, when set, runs the worker as `<WorkerBinary> worker`,
	// the production command, in a process of its own (to measure its
	// memory); it sends e-mail only. Empty runs the worker in this process.
	WorkerBinary string
	// Workers is how many worker processes run (WorkerBinary), each
	// `valghalla worker` on the one task queue; 0 means 1.
	Workers int
	// TemporalAddress, when set, is the frontend of a Temporal server in a
	// process of its own (the production topology, deploy/temporal): the
	// stack uses it instead of starting the embedded one, in a namespace
	// of its own made for the run. Needs Postgres for the app database and
	// WorkerBinary: the workers run as production processes.
	TemporalAddress string
}

const (
	namespace = "bench"
	taskQueue = "bench"
	authToken = "0123456789abcdef0123456789abcdef"
)

// Stack is everything `valghalla dev` runs, wired for measuring.
type Stack struct {
	Client client.Client
	DB     *gorm.DB
	Keys   *vault.Keyring
	WebURL string
	// UseCases are the web app's, for benchmarks that act as staff
	// without a browser session.
	UseCases usecases.UseCases
	// Worker is the worker's process when Options.WorkerBinary is set;
	// Workers all of them (Options.Workers).
	Worker  *exec.Cmd
	Workers []*exec.Cmd

	namespace string

	appURL, encKeys, blindKey string
	appDatabase               string // its name on PostgreSQL, for bench.CPU

	opts     Options
	frontend string
	temporal *devserver.Server
	mail     *mailfake.Server
	dp       *dpfake.Server
	sms      *smsfake.Server
	web      *httptest.Server
	worker   *worker.Worker
	acts     *activities.Activities
	arrivals *arrivals
	cleanup  []func()
}

// Start brings the stack up. exempt are CPR numbers the fake Digital Post
// refuses (their invitations fall through to e-mail).
func Start(ctx context.Context, o Options, exempt []string) (s *Stack, err error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s = &Stack{opts: o, arrivals: newArrivals(), namespace: namespace}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "valghalla-bench-")
		if err != nil {
			return nil, err
		}
		s.removeAtClose(dir)
		s.opts.Dir = dir
	}

	if o.TemporalAddress != "" && (o.Postgres == "" || o.WorkerBinary == "") {
		return nil, errors.New("bench: an external Temporal server needs --postgres (the app database) and the worker binary")
	}
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	dso := devserver.Options{DatabaseFile: filepath.Join(s.opts.Dir, "temporal.db"), FrontendPort: port,
		Namespaces: []string{namespace}, SearchAttributes: workflows.SearchAttributes(), Logger: o.Log}
	appURL := "sqlite:" + filepath.Join(s.opts.Dir, "app.db")
	if o.Postgres != "" {
		suffix := randomHex(4)
		names := []string{"bench_app_" + suffix, "bench_temporal_" + suffix, "bench_temporal_vis_" + suffix}
		if err := s.createDatabases(ctx, names[:1]); err != nil {
			return nil, err
		}
		s.cleanup = append(s.cleanup, func() { s.dropDatabases(names) })
		if appURL, err = withDatabase(o.Postgres, names[0]); err != nil {
			return nil, err
		}
		s.appDatabase = names[0]
		dso.Postgres = &devserver.PostgresStore{URL: o.Postgres, Database: names[1], VisibilityDatabase: names[2]}
	}
	frontend := o.TemporalAddress
	if frontend == "" {
		if s.temporal, err = devserver.Start(ctx, dso); err != nil {
			return nil, err
		}
		frontend = s.temporal.FrontendAddress()
	} else {
		// The server outlives the run: a namespace of the run's own keeps
		// its workflow ids apart from an earlier run's.
		s.namespace = namespace + "-" + randomHex(4)
	}
	s.frontend = frontend
	if s.Client, err = client.DialContext(ctx, client.Options{HostPort: frontend, Namespace: s.namespace,
		Logger: sdklog.NewStructuredLogger(o.Log)}); err != nil {
		return nil, err
	}
	if err := worker.EnsureNamespace(ctx, s.Client, s.namespace, 24*time.Hour, workflows.SearchAttributes()); err != nil {
		return nil, err
	}

	if s.DB, err = store.Open(ctx, appURL, o.Log); err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, s.DB, o.Log); err != nil {
		return nil, err
	}
	s.appURL = appURL
	if s.encKeys, s.blindKey, err = vault.GenerateConfig(); err != nil {
		return nil, err
	}
	if s.Keys, err = vault.ParseKeyring(s.encKeys, s.blindKey); err != nil {
		return nil, err
	}
	if err := s.DB.Use(vault.Plugin(s.Keys)); err != nil {
		return nil, err
	}

	// The web app's address first: the fake Twilio posts to it.
	s.web = httptest.NewUnstartedServer(nil)
	s.WebURL = "http://" + s.web.Listener.Addr().String()
	if err := s.startProviders(exempt); err != nil {
		return nil, err
	}
	s.acts.DB, s.acts.Keys, s.acts.BaseURL = s.DB, s.Keys, s.WebURL
	s.UseCases = usecases.New(usecases.Config{DB: s.DB, Temporal: s.Client, Log: o.Log, Keys: s.Keys, TaskQueue: taskQueue})
	s.web.Config.Handler = web.New(site.Deps{
		UseCases: s.UseCases,
		Log:      o.Log, PublicURL: s.WebURL, SMSAuthToken: authToken,
		// Hundreds of people answer through loopback, each at their own
		// address (fakes/visitor).
		TrustedProxies: visitor.Proxy})
	s.web.Start()
	if o.WorkerBinary != "" {
		for range max(1, o.Workers) {
			if err := s.startWorkerProcess(); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	// The SMS rate of a real long code would make every SMS benchmark a
	// benchmark of the rate limit: the fake takes what it gets.
	s.worker = worker.NewWithSMSRate(s.Client, taskQueue, s.acts, 1000)
	if err := s.worker.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// startWorkerProcess runs `valghalla worker` against this stack.
func (s *Stack) startWorkerProcess() error {
	cmd := exec.Command(s.opts.WorkerBinary, "worker")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+s.appURL,
		"TEMPORAL_ADDRESS="+s.frontend,
		"TEMPORAL_NAMESPACE="+s.namespace,
		"TEMPORAL_TASK_QUEUE="+taskQueue,
		"VALGHALLA_ENCRYPTION_KEYS="+s.encKeys,
		"VALGHALLA_BLIND_INDEX_KEY="+s.blindKey,
		"SMTP_HOST="+s.mail.Host(),
		fmt.Sprintf("SMTP_PORT=%d", s.mail.Port()),
		"SMTP_TLS=none",
		"BASE_URL="+s.WebURL,
		"LOG_LEVEL=warn",
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	s.Worker = cmd
	s.Workers = append(s.Workers, cmd)
	return nil
}

// removeAtClose registers a temporary folder for removal at Close.
func (s *Stack) removeAtClose(dir string) {
	s.cleanup = append(s.cleanup, func() { os.RemoveAll(dir) })
}

// startProviders starts the fake providers with the real clients, each
// arrival counted for the round benchmark.
func (s *Stack) startProviders(exempt []string) error {
	var err error
	if s.mail, err = mailfake.Start("127.0.0.1:0", mailfake.WithNotify(func(mailfake.Received) { s.arrivals.add() })); err != nil {
		return err
	}
	sender, err := mail.NewSender(mail.Config{Host: s.mail.Host(), Port: s.mail.Port(), From: "valg@bench.dk", TLS: mail.TLSNone})
	if err != nil {
		return err
	}
	if s.dp, err = dpfake.Start(dpfake.Options{Exempt: exempt, OnDelivery: func(d dpfake.Delivery) {
		if d.Receipt.Status != digitalpost.StatusNotAllowed {
			s.arrivals.add()
		}
	}}); err != nil {
		return err
	}
	dpClient, err := digitalpost.NewClient(s.dp.ClientConfig())
	if err != nil {
		return err
	}
	if s.sms, err = smsfake.Start(smsfake.Options{AuthToken: authToken, StatusCallbackURL: web.SMSStatusURL(s.WebURL),
		InboundURL: web.SMSReplyURL(s.WebURL)}); err != nil {
		return err
	}
	cfg := s.sms.Config()
	cfg.HTTPClient = s.sms.HTTPClient()
	smsClient, err := sms.NewClient(cfg)
	if err != nil {
		return err
	}
	s.acts = &activities.Activities{Mail: sender, DigitalPost: dpClient, SMS: smsClient}
	return nil
}

// Close stops everything and removes what Start made.
func (s *Stack) Close() {
	for _, w := range s.Workers {
		_ = w.Process.Kill()
		_ = w.Wait()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.web != nil {
		s.web.Close()
	}
	if s.Client != nil {
		s.Client.Close()
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.DB != nil {
		store.Close(s.DB)
	}
	if s.mail != nil {
		s.mail.Close()
	}
	if s.dp != nil {
		s.dp.Close()
	}
	if s.sms != nil {
		_ = s.sms.Close()
	}
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// arrivals counts messages at the fake providers and when the last came.
type arrivals struct {
	mu    sync.Mutex
	n     int
	last  time.Time
	reset time.Time
}

func newArrivals() *arrivals { return &arrivals{} }

func (a *arrivals) add() {
	a.mu.Lock()
	a.n++
	a.last = time.Now()
	a.mu.Unlock()
}

func (a *arrivals) get() (int, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n, a.last
}

func (a *arrivals) zero() {
	a.mu.Lock()
	a.n, a.last = 0, time.Time{}
	a.mu.Unlock()
}

func (s *Stack) createDatabases(ctx context.Context, names []string) error {
	conn, err := pgx.Connect(ctx, s.opts.Postgres)
	if err != nil {
		return fmt.Errorf("bench: PostgreSQL at %s: %w", redact(s.opts.Postgres), err)
	}
	defer conn.Close(ctx)
	for _, n := range names {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+n); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stack) dropDatabases(names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.opts.Postgres)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for _, n := range names {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
	}
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", errors.New("bench: the PostgreSQL URL must be postgres://…")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
