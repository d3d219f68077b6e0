package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// temporalHealth stands in for the Temporal client in these handler tests;
// the real client against a real server is exercised by the dev test.
type temporalHealth struct {
	client.Client
	err error
}

func (t temporalHealth) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, t.err
}

var now = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func newApp(t testing.TB, db *gorm.DB, temporalErr error, logs *bytes.Buffer) http.Handler {
	t.Helper()
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	return web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{err: temporalErr}, Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: func() time.Time { return now }}), Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: func() time.Time { return now }})
}

func get(t testing.TB, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthzAndReadyz(t *testing.T) {
	db := storetest.SQLite(t)
	if rec := get(t, newApp(t, db, nil, nil), "/healthz"); rec.Code != 200 {
		t.Fatalf("/healthz = %d", rec.Code)
	}
	rec := get(t, newApp(t, db, nil, nil), "/readyz")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"temporal":"ok"`) {
		t.Fatalf("/readyz with everything up = %d %s", rec.Code, rec.Body)
	}

	rec = get(t, newApp(t, db, errors.New("connection refused"), nil), "/readyz")
	var body map[string]string
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || body["temporal"] != "unavailable" || body["database"] != "ok" {
		t.Fatalf("/readyz with Temporal down = %d %v", rec.Code, body)
	}

	store.Close(db)
	rec = get(t, newApp(t, db, nil, nil), "/readyz")
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || body["database"] != "unavailable" {
		t.Fatalf("/readyz with the database closed = %d %v", rec.Code, body)
	}
	// Liveness does not depend on the database.
	if rec := get(t, newApp(t, db, nil, nil), "/healthz"); rec.Code != 200 {
		t.Fatalf("/healthz with the database closed = %d", rec.Code)
	}
}

func TestHomeShowsTheMunicipalityInDanishAndEnglish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
			t.Fatal(err)
		}
		app := newApp(t, db, nil, nil)
		rec := get(t, app, "/")
		body := rec.Body.String()
		for _, want := range []string{`<html lang="da">`, "Sønderå Kommune", "Folketingsvalg 2027",
			"tirsdag den 19. januar 2027", "57 dage til valgdagen", "Åbyskolen", "Torvet 1, 9990 Sønderå", "Afstemningsområde"} {
			if !strings.Contains(body, want) {
				t.Errorf("Danish start page lacks %q", want)
			}
		}
		// Polling stations in district order.
		if strings.Index(body, "Sønderå Rådhus") > strings.Index(body, "Havnens Pakhus") {
			t.Error("stations are not in district order")
		}

		rec = get(t, app, "/?lang=en")
		if body := rec.Body.String(); !strings.Contains(body, "Tuesday 19 January 2027") || !strings.Contains(body, `<html lang="en">`) {
			t.Errorf("English page: %s", body)
		}
		var cookie string
		for _, c := range rec.Result().Cookies() {
			if c.Name == "lang" {
				cookie = c.Value
			}
		}
		if cookie != "en" {
			t.Errorf("language choice not remembered: cookie %q", cookie)
		}
		if body := get(t, app, "/", "Cookie", "lang=en").Body.String(); !strings.Contains(body, "Polling stations") {
			t.Error("lang cookie ignored")
		}
		if body := get(t, app, "/", "Accept-Language", "en-GB,en;q=0.9").Body.String(); !strings.Contains(body, "Valgsteder") {
			t.Error("an English-language browser without a choice did not get Danish")
		}
		if body := get(t, app, "/?lang=da", "Cookie", "lang=en").Body.String(); !strings.Contains(body, "Valgsteder") {
			t.Error("choosing Danish over an English cookie did not give Danish")
		}
	})
}

func TestEmptyDatabaseAndUnknownPages(t *testing.T) {
	app := newApp(t, storetest.SQLite(t), nil, nil)
	if rec := get(t, app, "/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Ingen kommune er sat op endnu") {
		t.Errorf("empty database: %d %s", rec.Code, rec.Body)
	}
	rec := get(t, app, "/findes/ikke")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "Siden findes ikke") {
		t.Errorf("unknown page: %d %s", rec.Code, rec.Body)
	}
}

func TestSecurityHeadersAndLogsWithoutPathOrQuery(t *testing.T) {
	var logs bytes.Buffer
	app := newApp(t, storetest.SQLite(t), nil, &logs)
	rec := get(t, app, "/svar/hemmelig-token-123?cpr=0101011234")
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
	} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("no Content-Security-Policy")
	}
	if strings.Contains(logs.String(), "hemmelig") || strings.Contains(logs.String(), "0101011234") {
		t.Errorf("the log carries the path or query: %s", logs.String())
	}
	if !strings.Contains(logs.String(), `"status":404`) {
		t.Errorf("the request was not logged: %s", logs.String())
	}
}

// Served over https, every answer (pages, API, static files, health checks,
// refusals) carries HSTS; over http (dev) none does: a browser would ignore
// it there, and dev must stay reachable without TLS.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	const want = "max-age=31536000; includeSubDomains"
	for _, secure := range []bool{true, false} {
		f := newFixture(t, storetest.SQLite(t), secure)
		for _, path := range []string{"/", "/login", "/healthz", "/static/valghalla.css", "/findes/ikke", "/api/v1/findes-ikke", "/svar/ukendt-token"} {
			rec := get(t, f.app, path)
			got, sent := rec.Header().Get("Strict-Transport-Security"), rec.Header().Values("Strict-Transport-Security") != nil
			if secure && got != want {
				t.Errorf("https: %s (%d): Strict-Transport-Security = %q, want %q", path, rec.Code, got, want)
			}
			if !secure && sent {
				t.Errorf("http: %s (%d): Strict-Transport-Security = %q, want none", path, rec.Code, got)
			}
		}
	}
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Every message key a template or handler names exists in both languages:
// a missing one would show its key to the user.
func TestEveryMessageKeyIsTranslated(t *testing.T) {
	keys := map[string]bool{}
	re := regexp.MustCompile(`call \$?\.T "([a-z0-9_.]+)"|"((?:login|auth|csrf|account|users|notfound|empty|role)\.[a-z_.]+)"`)
	for _, dir := range []string{"ui/templates/*/*.html", "*.go", "ui/*.go", "api/*.go", "site/*.go"} {
		files, _ := filepath.Glob(dir)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if key := m[1] + m[2]; !strings.HasSuffix(key, ".html") {
					keys[key] = true
				}
			}
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: the pattern is broken", len(keys))
	}
	for _, role := range []string{"admin", "staff", "read_only", "party_secretary"} {
		keys["role."+role] = true
	}
	for key := range keys {
		for _, l := range []string{"da", "en"} {
			if !web.HasMessage(l, key) {
				t.Errorf("message %q has no %s text", key, l)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
