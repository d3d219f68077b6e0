package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/oidcfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// startMitID starts a fake provider with people and returns the client of
// it and its issuer, for usecases.Config.
func startMitID(t *testing.T, people ...oidcfake.Person) (*oidc.Client, *oidcfake.Provider) {
	t.Helper()
	op, err := oidcfake.Start(oidcfake.Options{ClientID: "valghalla", ClientSecret: "s", RedirectURL: mitidRedirect, People: people})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.Close)
	client, err := oidc.New(oidc.Config{Issuer: op.Issuer, ClientID: "valghalla", ClientSecret: "s",
		RedirectURL: mitidRedirect, HTTPClient: op.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return client, op
}

// followMitID takes the browser from a redirect to the provider through
// its login as cpr and back to the app's redirect URI.
func followMitID(t *testing.T, b *browser, op *oidcfake.Provider, rec *httptest.ResponseRecorder, cpr string) *httptest.ResponseRecorder {
	t.Helper()
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), op.Issuer+"/authorize?") {
		t.Fatalf("not sent to MitID: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	back, err := op.LogIn(rec.Header().Get("Location"), cpr)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(http.MethodGet, back.RequestURI(), nil)
}

// Min side by MitID: the person the token names gets a volunteer session;
// a person Valghalla does not hold gets the neutral refusal, no session;
// with MitID off the login page offers no MitID button.
func TestMinSideByMitID(t *testing.T) {
	f := newMinSideFixture(t, storetest.SQLite(t))
	if strings.Contains(newBrowser(t, f.app).do(http.MethodGet, "/minside/log-ind", nil).Body.String(), "MitID") {
		t.Error("MitID offered while it is off")
	}
	client, op := startMitID(t, oidcfake.Person{CPR: "0101701234", Name: "Ida Østergård"},
		oidcfake.Person{CPR: "0303703456", Name: "Ukendt"})
	uses := usecases.New(usecases.Config{DB: f.db, Temporal: f.temporal, Keys: f.keys, MitID: client, MitIDIssuer: op.Issuer,
		Now: f.clock, Log: quietLog()})
	app := web.New(site.Deps{UseCases: uses, Now: f.clock, Log: quietLog()})

	login := func(cpr string) (*browser, *httptest.ResponseRecorder) {
		b := newBrowser(t, app)
		page := b.do(http.MethodGet, "/minside/log-ind", nil).Body.String()
		if !strings.Contains(page, `name="formaal" value="minside"`) || !strings.Contains(page, "Log ind med MitID") {
			t.Fatalf("no MitID button: %s", page)
		}
		rec := b.do(http.MethodPost, "/mitid/log-ind", url.Values{"csrf_token": {b.csrf()}, "formaal": {"minside"}})
		return b, followMitID(t, b, op, rec, cpr)
	}
	b, rec := login("0101701234")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/minside" {
		t.Fatalf("back from MitID: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if page := b.do(http.MethodGet, "/minside", nil); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "Ida Østergård") {
		t.Fatalf("Min side after MitID: %d", page.Code)
	}
	for _, h := range rec.Header().Values("Set-Cookie") {
		if strings.Contains(h, "0101701234") {
			t.Fatal("the CPR number reached a cookie")
		}
	}

	var before int64
	f.db.Model(&models.VolunteerSession{}).Count(&before)
	_, rec = login("0303703456")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Vi kunne ikke finde dig") || strings.Contains(rec.Body.String(), "0303703456") {
		t.Fatalf("nobody: %d %s", rec.Code, rec.Body)
	}
	var after int64
	f.db.Model(&models.VolunteerSession{}).Count(&after)
	if after != before {
		t.Errorf("a session for nobody: %d → %d", before, after)
	}
}

// A sign-up by MitID: the contact data go with the login, the CPR number
// comes from the ID token (a typed one is ignored), and the outcome is the
// typed path's — on the list, a second time the same person, not
// eligible one sentence.
func TestSignupByMitID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSignupFixture(t, db)
		_, token := f.makeLink(t, f.users[models.RoleStaff], "Medarbejdere", f.pool.ID, 50)
		if strings.Contains(newBrowser(t, f.app).do(http.MethodGet, "/tilmeld/"+token, nil).Body.String(), "MitID") {
			t.Error("MitID offered while it is off")
		}
		client, op := startMitID(t, oidcfake.Person{CPR: "0101704001", Name: "Søren"}, oidcfake.Person{CPR: "0101704012", Name: "Udrejst"})
		keys := storetest.WithKeys(t, db)
		_, register := fakeRegister(t)
		clock := func() time.Time { return now }
		app := web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: f.started, CPR: register, Keys: keys,
			MitID: client, MitIDIssuer: op.Issuer, Now: clock, Log: quietLog()}), Now: clock, Log: quietLog()})

		signUp := func(cpr string, form url.Values) string {
			t.Helper()
			b := newBrowser(t, app)
			page := b.do(http.MethodGet, "/tilmeld/"+token, nil).Body.String()
			if !strings.Contains(page, `formaction="/tilmeld/`+token+`/mitid"`) {
				t.Fatalf("no MitID button: %s", page)
			}
			form.Set("csrf_token", b.csrf())
			rec := followMitID(t, b, op, b.do(http.MethodPost, "/tilmeld/"+token+"/mitid", form), cpr)
			body := rec.Body.String()
			if strings.Contains(body, cpr) || strings.Contains(body, cpr[:6]+"-"+cpr[6:]) {
				t.Errorf("the page shows the CPR number")
			}
			return body
		}
		// A typed CPR number is ignored: the token's is the one.
		page := signUp("0101704001", url.Values{"cpr": {"0101704012"}, "mobile": {"20304050"}, "consent": {"1"}})
		if !strings.Contains(page, "Tak for din tilmelding") || !strings.Contains(page, "Du står nu på listen: Medarbejdere") {
			t.Fatalf("sign-up by MitID: %s", page)
		}
		page = signUp("0101704001", url.Values{"email": {"s@example.dk"}, "consent": {"1"}})
		if !strings.Contains(page, "Du står kun én gang på listen") {
			t.Fatalf("the second time: %s", page)
		}
		page = signUp("0101704012", url.Values{"email": {"u@example.dk"}, "consent": {"1"}})
		if !strings.Contains(page, "Vi kan desværre ikke tage imod din tilmelding") {
			t.Fatalf("not eligible: %s", page)
		}
		// Without consent: refused at its field, the form again, nothing kept.
		page = signUp("0101704001", url.Values{"email": {"x@example.dk"}})
		if !strings.Contains(page, `id="consent-error"`) {
			t.Fatalf("no consent: %s", page)
		}
		var n int64
		db.Model(&models.Signup{}).Count(&n)
		if n != 1 {
			t.Errorf("%d sign-ups, want 1", n)
		}
		var p models.Participant
		if err := db.First(&p).Error; err != nil || p.Name == "" {
			t.Fatalf("the person: %+v %v", p, err)
		}
	})
}
