package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/metrics/metricstest"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// The HTTP series count requests by the route's pattern, never the path:
// an answer link's token, a 404's made-up path and a client's made-up
// method reach no label.
func TestHTTPSeriesUseRoutePatterns(t *testing.T) {
	db := storetest.SQLite(t)
	m := metrics.New()
	log := slog.New(slog.DiscardHandler)
	app := web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Log: log, Now: func() time.Time { return now }}),
		Log: log, Now: func() time.Time { return now }, Metrics: m})
	const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/healthz"},
		{http.MethodGet, "/healthz"},
		{http.MethodGet, "/svar/" + token},
		{http.MethodGet, "/svar/" + token + "?lang=en"},
		{http.MethodGet, "/no/such/page/person@example.dk"},
		{"BREW", "/healthz"},
	} {
		app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.path, nil))
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	f := metricstest.Scrape(t, srv.URL)

	if got := f.Value(metrics.HTTPRequests, map[string]string{"route": "/healthz", "method": "GET", "status": "200"}); got != 2 {
		t.Errorf("/healthz 200: %v, want 2", got)
	}
	if got := f.Value(metrics.HTTPRequests, map[string]string{"route": "/svar/:token", "method": "GET"}); got != 2 {
		t.Errorf("/svar/:token: %v, want 2", got)
	}
	if got := f.Value(metrics.HTTPRequests, map[string]string{"route": metrics.Unmatched, "status": "404"}); got < 1 {
		t.Errorf("unmatched 404s: %v, want at least 1", got)
	}
	if got := f.Value(metrics.HTTPRequests, map[string]string{"method": "other"}); got != 1 {
		t.Errorf("the made-up method: %v, want 1 as method=other", got)
	}
	if got := f.Value(metrics.HTTPRequestDuration, map[string]string{"route": "/svar/:token"}); got != 2 {
		t.Errorf("durations of /svar/:token: %v, want 2", got)
	}
	routes := f.LabelValues(metrics.HTTPRequests, "route")
	for _, r := range routes {
		if strings.Contains(r, token) || strings.Contains(r, "no/such") || strings.Contains(r, "?") {
			t.Errorf("a route label carries the request's path: %q", r)
		}
		if r != metrics.Unmatched && !slices.ContainsFunc(web.Routes(), func(rt web.Route) bool { return rt.Path == r }) {
			t.Errorf("route label %q is no route's pattern", r)
		}
	}
	if bad := f.PersonalLabels(); len(bad) > 0 {
		t.Errorf("label values that look like personal data: %v", bad)
	}
}
