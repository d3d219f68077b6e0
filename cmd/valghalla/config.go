package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/worker"
)

// config is every setting of every subcommand. Each comes from an
// environment variable (listed in the README with its default); a command-line
// flag of the same meaning wins over the variable.
type config struct {
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string
	Retention         time.Duration
	ListenAddr        string
	MetricsAddr       string
	TrustedProxies    []string
	BaseURL           string
	TemporalUIAddr    string
	DataDir           string
	LogLevel          slog.Level
	LogFormat         string
	EncryptionKeys    string
	BlindIndexKey     string
	SMTPHost          string
	SMTPPort          int
	SMTPUsername      string
	SMTPPassword      string
	SMTPFrom          string
	SMTPFromName      string
	SMTPTLS           string

	CPREndpoint             string
	CPRCertFile             string
	CPRKeyFile              string
	CPRCAFile               string
	CPRCVR                  string
	CPRServiceAgreementUUID string
	CPRUserSystemUUID       string
	CPRUserUUID             string
	ExtraEUCountryCodes     models.ExtraEUCountryCodes

	// MitID through OpenID Connect (mitid.go).
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCCPRClaim string

	DigitalPostURL         string
	DigitalPostCertFile    string
	DigitalPostKeyFile     string
	DigitalPostCAFile      string
	DigitalPostSenderCVR   string
	DigitalPostSenderLabel string
	DigitalPostMeMoVersion string

	TwilioAccountSID          string
	TwilioAuthToken           string
	TwilioMessagingServiceSID string
	SMSPerSecond              float64
	WorkflowCache             int
}

// setting documents one environment variable; the README's table lists them.
type setting struct {
	env, def, help string
	set            func(*config, string) error
}

var settings = []setting{
	{"DATABASE_URL", "", "app database: postgres://… (web, worker, migrate, setup); dev uses sqlite:<data>/valghalla.db",
		func(c *config, v string) error { c.DatabaseURL = v; return nil }},
	{"TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port; dev serves its embedded server there, on a loopback address only",
		func(c *config, v string) error { c.TemporalAddress = v; return checkHostPort(v) }},
	{"TEMPORAL_NAMESPACE", "valghalla", "Temporal namespace",
		func(c *config, v string) error { c.TemporalNamespace = v; return nil }},
	{"TEMPORAL_TASK_QUEUE", worker.DefaultTaskQueue, "task queue the worker polls and the web app starts workflows on",
		func(c *config, v string) error { c.TaskQueue = v; return nil }},
	{"TEMPORAL_RETENTION", "180d", "how long closed workflows are kept (temporal-setup, dev)",
		func(c *config, v string) (err error) { c.Retention, err = parseRetention(v); return }},
	{"LISTEN_ADDR", "127.0.0.1:8080", "address the web app listens on (0.0.0.0:8080 in a container); dev: a loopback address only (127.0.0.0/8, ::1, localhost)",
		func(c *config, v string) error { c.ListenAddr = v; return checkHostPort(v) }},
	{"METRICS_ADDR", "", "dev, web, worker: address of a listener of its own serving Prometheus /metrics (the product's series and the Temporal SDK's); empty: none. Not the public port: the series name no person, but they are for the operators",
		func(c *config, v string) error {
			c.MetricsAddr = v
			if v == "" {
				return nil
			}
			return checkHostPort(v)
		}},
	{"TRUSTED_PROXIES", "", "web: addresses (IPs or CIDRs, comma-separated) of the reverse proxies in front of the app, whose X-Forwarded-For names the client; empty: the peer is the client (rate limits count per client address)",
		func(c *config, v string) (err error) { c.TrustedProxies, err = parseProxies(v); return }},
	{"BASE_URL", "http://127.0.0.1:8080", "public URL of the web app, used in links sent to people; web, worker, setup: https:// (http only to a loopback host, a local trial)",
		func(c *config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return nil }},
	{"TEMPORAL_UI_ADDR", "127.0.0.1:8233", "dev: address of the embedded Temporal Web UI, a loopback address only",
		func(c *config, v string) error { c.TemporalUIAddr = v; return checkHostPort(v) }},
	{"VALGHALLA_DATA_DIR", "data", "dev: folder for all data (Temporal and app SQLite files)",
		func(c *config, v string) error { c.DataDir = v; return nil }},
	{encryptionKeysEnv, "", "web, worker: keys that encrypt personal data, id:base64 list, current first (valghalla keygen); dev keeps its own in <data>/keys.env",
		func(c *config, v string) error { c.EncryptionKeys = v; return nil }},
	{blindIndexKeyEnv, "", "web, worker: key of the blind index that finds encrypted values (valghalla keygen)",
		func(c *config, v string) error { c.BlindIndexKey = v; return nil }},
	{"SMTP_HOST", "", "worker: SMTP relay for e-mail; dev runs its own when empty",
		func(c *config, v string) error { c.SMTPHost = v; return nil }},
	{"SMTP_PORT", "", "worker: SMTP port (default by SMTP_TLS: 587, 465 or 25)",
		func(c *config, v string) (err error) { c.SMTPPort, err = parsePort(v); return }},
	{"SMTP_USERNAME", "", "worker: SMTP user (empty: no authentication)",
		func(c *config, v string) error { c.SMTPUsername = v; return nil }},
	{"SMTP_PASSWORD", "", "worker: SMTP password",
		func(c *config, v string) error { c.SMTPPassword = v; return nil }},
	{"SMTP_FROM", "valghalla@localhost", "worker: sender address of e-mail",
		func(c *config, v string) error { c.SMTPFrom = v; return nil }},
	{"SMTP_FROM_NAME", "Valgsekretariatet", "worker: sender name of e-mail sent before the municipality exists; afterwards its settings page's e-mail sender name, else its name",
		func(c *config, v string) error { c.SMTPFromName = v; return nil }},
	{"SMTP_TLS", "starttls", "worker: starttls, tls or none (none only to a loopback host)",
		func(c *config, v string) error { c.SMTPTLS = v; return nil }},
	{"CPR_ENDPOINT", "", "web: SF1520 PersonBaseDataExtended URL on Serviceplatformen; dev runs a fake register when empty",
		func(c *config, v string) error { c.CPREndpoint = v; return nil }},
	{"CPR_CERT_FILE", "", "web: the municipality's OCES system certificate (PEM) for Serviceplatformen",
		func(c *config, v string) error { c.CPRCertFile = v; return nil }},
	{"CPR_KEY_FILE", "", "web: its private key (PEM)",
		func(c *config, v string) error { c.CPRKeyFile = v; return nil }},
	{"CPR_CA_FILE", "", "web: CA certificates for Serviceplatformen (PEM; empty: the system's)",
		func(c *config, v string) error { c.CPRCAFile = v; return nil }},
	{"CPR_CVR", "", "web: the municipality's CVR number, sent with every lookup",
		func(c *config, v string) error { c.CPRCVR = v; return nil }},
	{"CPR_SERVICE_AGREEMENT_UUID", "", "web: Serviceplatformen service agreement",
		func(c *config, v string) error { c.CPRServiceAgreementUUID = v; return nil }},
	{"CPR_USER_SYSTEM_UUID", "", "web: Serviceplatformen user system (this IT system)",
		func(c *config, v string) error { c.CPRUserSystemUUID = v; return nil }},
	{"CPR_USER_UUID", "", "web: Serviceplatformen user (the municipality)",
		func(c *config, v string) error { c.CPRUserUUID = v; return nil }},
	{models.EUCountryCodesSetting, "", "dev, web, worker: CPR country codes (4 digits, comma-separated) that count as other-EU citizenships besides the built-in table, which has every member state: a correction, should CPR's list \"Lande og landekoder\" ever differ",
		func(c *config, v string) (err error) {
			c.ExtraEUCountryCodes, err = models.ParseExtraEUCountryCodes(v)
			return
		}},
	{"OIDC_ISSUER", "", "web: MitID through OpenID Connect (NemLog-in or a broker): the provider's issuer URL (https); empty switches MitID off; dev runs a fake provider when empty",
		func(c *config, v string) error { c.OIDCIssuer = strings.TrimRight(v, "/"); return nil }},
	{"OIDC_CLIENT_ID", "", "web: this app's client id at the provider; its redirect URI is BASE_URL/mitid/retur",
		func(c *config, v string) error { c.OIDCClientID = v; return nil }},
	{"OIDC_CLIENT_SECRET", "", "web: this app's client secret at the provider",
		func(c *config, v string) error { c.OIDCClientSecret = v; return nil }},
	{"OIDC_CPR_CLAIM", oidc.DefaultCPRClaim, "web: the ID token claim that holds the CPR number (NemLog-in's by default; Criipto: cprNumberIdentifier)",
		func(c *config, v string) error { c.OIDCCPRClaim = v; return nil }},
	{"DIGITALPOST_URL", "", "worker: Næste generation Digital Post API base URL; dev runs a fake when empty, elsewhere empty sends no Digital Post",
		func(c *config, v string) error { c.DigitalPostURL = strings.TrimRight(v, "/"); return nil }},
	{"DIGITALPOST_CERT_FILE", "", "worker: the municipality's OCES3 system certificate (PEM) for Digital Post",
		func(c *config, v string) error { c.DigitalPostCertFile = v; return nil }},
	{"DIGITALPOST_KEY_FILE", "", "worker: its private key (PEM)",
		func(c *config, v string) error { c.DigitalPostKeyFile = v; return nil }},
	{"DIGITALPOST_CA_FILE", "", "worker: CA certificates for Digital Post (PEM; empty: the system's)",
		func(c *config, v string) error { c.DigitalPostCAFile = v; return nil }},
	{"DIGITALPOST_SENDER_CVR", "", "worker: the municipality's CVR number, the letters' sender",
		func(c *config, v string) error { c.DigitalPostSenderCVR = v; return nil }},
	{"DIGITALPOST_SENDER_LABEL", "Valgsekretariatet", "worker: the sender's name shown in Digital Post",
		func(c *config, v string) error { c.DigitalPostSenderLabel = v; return nil }},
	{"DIGITALPOST_MEMO_VERSION", digitalpost.DefaultMeMoVersion, "worker: the MeMo version the letters are written in, 1.1 or 1.2 (the current one, which NgDP takes and current clients send; 1.1 for a receiver that still wants it)",
		func(c *config, v string) error {
			if !slices.Contains(digitalpost.MeMoVersions, v) {
				return errors.New("must be 1.1 or 1.2")
			}
			c.DigitalPostMeMoVersion = v
			return nil
		}},
	{"TWILIO_ACCOUNT_SID", "", "worker: Twilio account for SMS; dev runs a fake Twilio when empty, elsewhere empty sends no SMS",
		func(c *config, v string) error { c.TwilioAccountSID = v; return nil }},
	{"TWILIO_AUTH_TOKEN", "", "worker and web: Twilio auth token (signs the SMS webhooks)",
		func(c *config, v string) error { c.TwilioAuthToken = v; return nil }},
	{"TWILIO_MESSAGING_SERVICE_SID", "", "worker: the Messaging Service (MG…) that sends, with a number that can receive replies",
		func(c *config, v string) error { c.TwilioMessagingServiceSID = v; return nil }},
	{"SMS_PER_SECOND", "1", "worker: SMS sent per second over all workers (the provider's rate)",
		func(c *config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				return errors.New("must be a positive number")
			}
			c.SMSPerSecond = f
			return nil
		}},
	{"WORKER_WORKFLOW_CACHE", "10000", "worker: workflows kept in memory between their tasks (the rest are replayed when they wake); the worker's memory grows with it, about 80 KB each (bench/README.md)",
		func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return errors.New("must be a whole number, 0 or more")
			}
			c.WorkflowCache = n
			return nil
		}},
	{"LOG_LEVEL", "info", "debug, info, warn or error",
		func(c *config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
	{"LOG_FORMAT", "json", "json or text (dev defaults to text)",
		func(c *config, v string) error {
			if v != "json" && v != "text" {
				return errors.New("must be json or text")
			}
			c.LogFormat = v
			return nil
		}},
}

// loadConfig reads the environment, then the command's flags.
func loadConfig(getenv func(string) string, fs *flag.FlagSet, args []string, dev bool) (config, error) {
	var c config
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
			if dev && s.env == "LOG_FORMAT" {
				v = "text"
			}
		}
		if err := s.set(&c, v); err != nil {
			return c, fmt.Errorf("%s=%q: %v", s.env, v, err)
		}
	}
	if fs != nil {
		fs.StringVar(&c.DataDir, "data", c.DataDir, "data folder (VALGHALLA_DATA_DIR)")
		fs.StringVar(&c.ListenAddr, "listen", c.ListenAddr, "web app address (LISTEN_ADDR)")
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		if fs.NArg() > 0 {
			return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		if err := checkHostPort(c.ListenAddr); err != nil {
			return c, fmt.Errorf("--listen %q: %v", c.ListenAddr, err)
		}
	}
	if dev {
		abs, err := filepath.Abs(c.DataDir)
		if err != nil {
			return c, err
		}
		c.DataDir = abs
		if c.DatabaseURL == "" {
			c.DatabaseURL = "sqlite:" + filepath.Join(abs, "valghalla.db")
		}
		if err := c.checkDev(listenFlagSet(fs)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// devExposes is why dev stays on this machine and off real data.
const devExposes = "dev's mailbox (/dev/postkasse) shows every message and link it sends, to anyone who opens it, and its demo login is public"

// checkDev keeps dev a developer's own: it listens on loopback only (the
// web app, and the embedded Temporal server and Web UI, which have no
// login) and runs on SQLite only, so neither the network nor a real
// database meets it.
func (c config) checkDev(listenFromFlag bool) error {
	for _, s := range []struct{ name, addr string }{{"TEMPORAL_ADDRESS", c.TemporalAddress}, {"TEMPORAL_UI_ADDR", c.TemporalUIAddr}} {
		if host, _, err := net.SplitHostPort(s.addr); err == nil && !isLoopbackHost(host) {
			return fmt.Errorf("%s=%q: dev serves its embedded Temporal server and Web UI on a loopback address only "+
				"(127.0.0.1, ::1 or localhost): they have no login, and show every workflow", s.name, s.addr)
		}
	}
	if host, _, err := net.SplitHostPort(c.ListenAddr); err == nil && !isLoopbackHost(host) {
		name := fmt.Sprintf("LISTEN_ADDR=%q", c.ListenAddr)
		if listenFromFlag {
			name = fmt.Sprintf("--listen %q", c.ListenAddr)
		}
		return fmt.Errorf("%s: dev listens on a loopback address only (127.0.0.1, ::1 or localhost): %s", name, devExposes)
	}
	if dialect, _, err := store.ParseURL(c.DatabaseURL); err != nil || dialect != store.SQLite {
		// Not the value: it may carry a password.
		scheme, _, _ := strings.Cut(c.DatabaseURL, ":")
		return fmt.Errorf("DATABASE_URL (%s:…): dev runs on SQLite only (sqlite:FILE, or unset for <data>/valghalla.db): %s", scheme, devExposes)
	}
	return nil
}

// listenFlagSet reports whether --listen was given on the command line.
func listenFlagSet(fs *flag.FlagSet) bool {
	set := false
	if fs != nil {
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "listen" })
	}
	return set
}

// isLoopbackHost reports whether host (no port, no brackets) is this machine
// only: localhost or an address in 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// https reports whether the site is served over https: BASE_URL says so.
// Cookies are Secure and the web app sends HSTS then.
func (c config) https() bool {
	u, err := url.Parse(c.BaseURL)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// checkBaseURL is the rule for the commands that put BASE_URL before people
// (web: cookies and pages; worker: links in messages; setup: the first
// administrator's link): an https URL. Plain http is accepted for a loopback
// host only, a local trial (docker compose up on one machine, tests): its
// traffic never leaves the machine and its links reach nobody else, and the
// web app then runs without Secure cookies and without HSTS (it warns).
func (c config) checkBaseURL() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case err == nil && u.Host != "" && u.User == nil && u.Scheme == "https":
		return nil
	case err == nil && u.Host != "" && u.User == nil && u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("BASE_URL=%q: must be the site's public https:// address, e.g. https://valg.kommune.dk "+
		"(sign-in cookies and the links in messages travel over it); plain http only to a loopback host "+
		"(127.0.0.1, ::1, localhost) for a local trial", c.BaseURL)
}

// warnOfLocalTrial says, at start-up, that an http BASE_URL (loopback,
// checkBaseURL) serves no one else.
func (c config) warnOfLocalTrial(log *slog.Logger) {
	if !c.https() {
		log.Warn("BASE_URL is plain http on a loopback host: a local trial only (links reach this machine only; "+
			"cookies are not Secure and no HSTS is sent); set BASE_URL to the site's https address in production", "base_url", c.BaseURL)
	}
}

// useEUCountryCodes puts the configured EU country codes in force; the
// commands that evaluate eligibility (dev, web, worker) call it once at
// start-up, before they serve.
func (c config) useEUCountryCodes() {
	models.SetExtraEUCountryCodes(c.ExtraEUCountryCodes)
}

func (c config) requireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set (e.g. postgres://valghalla@localhost:5432/valghalla)")
	}
	return nil
}

func (c config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func checkHostPort(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New("must be host:port")
	}
	return nil
}

// parseProxies reads TRUSTED_PROXIES: IPs or CIDRs, comma-separated.
func parseProxies(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %q is neither an IP address nor a CIDR", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseRetention accepts a Go duration ("4320h") or days ("180d").
func parseRetention(v string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(v, "d"); ok {
		d, err = time.ParseDuration(days + "h")
		d *= 24
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil {
		return 0, errors.New("must be a duration such as 4320h or 180d")
	}
	if d < 24*time.Hour {
		return 0, errors.New("must be at least one day")
	}
	return d, nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `valghalla — staffing Danish elections

Usage: valghalla <command> [flags]

Commands:
  dev             everything in one process on embedded defaults (Temporal, UI, SQLite, demo data)
  web             the web app (production; needs DATABASE_URL and TEMPORAL_ADDRESS)
  worker          the Temporal worker (production)
  migrate         bring the app database schema up to date
  temporal-setup  create the Temporal namespace and search attributes (idempotent)
  setup           on an empty database: the municipality and its first administrator; prints the administrator's one-time link
                  valghalla setup --municipality-name NAME --municipality-code 101…860 --cvr NNNNNNNN --admin-email E --admin-name N
  account-link    print a new one-time link for a login (the old ones die): valghalla account-link --email E
  selfcheck       a workflow through Temporal and a worker to the app database and back
  probe URL       exit 0 when URL answers 2xx (the container health check)
  keygen          print new encryption and blind-index keys
  quota           d'Hondt: valghalla quota --seats N [--seed S] NAME=SEATS ... (JSON)
  bench           measure: valghalla bench round|answers|memory [--people N] [--postgres URL] (bench/README.md)

Environment:
`)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(w, "  %-20s %-24s %s\n", s.env, def, s.help)
	}
	fmt.Fprintln(w, "\nFlags (dev, web): --data DIR, --listen HOST:PORT")
}
