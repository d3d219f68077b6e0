package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

func TestConfigDefaultsAndEnvironment(t *testing.T) {
	c, err := loadConfig(func(string) string { return "" }, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalAddress != "127.0.0.1:7233" || c.TemporalNamespace != "valghalla" || c.ListenAddr != "127.0.0.1:8080" ||
		c.Retention != 180*24*time.Hour || c.LogFormat != "json" || c.LogLevel != slog.LevelInfo || c.DatabaseURL != "" {
		t.Errorf("defaults: %+v", c)
	}
	env := map[string]string{"TEMPORAL_RETENTION": "30d", "LOG_LEVEL": "debug", "BASE_URL": "https://valg.example/"}
	c, err = loadConfig(func(k string) string { return env[k] }, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention != 30*24*time.Hour || c.LogLevel != slog.LevelDebug || c.BaseURL != "https://valg.example" ||
		c.LogFormat != "text" || !strings.HasSuffix(c.DatabaseURL, "/data/valghalla.db") {
		t.Errorf("from environment, dev: %+v", c)
	}
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LOG_LEVEL": "loud"}, []string{"migrate"}, `LOG_LEVEL="loud"`},
		{map[string]string{"TEMPORAL_RETENTION": "2h"}, []string{"migrate"}, "at least one day"},
		{map[string]string{"LISTEN_ADDR": "8080"}, []string{"web"}, "must be host:port"},
		{map[string]string{"METRICS_ADDR": "9090"}, []string{"worker"}, `METRICS_ADDR="9090": must be host:port`},
		{map[string]string{"LOG_FORMAT": "xml"}, []string{"web"}, "json or text"},
		{nil, []string{"dev", "--listen", "nowhere"}, "--listen"},
		{nil, []string{"dev", "extra"}, `unexpected argument "extra"`},
		{nil, []string{"fly"}, `unknown command "fly"`},
		{nil, nil, "Usage: valghalla"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want %d and %q", c.env, c.args, code, stderr.String(), exitUsage, c.want)
		}
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"help"}, func(string) string { return "" }, &stdout, &stdout); code != 0 {
		t.Fatal(code)
	}
	for _, s := range settings {
		if !strings.Contains(stdout.String(), s.env) {
			t.Errorf("help does not list %s", s.env)
		}
	}
}

// During a rolling update the new release migrates while old processes run:
// an old web or worker accepts a newer schema, an old migrate refuses it.
func TestOldBinaryAndNewerSchema(t *testing.T) {
	ctx := context.Background()
	cfg := config{DatabaseURL: "sqlite:" + t.TempDir() + "/v.db", EncryptionKeys: testKeys.enc, BlindIndexKey: testKeys.blind}
	log := slog.New(slog.DiscardHandler)
	if err := migrateDatabase(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', ?)",
		store.LatestVersion()+1, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	store.Close(db)
	if db, err := openDatabase(ctx, cfg, log); err != nil {
		t.Errorf("an old web/worker refused a newer schema: %v", err)
	} else {
		store.Close(db)
	}
	if err := runMigrate(ctx, cfg, log, io.Discard); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("an old migrate on a newer schema: %v", err)
	}
}

// The README's configuration table is the operators' reference: it must
// name every setting the binary reads.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(readme), "`"+s.env+"`") {
			t.Errorf("README.md's configuration table lacks %s", s.env)
		}
	}
}

func TestKeygenPrintsAUsableKeyring(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"keygen"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatal(code, stderr.String())
	}
	env := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	c, err := loadConfig(func(k string) string { return env[k] }, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.keyring(); err != nil {
		t.Fatalf("keygen output does not parse: %v", err)
	}
}

func TestQuotaCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), strings.Fields("quota --seats 40 A=11 V=8 F=4 Ø=3 C=3 O=2"), func(string) string { return "" }, &stdout, &stderr)
	want := `{"allocation":[{"name":"A","seats":15},{"name":"V","seats":10},{"name":"F","seats":5},{"name":"Ø","seats":4},{"name":"C","seats":4},{"name":"O","seats":2}],"lots":[]}`
	if code != 0 || strings.TrimSpace(stdout.String()) != want {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	// A tie decided by lot is recorded and the same seed gives the same winner.
	out := func(seed string) string {
		var o bytes.Buffer
		run(context.Background(), strings.Fields("quota --seats 1 --seed "+seed+" A=2 B=2"), func(string) string { return "" }, &o, &o)
		return o.String()
	}
	if a, b := out("7"), out("7"); a != b || !strings.Contains(a, `"lots":[{"among":["A","B"],"winners":[`) {
		t.Fatalf("lot: %s / %s", a, b)
	}
	for _, bad := range []string{"quota A=1", "quota --seats 3", "quota --seats 3 A", "quota --seats 3 A=x", "quota --seats 3 A=1 A=2"} {
		stderr.Reset()
		if code := run(context.Background(), strings.Fields(bad), func(string) string { return "" }, &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", bad, code, stderr.String())
		}
	}
}

// CPR_EU_COUNTRY_CODES: read at start-up, bad values refused with what is
// wrong; a correction, the built-in table having every member state.
func TestEUCountryCodesSetting(t *testing.T) {
	t.Cleanup(func() { models.SetExtraEUCountryCodes(models.ExtraEUCountryCodes{}) })
	for _, c := range []struct{ value, want string }{
		{"519", `CPR_EU_COUNTRY_CODES="519": "519" is not a CPR country code: each must be exactly 4 digits`},
		{"5198,51x9", `"51x9" is not a CPR country code`},
		{"5198 5199", `"5198 5199" is not a CPR country code`},
		{"5100", "5100 is Danmark in the built-in table, not another EU member state"},
		{"5198,5110", "5110 is Norge in the built-in table, not another EU member state"},
	} {
		for _, cmd := range []string{"web", "worker", "dev"} {
			var stdout, stderr bytes.Buffer
			env := map[string]string{"CPR_EU_COUNTRY_CODES": c.value}
			code := run(context.Background(), []string{cmd}, func(k string) string { return env[k] }, &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("%s with %q: exit %d, stderr %q; want %d and %q", cmd, c.value, code, stderr.String(), exitUsage, c.want)
			}
		}
	}

	// The codes are in force once used: a citizen with a configured code is
	// another EU citizen (eligible at EP), with the built-in table only not.
	cpr, err := models.ParseCPR("0101801234")
	if err != nil {
		t.Fatal(err)
	}
	person := models.PersonFacts{CPR: cpr, Status: "01", Citizenship: "0003", MunicipalityCode: "0607"}
	day := models.NewDate(2029, time.June, 7)
	for _, c := range []struct {
		value string
		want  int // reasons at EP
	}{{"0003", 0}, {"", 1}} {
		cfg, err := loadConfig(func(k string) string { return map[string]string{"CPR_EU_COUNTRY_CODES": c.value}[k] }, nil, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		cfg.useEUCountryCodes()
		if got := models.CheckEligibility(models.EuropaParlamentsvalg, day, "0607", person, true); len(got) != c.want {
			t.Errorf("%q at EP: %v", c.value, got)
		}
	}
}

// Outside dev, the commands that put BASE_URL before people (web: cookies and
// pages; worker: links in messages; setup: the administrator's link) refuse
// a plain-http BASE_URL unless its host is loopback (a local trial); the
// commands that never read it (migrate) do not care.
func TestBaseURLMustBeHTTPS(t *testing.T) {
	runWith := func(baseURL string, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		env := map[string]string{"BASE_URL": baseURL}
		code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
		return code, stderr.String()
	}
	commands := [][]string{{"web"}, {"worker"}, setupArgs(nil)}
	for _, bad := range []string{
		"http://example.dk", "http://valg.kommune.dk:8080/", "valg.kommune.dk", "https://", "ftp://valg.kommune.dk",
		"http://0.0.0.0:8080", "http://192.168.1.20:8080", "http://[::]:8080", "http://localhost.evil.example",
		"http://127.0.0.1@evil.example", "https://user:pw@valg.kommune.dk",
	} {
		for _, args := range commands {
			code, stderr := runWith(bad, args...)
			want := fmt.Sprintf("valghalla %s: BASE_URL=%q: must be the site's public https:// address", args[0], strings.TrimRight(bad, "/"))
			if code != exitUsage || !strings.Contains(stderr, want) {
				t.Errorf("%s with BASE_URL %q: exit %d, stderr %q; want %d and %q", args[0], bad, code, stderr, exitUsage, want)
			}
		}
	}
	// Accepted: the command goes on and stops at the missing database.
	for _, c := range []struct {
		baseURL    string
		localTrial bool
	}{
		{"https://valg.kommune.dk", false},
		{"https://valg.kommune.dk:8443/", false},
		{"http://127.0.0.1:8080", true},
		{"http://127.1.2.3", true},
		{"http://localhost:8080/", true},
		{"http://[::1]:8080", true},
		{"", true}, // the default, http://127.0.0.1:8080
	} {
		for _, args := range commands {
			code, stderr := runWith(c.baseURL, args...)
			if code != exitFailure || !strings.Contains(stderr, "DATABASE_URL is not set") || strings.Contains(stderr, "BASE_URL=") {
				t.Errorf("%s with BASE_URL %q: exit %d, stderr %q; want %d and no database", args[0], c.baseURL, code, stderr, exitFailure)
			}
			warned := strings.Contains(stderr, "a local trial only")
			if args[0] != "setup" && warned != c.localTrial {
				t.Errorf("%s with BASE_URL %q: warned of a local trial %v, want %v: %s", args[0], c.baseURL, warned, c.localTrial, stderr)
			}
		}
	}
	if code, stderr := runWith("http://example.dk", "migrate"); code != exitFailure || strings.Contains(stderr, "BASE_URL=") {
		t.Errorf("migrate (reads no BASE_URL) with http://example.dk: exit %d, %s", code, stderr)
	}
	// The web app's Secure cookies and HSTS follow the same reading.
	for u, want := range map[string]bool{"https://valg.kommune.dk": true, "HTTPS://valg.kommune.dk": true, "http://127.0.0.1:8080": false, "https://": false} {
		if got := (config{BaseURL: u}).https(); got != want {
			t.Errorf("https() of %q = %v, want %v", u, got, want)
		}
	}
}

// dev's mailbox shows every link it sends and its demo login is public: it
// refuses to listen beyond this machine and to run on a database other than
// its own SQLite file, before it creates or binds anything.
func TestDevRefusesExposure(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LISTEN_ADDR": "0.0.0.0:8080"}, nil, `LISTEN_ADDR="0.0.0.0:8080": dev listens on a loopback address only`},
		{map[string]string{"LISTEN_ADDR": ":8080"}, nil, `LISTEN_ADDR=":8080": dev listens on a loopback address only`},
		{map[string]string{"LISTEN_ADDR": "[::]:8080"}, nil, `LISTEN_ADDR="[::]:8080"`},
		{map[string]string{"LISTEN_ADDR": "192.168.1.20:8080"}, nil, `LISTEN_ADDR="192.168.1.20:8080"`},
		{map[string]string{"LISTEN_ADDR": "valg.kommune.dk:8080"}, nil, `LISTEN_ADDR="valg.kommune.dk:8080"`},
		{nil, []string{"--listen", "0.0.0.0:8080"}, `--listen "0.0.0.0:8080": dev listens on a loopback address only`},
		{map[string]string{"LISTEN_ADDR": "0.0.0.0:8080"}, []string{"--listen", "0.0.0.0:9090"}, `--listen "0.0.0.0:9090"`},
		{map[string]string{"DATABASE_URL": "postgres://valghalla:s3cret@db.kommune.dk:5432/valghalla"}, nil,
			"DATABASE_URL (postgres:…): dev runs on SQLite only"},
		{map[string]string{"DATABASE_URL": "postgresql://valghalla:s3cret@localhost/valghalla"}, nil,
			"DATABASE_URL (postgresql:…): dev runs on SQLite only"},
		{map[string]string{"DATABASE_URL": "mysql://valghalla:s3cret@localhost/valghalla"}, nil, "DATABASE_URL (mysql:…): dev runs on SQLite only"},
		{map[string]string{"TEMPORAL_ADDRESS": "0.0.0.0:7233"}, nil, `TEMPORAL_ADDRESS="0.0.0.0:7233": dev serves its embedded Temporal server`},
		{map[string]string{"TEMPORAL_UI_ADDR": ":8233"}, nil, `TEMPORAL_UI_ADDR=":8233": dev serves its embedded Temporal server and Web UI on a loopback address only`},
	} {
		data := filepath.Join(t.TempDir(), "data")
		env := map[string]string{"VALGHALLA_DATA_DIR": data}
		for k, v := range c.env {
			env[k] = v
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"dev"}, c.args...), func(k string) string { return env[k] }, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), "valghalla dev: "+c.want) ||
			!strings.Contains(stderr.String(), "/dev/postkasse") && !strings.Contains(stderr.String(), "have no login") ||
			strings.Contains(stderr.String(), "s3cret") {
			t.Errorf("dev %v %v: exit %d, stderr %q; want %d and %q", c.env, c.args, code, stderr.String(), exitUsage, c.want)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("dev %v %v: created its data folder before refusing", c.env, c.args)
		}
	}
	// Loopback addresses, SQLite files and a BASE_URL dev does not read pass.
	for _, c := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, nil},
		{map[string]string{"LISTEN_ADDR": "localhost:8080"}, nil},
		{map[string]string{"LISTEN_ADDR": "127.0.0.2:0"}, nil},
		{map[string]string{"LISTEN_ADDR": "0.0.0.0:8080"}, []string{"--listen", "[::1]:8080"}},
		{map[string]string{"TEMPORAL_ADDRESS": "localhost:7233", "TEMPORAL_UI_ADDR": "[::1]:8233"}, nil},
		{map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "v.db")}, nil},
		{map[string]string{"BASE_URL": "http://example.dk"}, nil},
	} {
		fs := flag.NewFlagSet("valghalla dev", flag.ContinueOnError)
		if _, err := loadConfig(func(k string) string { return c.env[k] }, fs, c.args, true); err != nil {
			t.Errorf("dev %v %v: %v", c.env, c.args, err)
		}
	}
}

// DIGITALPOST_MEMO_VERSION is 1.2 unless set to 1.1; anything else is
// refused at start-up.
func TestDigitalPostMeMoVersionConfig(t *testing.T) {
	for env, want := range map[string]string{"": "1.2", "1.1": "1.1", "1.2": "1.2", "1.3": "", "1": ""} {
		c, err := loadConfig(func(k string) string {
			if k == "DIGITALPOST_MEMO_VERSION" {
				return env
			}
			return ""
		}, nil, nil, false)
		switch {
		case want == "" && (err == nil || !strings.Contains(err.Error(), "DIGITALPOST_MEMO_VERSION")):
			t.Errorf("%q: error %v", env, err)
		case want != "" && (err != nil || c.DigitalPostMeMoVersion != want):
			t.Errorf("%q: %q, %v; want %q", env, c.DigitalPostMeMoVersion, err, want)
		}
	}
}
