package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/devserver"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// runDev runs the whole product in one process on embedded defaults: a
// Temporal server and its Web UI, the app database on SQLite, the worker and
// the web app, all keeping their data under one folder.
func runDev(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	cfg.useEUCountryCodes()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// Bind the web port first: a taken port is a clear error before anything
	// heavy starts.
	ln, err := listen("web app", cfg.ListenAddr)
	if err != nil {
		return err
	}
	defer ln.Close()

	ip, frontendPort, err := splitAddr(cfg.TemporalAddress)
	if err != nil {
		return fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	_, uiPort, err := splitAddr(cfg.TemporalUIAddr)
	if err != nil {
		return fmt.Errorf("TEMPORAL_UI_ADDR: %w", err)
	}
	temporalServer, err := devserver.Start(ctx, devserver.Options{
		DatabaseFile:     filepath.Join(cfg.DataDir, "temporal.db"),
		IP:               ip,
		FrontendPort:     frontendPort,
		UIPort:           uiPort,
		Namespaces:       []string{cfg.TemporalNamespace},
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           log.With("component", "temporal-server"),
	})
	if err != nil {
		var inUse *devserver.PortInUseError
		if errors.As(err, &inUse) {
			return inUse
		}
		return fmt.Errorf("start Temporal: %w", err)
	}
	defer temporalServer.Stop()

	m, err := startMetrics(ctx, cfg, log)
	if err != nil {
		return err
	}
	opts := temporalOptions(cfg, log)
	opts.HostPort = temporalServer.FrontendAddress()
	opts.MetricsHandler = m.Temporal()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to the embedded Temporal: %w", err)
	}
	defer c.Close()
	// Every start: the retention an election season needs, and any search
	// attribute a newer version added.
	if err := worker.EnsureNamespace(ctx, c, cfg.TemporalNamespace, cfg.Retention, workflows.SearchAttributes()); err != nil {
		return err
	}
	if err := worker.EnsureHousekeeping(ctx, c, cfg.TaskQueue); err != nil {
		return err
	}

	if cfg, err = devKeys(cfg); err != nil {
		return err
	}
	if err := migrateDatabase(ctx, cfg, log); err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close(db)
	seeded, err := store.SeedDemo(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("seed the demo municipality: %w", err)
	}
	if seeded {
		if err := store.SeedDemoPlan(ctx, db, time.Now()); err != nil {
			return fmt.Errorf("plan the demo election: %w", err)
		}
	}

	cfg, mailServer, err := startDevMail(cfg, log)
	if err != nil {
		return err
	}
	if mailServer != nil {
		defer mailServer.Close()
	}
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	keys, err := cfg.keyring()
	if err != nil {
		return err
	}
	register, fakeRegister, err := startDevRegister(db, log)
	if err != nil {
		return err
	}
	defer fakeRegister.Close()
	register = metered(m, register)
	webURL := "http://" + ln.Addr().String()
	channels, err := startDevChannels(webURL, cfg.DigitalPostMeMoVersion, log)
	if err != nil {
		return err
	}
	defer channels.Close()
	w := worker.NewWithSMSRate(c, cfg.TaskQueue, &activities.Activities{DB: db, Mail: mailer, BaseURL: webURL,
		Keys: keys, CPR: register, DigitalPost: channels.dpClient, SMS: channels.smsClient, Metrics: m}, cfg.SMSPerSecond)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start the worker: %w", err)
	}
	defer w.Stop()
	if err := worker.EnsureRevalidationSchedules(ctx, c, db, cfg.TaskQueue); err != nil {
		log.Error("re-validation schedules not reconciled", "error", err)
	}

	// MitID: the provider of OIDC_ISSUER, else a fake one in the process.
	uc := usecases.Config{DB: db, Temporal: c, CPR: register, Keys: keys, TaskQueue: cfg.TaskQueue, Log: log}
	if cfg.OIDCIssuer != "" {
		uc, err = cfg.withMitID(uc, log)
	} else {
		var stopMitID func()
		uc, stopMitID, err = startDevMitID(db, webURL, uc, log)
		defer stopMitID()
	}
	if err != nil {
		return err
	}

	checkCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	started := time.Now()
	_, err = workflows.RunSelfCheck(checkCtx, c, cfg.TaskQueue)
	cancel()
	if err != nil {
		return fmt.Errorf("self-check through Temporal, worker and database failed: %w", err)
	}

	fmt.Fprintf(stdout, `Valghalla dev is running.
  Web app:      %s
  Temporal UI:  %s
  Temporal:     %s (namespace %s)
  Data folder:  %s
  Demo login:   %s / %s (sets up two-step verification, TOTP, at first login)
  Dev mailbox:  %s/dev/postkasse
  CPR register: fake, over mutual TLS; fixture people 010170-4001 … -4021
  Channels:     fake Digital Post (mutual TLS), fake Twilio and SMTP, all in the dev mailbox
  Self-check:   workflow → worker → database in %s
`, webURL, temporalServer.UIURL(), temporalServer.FrontendAddress(), cfg.TemporalNamespace, cfg.DataDir,
		store.DemoEmail, store.DemoPassword, webURL, time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  MitID:        OpenID provider %s (dev: a fake one with the fixture people)\n", uc.MitIDIssuer)
	if seeded {
		fmt.Fprintln(stdout, "  Seeded the demo municipality Sønderå Kommune.")
	}
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")

	deps := site.Deps{
		UseCases: usecases.New(uc),
		Log:      log, TemporalUIURL: temporalServer.UIURL(), Metrics: m}
	deps.PublicURL, deps.SMSAuthToken = webURL, channels.sms.AuthToken()
	deps.Mailbox, deps.SMSReply = channels.mailbox(mailServer), channels.reply
	handler := web.New(deps)
	err = serveHTTP(ctx, ln, handler, log)
	fmt.Fprintln(stdout, "Stopping.")
	return err
}

func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q has no valid port", addr)
	}
	return host, port, nil
}
