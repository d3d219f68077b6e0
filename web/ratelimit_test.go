package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// The buckets of web/ratelimit.go, as the tests see them (the clock of
// the fixture stands still, so no token comes back during a test).
const (
	publicBurst = 120
	signInBurst = 30
)

// from sends a request as the client at addr, through the proxy at peer
// when peer is set.
func from(app http.Handler, method, target, addr, peer string, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.RemoteAddr = addr + ":4711"
	if peer != "" {
		req.RemoteAddr = peer + ":4711"
		req.Header.Set("X-Forwarded-For", addr)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	return rec
}

// Every public route is counted per client address: the burst is served,
// the next request is 429 with Retry-After, and another address is served.
func TestEveryPublicRouteIsRateLimitedPerClientAddress(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	n := 0
	for _, rt := range web.Routes() {
		if rt.Access != "public" || rt.Path == "/healthz" || rt.Path == "/readyz" || strings.HasPrefix(rt.Path, site.APIPrefix) {
			continue
		}
		n++
		path := strings.NewReplacer(":token", "ukendt-token", ":id", "1").Replace(rt.Path)
		burst := publicBurst
		if rt.Method == http.MethodPost && (strings.HasPrefix(rt.Path, "/login") || strings.HasPrefix(rt.Path, "/konto/aktiver/") ||
			strings.HasPrefix(rt.Path, "/minside/log-ind")) {
			burst = signInBurst
		}
		addr := fmt.Sprintf("198.51.100.%d", n)
		// Without a CSRF token a POST is refused cheaply; it still counts.
		for i := 0; i < burst; i++ {
			if rec := from(f.app, rt.Method, path, addr, "", url.Values{}); rec.Code == http.StatusTooManyRequests {
				t.Fatalf("%s %s: request %d of a burst of %d refused", rt.Method, rt.Path, i+1, burst)
			}
		}
		rec := from(f.app, rt.Method, path, addr, "", url.Values{})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s: request %d = %d (Retry-After %q), want 429 with Retry-After", rt.Method, rt.Path, burst+1, rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := from(f.app, rt.Method, path, "203.0.113.200", "", url.Values{}); rec.Code == http.StatusTooManyRequests {
			t.Errorf("%s %s: another address refused too", rt.Method, rt.Path)
		}
	}
	if n < 8 {
		t.Fatalf("only %d public routes walked", n)
	}
}

// Wrong passwords for many accounts from one address: the per-account
// throttle never trips (each account fails once), the address's bucket
// does, and a forged X-Forwarded-For does not get a fresh one.
func TestLoginsFromOneAddressAreLimitedAndForwardedForIsNotBelieved(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	b := newBrowser(t, f.app)
	csrf := b.csrf() // one public GET
	login := func(i int, addr, peer string) int {
		form := url.Values{"email": {fmt.Sprintf("gaet%d@example.org", i)}, "password": {"forkert adgangskode"}, "csrf_token": {csrf}}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range b.cookies {
			req.AddCookie(c)
		}
		req.RemoteAddr = addr + ":4711"
		if peer != "" {
			req.Header.Set("X-Forwarded-For", peer)
		}
		rec := httptest.NewRecorder()
		f.app.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := 0; i < signInBurst; i++ {
		if code := login(i, "192.0.2.50", ""); code != http.StatusUnauthorized {
			t.Fatalf("login %d: %d, want 401", i+1, code)
		}
	}
	if code := login(99, "192.0.2.50", ""); code != http.StatusTooManyRequests {
		t.Fatalf("login %d from the same address: %d, want 429", signInBurst+1, code)
	}
	if code := login(100, "192.0.2.50", "203.0.113.9"); code != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For got a fresh bucket: %d", code)
	}
	// A logged-in user is not counted: the secretary reads many pages.
	secretary := f.loggedIn(t, models.RolePartySecretary)
	for i := 0; i < publicBurst+10; i++ {
		if rec := secretary.do(http.MethodGet, "/", nil); rec.Code != http.StatusOK {
			t.Fatalf("logged-in request %d: %d", i+1, rec.Code)
		}
	}
}

// Behind a proxy the app trusts, each client behind it has its own bucket.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	db := storetest.SQLite(t)
	app := web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Now: func() time.Time { return now }, Log: quietLog()}),
		Now: func() time.Time { return now }, Log: quietLog(), TrustedProxies: []string{"10.0.0.0/8"}})
	for i := 0; i < publicBurst; i++ {
		if rec := from(app, http.MethodGet, "/svar/ukendt", "192.0.2.7", "10.1.2.3", nil); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("request %d refused", i+1)
		}
	}
	if rec := from(app, http.MethodGet, "/svar/ukendt", "192.0.2.7", "10.1.2.3", nil); rec.Code != http.StatusTooManyRequests {
		t.Errorf("client behind the proxy past its burst: %d, want 429", rec.Code)
	}
	if rec := from(app, http.MethodGet, "/svar/ukendt", "192.0.2.8", "10.1.2.3", nil); rec.Code == http.StatusTooManyRequests {
		t.Error("another client behind the same proxy shares the first one's bucket")
	}
}
