package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/fakes/oidcfake"
	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

const mitidRedirect = "http://127.0.0.1:8080/mitid/retur"

// The redirect URI of MitID: a finished login goes to the handler of its
// purpose with the person's CPR number; a refused one gets the refusal
// page in the person's language; switched off, the route is not there.
func TestMitIDReturn(t *testing.T) {
	ctx := context.Background()
	person := oidcfake.Person{CPR: "0101704003", Name: "Carl Carlsen"}
	op, err := oidcfake.Start(oidcfake.Options{ClientID: "valghalla", ClientSecret: "s", RedirectURL: mitidRedirect,
		People: []oidcfake.Person{person}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.Close)
	client, err := oidc.New(oidc.Config{Issuer: op.Issuer, ClientID: "valghalla", ClientSecret: "s",
		RedirectURL: mitidRedirect, HTTPClient: op.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	clock := func() time.Time { return now }
	uses := usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Keys: keys, MitID: client,
		MitIDIssuer: op.Issuer, Now: clock, Log: quietLog()})
	var got []mitid.Result
	app := web.New(site.Deps{UseCases: uses, Now: clock, Log: quietLog(), MitIDPurposes: map[string]site.MitIDHandler{
		"test": func(c *gin.Context, r mitid.Result) {
			got = append(got, r)
			c.String(http.StatusOK, "velkommen")
		},
	}})
	// login presses the login button for purpose in b, logs in as cpr at
	// the provider, and returns the address the provider sends the
	// browser back to, as a path of the app.
	login := func(b *browser, purpose, cpr string) string {
		t.Helper()
		rec := b.do(http.MethodPost, "/mitid/log-ind", url.Values{"csrf_token": {b.csrf()}, "formaal": {purpose}})
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), op.Issuer+"/authorize?") {
			t.Fatalf("login button: %d %q", rec.Code, rec.Header().Get("Location"))
		}
		back, err := op.LogIn(rec.Header().Get("Location"), cpr)
		if err != nil {
			t.Fatal(err)
		}
		return back.RequestURI()
	}

	t.Run("a good login goes to its purpose's handler", func(t *testing.T) {
		b := newBrowser(t, app)
		back := login(b, "test", person.CPR)
		// Another browser with the same address is refused: the login is
		// bound to the browser that started it (login CSRF).
		rec := newBrowser(t, app).do(http.MethodGet, back, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "ikke startet i denne browser") || len(got) != 0 {
			t.Fatalf("another browser: %d %s", rec.Code, rec.Body)
		}
		rec = b.do(http.MethodGet, back, nil)
		if rec.Code != http.StatusOK || rec.Body.String() != "velkommen" {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if len(got) != 1 || got[0].CPR.Digits() != person.CPR || got[0].Purpose != "test" || len(got[0].Payload) != 0 {
			t.Fatalf("handler got %+v", got)
		}
		for _, h := range rec.Header().Values("Set-Cookie") {
			if strings.Contains(h, person.CPR) {
				t.Fatal("the CPR number reached a cookie")
			}
		}
		t.Run("and used again it is refused", func(t *testing.T) {
			u, _ := url.Parse(back)
			b.cookies["valghalla_mitid"] = &http.Cookie{Name: "valghalla_mitid", Value: u.Query().Get("state")}
			rec := b.do(http.MethodGet, back, nil)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "allerede brugt") || len(got) != 1 {
				t.Fatalf("replay: %d %s", rec.Code, rec.Body)
			}
		})
	})

	t.Run("a wrong state gets the refusal page, in Danish and in English", func(t *testing.T) {
		b := newBrowser(t, app)
		// The browser's cookie names the forged state too: the state
		// itself is refused.
		forged := &http.Cookie{Name: "valghalla_mitid", Value: "forfalsket"}
		b.cookies[forged.Name] = forged
		rec := b.do(http.MethodGet, "/mitid/retur?state=forfalsket&code=abc", nil)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest || !strings.Contains(body, `<html lang="da">`) ||
			!strings.Contains(body, "Login med MitID lykkedes ikke") || !strings.Contains(body, "Vi kender ikke dette login") ||
			!strings.Contains(body, "/static/dkfds/css/") {
			t.Fatalf("%d %s", rec.Code, body)
		}
		b.cookies[forged.Name] = forged
		rec = b.do(http.MethodGet, "/mitid/retur?state=forfalsket&code=abc&lang=en", nil)
		if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, `<html lang="en">`) ||
			!strings.Contains(body, "We do not know this login") {
			t.Fatalf("%d %s", rec.Code, body)
		}
	})

	t.Run("a login cancelled at the provider is refused", func(t *testing.T) {
		b := newBrowser(t, app)
		rec := b.do(http.MethodGet, login(b, "test", ""), nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "blev afbrudt") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})

	t.Run("a purpose without a handler is refused, never guessed at", func(t *testing.T) {
		b := newBrowser(t, app)
		if rec := b.do(http.MethodPost, "/mitid/log-ind", url.Values{"csrf_token": {b.csrf()}, "formaal": {"ukendt"}}); rec.Code != http.StatusNotFound {
			t.Fatalf("login button of an unknown purpose: %d", rec.Code)
		}
		// A login begun for a purpose this version does not know (a
		// rolling upgrade).
		to, err := uses.MitID.Begin(ctx, "ukendt", nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := op.LogIn(to, person.CPR)
		if err != nil {
			t.Fatal(err)
		}
		b.cookies["valghalla_mitid"] = &http.Cookie{Name: "valghalla_mitid", Value: back.Query().Get("state")}
		n := len(got)
		rec := b.do(http.MethodGet, back.RequestURI(), nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "kunne ikke bruges her") || len(got) != n {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})

	t.Run("the pages' forms may send the browser to the provider", func(t *testing.T) {
		rec := newBrowser(t, app).do(http.MethodGet, "/login", nil)
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+op.Issuer) {
			t.Fatalf("CSP %q", csp)
		}
	})

	t.Run("switched off, the route is not there", func(t *testing.T) {
		off := web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Keys: keys,
			Now: clock, Log: quietLog()}), Now: clock, Log: quietLog()})
		b := newBrowser(t, off)
		rec := b.do(http.MethodGet, "/mitid/retur?state=x&code=y", nil)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "MitID") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := b.do(http.MethodPost, "/mitid/log-ind", url.Values{"csrf_token": {b.csrf()}, "formaal": {"test"}}); rec.Code != http.StatusNotFound {
			t.Fatalf("login button when off: %d", rec.Code)
		}
		if csp := b.do(http.MethodGet, "/login", nil).Header().Get("Content-Security-Policy"); !strings.HasSuffix(csp, "form-action 'self'") {
			t.Fatalf("CSP %q", csp)
		}
	})
}
