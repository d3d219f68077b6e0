// Command valghalla is the one binary of the product: the all-in-one dev
// mode and the production web app, worker and set-up commands. This package
// parses, wires and runs; the product lives in the packages it imports.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own context,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	commands := map[string]func(context.Context, config, *slog.Logger, io.Writer) error{
		"dev":            runDev,
		"web":            runWeb,
		"worker":         runWorker,
		"migrate":        runMigrate,
		"temporal-setup": runTemporalSetup,
		"selfcheck":      runSelfCheck,
	}
	name := args[0]
	switch name {
	case "probe":
		return runProbe(ctx, args[1:], stderr)
	case "keygen":
		return runKeygen(stdout)
	case "quota":
		return runQuota(args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "setup":
		return runSetup(ctx, args[1:], getenv, stdout, stderr)
	case "account-link":
		return runAccountLink(ctx, args[1:], getenv, stdout, stderr)
	}
	cmd, ok := commands[name]
	if !ok {
		if name == "help" || name == "-h" || name == "--help" {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "valghalla: unknown command %q (run valghalla help)\n", name)
		return exitUsage
	}
	fs := flag.NewFlagSet("valghalla "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(getenv, fs, args[1:], name == "dev")
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "valghalla %s: %v\n", name, err)
		}
		return exitUsage
	}
	if name == "web" || name == "worker" {
		if err := cfg.checkBaseURL(); err != nil {
			fmt.Fprintf(stderr, "valghalla %s: %v\n", name, err)
			return exitUsage
		}
	}
	log := cfg.logger(stderr)
	if name == "web" || name == "worker" {
		cfg.warnOfLocalTrial(log)
	}
	if err := cmd(ctx, cfg, log, stdout); err != nil {
		fmt.Fprintf(stderr, "valghalla %s: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

// openDatabase opens the app database and refuses a schema older than this
// binary: production upgrades run `valghalla migrate` first.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*gorm.DB, error) {
	if err := cfg.requireDatabase(); err != nil {
		return nil, err
	}
	keys, err := cfg.keyring()
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	// A newer schema is fine: migrations keep the previous release working,
	// so old and new processes overlap during a rolling update.
	v, err := store.SchemaVersion(ctx, db)
	if err != nil || v < store.LatestVersion() {
		store.Close(db)
		return nil, fmt.Errorf("database schema is at version %d, this binary needs %d: run valghalla migrate", v, store.LatestVersion())
	}
	if err := db.Use(vault.Plugin(keys)); err != nil {
		store.Close(db)
		return nil, err
	}
	// The participants search's columns for the people stored before
	// migration 27 (the e-mail index needs the keys, which `valghalla
	// migrate` may not have): nothing to do once filled.
	if n, err := store.BackfillParticipantSearch(ctx, db, keys); err != nil {
		store.Close(db)
		return nil, fmt.Errorf("fill the participants search columns: %w", err)
	} else if n > 0 {
		log.InfoContext(ctx, "participants search columns filled", "people", n)
	}
	return db, nil
}

// migrateDatabase brings the app schema up to date.
func migrateDatabase(ctx context.Context, cfg config, log *slog.Logger) error {
	if err := cfg.requireDatabase(); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer store.Close(db)
	return store.Migrate(ctx, db, log)
}

func temporalOptions(cfg config, log *slog.Logger) client.Options {
	return client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    sdklog.NewStructuredLogger(log.With("component", "temporal-client")),
	}
}

func runMigrate(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if err := migrateDatabase(ctx, cfg, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d\n", store.LatestVersion())
	return nil
}

func runTemporalSetup(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	c, err := dialWithRetry(ctx, temporalOptions(cfg, log), 2*time.Minute, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	if err := worker.EnsureNamespace(ctx, c, cfg.TemporalNamespace, cfg.Retention, workflows.SearchAttributes()); err != nil {
		return err
	}
	if err := worker.EnsureHousekeeping(ctx, c, cfg.TaskQueue); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "namespace %s ready: retention %s, %d search attributes, daily housekeeping scheduled\n",
		cfg.TemporalNamespace, cfg.Retention, len(workflows.SearchAttributes()))
	return nil
}

func runWeb(ctx context.Context, cfg config, log *slog.Logger, _ io.Writer) error {
	cfg.useEUCountryCodes()
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close(db)
	m, err := startMetrics(ctx, cfg, log)
	if err != nil {
		return err
	}
	opts := temporalOptions(cfg, log)
	opts.MetricsHandler = m.Temporal()
	// Lazy: the web app starts while Temporal is still coming up; /readyz
	// tells the load balancer when it can take traffic.
	c, err := client.NewLazyClient(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	keys, err := cfg.keyring()
	if err != nil {
		return err
	}
	register, err := cfg.cprRegister(log)
	if err != nil {
		return err
	}
	register = metered(m, register)
	uc, err := cfg.withMitID(usecases.Config{DB: db, Temporal: c, CPR: register, Keys: keys, TaskQueue: cfg.TaskQueue, Log: log}, log)
	if err != nil {
		return err
	}
	ln, err := listen("web app", cfg.ListenAddr)
	if err != nil {
		return err
	}
	log.Info("web app listening", "addr", ln.Addr().String())
	return serveHTTP(ctx, ln, web.New(site.Deps{
		UseCases: usecases.New(uc),
		Log:      log, SecureCookies: cfg.https(),
		PublicURL: cfg.BaseURL, SMSAuthToken: cfg.TwilioAuthToken, TrustedProxies: cfg.TrustedProxies, Metrics: m}), log)
}

func runWorker(ctx context.Context, cfg config, log *slog.Logger, _ io.Writer) error {
	cfg.useEUCountryCodes()
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close(db)
	m, err := startMetrics(ctx, cfg, log)
	if err != nil {
		return err
	}
	opts := temporalOptions(cfg, log)
	opts.MetricsHandler = m.Temporal()
	c, err := dialWithRetry(ctx, opts, 2*time.Minute, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	keys, err := cfg.keyring()
	if err != nil {
		return err
	}
	register, err := cfg.cprRegister(log)
	if err != nil {
		return err
	}
	digitalPost, err := cfg.digitalPost(log)
	if err != nil {
		return err
	}
	smsSender, err := cfg.smsSender()
	if err != nil {
		return err
	}
	// Process-wide in the SDK: one worker process, one cache.
	sdkworker.SetStickyWorkflowCacheSize(cfg.WorkflowCache)
	w := worker.NewWithSMSRate(c, cfg.TaskQueue, &activities.Activities{DB: db, Mail: mailer, BaseURL: cfg.BaseURL, Keys: keys,
		CPR: metered(m, register), DigitalPost: digitalPost, SMS: smsSender, Metrics: m}, cfg.SMSPerSecond)
	// Every start: each active election's re-validation schedule at its
	// election day, none for a closed one. A failure is no reason not to
	// work: the web app keeps them as elections change, the next start
	// tries again.
	if err := worker.EnsureRevalidationSchedules(ctx, c, db, cfg.TaskQueue); err != nil {
		log.Error("re-validation schedules not reconciled", "error", err)
	}
	log.Info("worker polling", "namespace", cfg.TemporalNamespace, "task_queue", cfg.TaskQueue)
	interrupt := make(chan any)
	go func() { <-ctx.Done(); close(interrupt) }()
	return w.Run(interrupt)
}

// runSelfCheck asks a worker, through Temporal, to read and write the app
// database: the operator's answer to "is anything processing at all?".
func runSelfCheck(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	c, err := client.DialContext(ctx, temporalOptions(cfg, log))
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	started := time.Now()
	r, err := workflows.RunSelfCheck(ctx, c, cfg.TaskQueue)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no worker completed the self-check on task queue %s within 30s: is a worker running?", cfg.TaskQueue)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok: a worker on task queue %s read and wrote the app database in %s (%d elections)\n",
		cfg.TaskQueue, time.Since(started).Round(time.Millisecond), r.Elections)
	return nil
}

// dialWithRetry connects to Temporal, trying again for up to patience: in a
// fresh cluster the frontend's port opens before it answers calls.
func dialWithRetry(ctx context.Context, opts client.Options, patience time.Duration, log *slog.Logger) (client.Client, error) {
	deadline := time.Now().Add(patience)
	for wait := 500 * time.Millisecond; ; wait = min(2*wait, 10*time.Second) {
		c, err := client.DialContext(ctx, opts)
		if err == nil || time.Now().Add(wait).After(deadline) {
			return c, err
		}
		log.Warn("Temporal not answering yet; retrying", "address", opts.HostPort, "in", wait, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// listen binds addr now, so a taken port is one clear line at start-up.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s: %s is already in use", what, addr)
		}
		return nil, fmt.Errorf("%s: listen on %s: %w", what, addr, err)
	}
	return ln, nil
}

// serveHTTP serves h on ln until ctx ends, then lets requests in flight
// finish for a few seconds.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
