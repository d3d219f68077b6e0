package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// signupFixture is the web fixture with the real SF1520 client against the
// fake register, keys and a recording Temporal client.
type signupFixture struct {
	*fixture
	started  *startedWorkflows
	election models.Election
	partyA   models.Party
	partyV   models.Party
	pool     models.Party
}

func newSignupFixture(t *testing.T, db *gorm.DB) *signupFixture {
	t.Helper()
	f := &signupFixture{fixture: newFixture(t, db, false), started: &startedWorkflows{}}
	keys := storetest.WithKeys(t, db)
	_, client := fakeRegister(t)
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: f.started, CPR: client, Keys: keys,
		Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog(),
		PublicURL: "https://valg.sondera.example"})
	db.First(&f.election)
	db.Where("letter = ?", "A").First(&f.partyA)
	db.Where("letter = ?", "V").First(&f.partyV)
	db.Where("name = ?", "Medarbejdere").First(&f.pool)
	return f
}

// makeLink makes a link through the store as actor and returns its token.
func (f *signupFixture) makeLink(t *testing.T, actor models.User, name string, partyID int64, max int) (models.SignupLink, string) {
	t.Helper()
	l, token, err := store.CreateSignupLink(context.Background(), f.db, actor, models.NewSignupLink{Name: name,
		ElectionID: f.election.ID, PartyID: partyID, EndsOn: models.DateOf(now).AddDays(14), MaxSignups: max}, now)
	if err != nil {
		t.Fatal(err)
	}
	return l, token
}

func (f *signupFixture) rows(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"participants", "party_memberships", "signups", "audit_log", "signup_links", "sessions"} {
		var n int64
		if err := f.db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func sameRows(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSignupPublicPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSignupFixture(t, db)
		staff := f.users[models.RoleStaff]
		_, token := f.makeLink(t, staff, "Medarbejdere", f.pool.ID, 50)

		// The page: Det Fælles Designsystem, Danish with English, the
		// default consent text with the election's retention; nothing
		// written on GET.
		before := f.rows(t)
		b := newBrowser(t, f.app)
		rec := b.do(http.MethodGet, "/tilmeld/"+token, nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("GET: %d %s", rec.Code, body)
		}
		for _, want := range []string{`<html lang="da">`, "dkfds-borgerdk.min.css", `name="viewport"`, "Medarbejdere",
			"Hvad vi gemmer om dig, og hvorfor", "krypteret", "90 dage efter valget", "folketingsvalglovens", `<label class="form-label" for="cpr">`,
			`name="csrf_token"`, `name="consent"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if en := newBrowser(t, f.app).do(http.MethodGet, "/tilmeld/"+token+"?lang=en", nil).Body.String(); !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "What we store about you, and why") {
			t.Error("no English page")
		}
		if after := f.rows(t); !sameRows(before, after) {
			t.Errorf("GET wrote: %v → %v", before, after)
		}

		csrf := between(body, `name="csrf_token" value="`, `"`)
		post := func(form url.Values) (int, string) {
			form.Set("csrf_token", csrf)
			rec := b.do(http.MethodPost, "/tilmeld/"+token, form)
			return rec.Code, rec.Body.String()
		}
		// Without the CSRF token: refused, nothing written.
		if rec := b.do(http.MethodPost, "/tilmeld/"+token, url.Values{"cpr": {"0101704001"}, "consent": {"1"}, "email": {"a@b.dk"}}); rec.Code != http.StatusForbidden {
			t.Errorf("POST without CSRF: %d", rec.Code)
		}
		// A mistyped CPR number: at its field, not echoed back, the rest kept.
		code, page := post(url.Values{"cpr": {"321370-1234"}, "email": {"soeren@example.dk"}, "consent": {"1"}})
		if code != http.StatusUnprocessableEntity || strings.Contains(page, "321370") || !strings.Contains(page, `id="cpr-error"`) ||
			!strings.Contains(page, `value="soeren@example.dk"`) {
			t.Fatalf("mistyped CPR: %d %s", code, page)
		}
		// Not eligible (emigrated): one sentence, no reason.
		code, page = post(url.Values{"cpr": {"010170-4012"}, "email": {"k@example.dk"}, "consent": {"1"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, "Vi kan desværre ikke tage imod din tilmelding") {
			t.Fatalf("ineligible: %d %s", code, page)
		}
		for _, reason := range []string{"udrejst", "udvandret", "emigr", "cpr-status", "010170-4012", "0101704012"} {
			if strings.Contains(strings.ToLower(between(page, "<main", "</main>")), reason) {
				t.Errorf("the refusal reveals %q", reason)
			}
		}
		// Eligible: on the list; the page says what happens next.
		code, page = post(url.Values{"cpr": {"010170-4001"}, "mobile": {"20304050"}, "consent": {"1"}})
		if code != http.StatusOK || !strings.Contains(page, "Tak for din tilmelding") || !strings.Contains(page, "Du står nu på listen: Medarbejdere") {
			t.Fatalf("sign-up: %d %s", code, page)
		}
		if strings.Contains(page, "0101704001") || strings.Contains(page, "010170-4001") || strings.Contains(page, "Søren") {
			t.Error("the thank-you page carries personal data")
		}
		// The same person again: one person, one sign-up, said neutrally.
		code, page = post(url.Values{"cpr": {"0101704001"}, "email": {"s@example.dk"}, "consent": {"1"}})
		if code != http.StatusOK || !strings.Contains(page, "Du står kun én gang på listen") {
			t.Fatalf("duplicate: %d %s", code, page)
		}
		var n int64
		db.Model(&models.Signup{}).Count(&n)
		if n != 1 {
			t.Errorf("%d sign-ups, want 1", n)
		}
		// The staff's list shows the count and the address to share.
		list := f.loggedIn(t, models.RoleStaff).do(http.MethodGet, "/valg/"+itoa(f.election.ID)+"/tilmelding", nil).Body.String()
		if !strings.Contains(list, "1 af 50") || !strings.Contains(list, "https://valg.sondera.example/tilmeld/"+token) {
			t.Errorf("links page: %s", list)
		}
	})
}

// An unknown, a disabled and an expired link answer alike, so a link
// reveals nothing about itself; a full one says there are no more places.
func TestClosedSignupLinksLookAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSignupFixture(t, db)
		staff := f.users[models.RoleStaff]
		disabled, disabledToken := f.makeLink(t, staff, "Lukket", f.pool.ID, 5)
		if err := store.DisableSignupLink(context.Background(), db, staff, disabled.ID, now); err != nil {
			t.Fatal(err)
		}
		expired, expiredToken := f.makeLink(t, staff, "Udløbet", f.pool.ID, 5)
		db.Model(&models.SignupLink{}).Where("id = ?", expired.ID).Update("ends_at", now.Add(-time.Minute))
		full, fullToken := f.makeLink(t, staff, "Fuld", f.pool.ID, 1)
		db.Model(&models.SignupLink{}).Where("id = ?", full.ID).Update("signups", 1)

		b := newBrowser(t, f.app)
		var first string
		for i, tok := range []string{"ukendt-" + strings.Repeat("x", 16), disabledToken, expiredToken} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var form url.Values
				if method == http.MethodPost {
					form = url.Values{"csrf_token": {b.csrf()}, "cpr": {"0101704001"}, "email": {"a@b.dk"}, "consent": {"1"}}
				}
				rec := b.do(method, "/tilmeld/"+tok, form)
				if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Dette tilmeldingslink er ikke åbent") {
					t.Errorf("%d %s: %d %s", i, method, rec.Code, rec.Body)
				}
				if first == "" {
					first = rec.Body.String()
				} else if rec.Body.String() != first {
					t.Errorf("link %d (%s) answers differently from an unknown one", i, method)
				}
			}
		}
		rec := b.do(http.MethodGet, "/tilmeld/"+fullToken, nil)
		if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Ikke flere pladser") {
			t.Errorf("full: %d %s", rec.Code, rec.Body)
		}
		var n int64
		db.Model(&models.Participant{}).Count(&n)
		if n != 0 {
			t.Errorf("a closed link registered %d people", n)
		}
	})
}

// A party secretary makes, sees and closes links of their own party only:
// another party's id is refused.
func TestSecretarySignupLinksStayWithTheirParty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSignupFixture(t, db)
		staff := f.users[models.RoleStaff]
		vLink, _ := f.makeLink(t, staff, "Venstres link", f.partyV.ID, 5)
		sec := f.loggedIn(t, models.RolePartySecretary)
		page := "/valg/" + itoa(f.election.ID) + "/tilmelding"
		form := func(party int64) url.Values {
			return url.Values{"csrf_token": {sec.csrfFrom(page)}, "name": {"Vores frivillige"}, "party_id": {itoa(party)},
				"ends_on": {models.DateOf(now).AddDays(10).String()}, "max_signups": {"20"}}
		}
		if rec := sec.do(http.MethodPost, page, form(f.partyV.ID)); rec.Code != http.StatusForbidden {
			t.Errorf("secretary of A made a link for V: %d", rec.Code)
		}
		if rec := sec.do(http.MethodPost, page, form(f.pool.ID)); rec.Code != http.StatusForbidden {
			t.Errorf("secretary of A made a link for a pool: %d", rec.Code)
		}
		if rec := sec.do(http.MethodPost, "/tilmelding/"+itoa(vLink.ID)+"/luk", url.Values{"csrf_token": {sec.csrfFrom(page)}}); rec.Code != http.StatusNotFound {
			t.Errorf("secretary of A closed V's link: %d", rec.Code)
		}
		if rec := sec.do(http.MethodPost, "/valg/"+itoa(f.election.ID)+"/tilmelding/samtykke", url.Values{"csrf_token": {sec.csrfFrom(page)}, "consent": {"x"}}); rec.Code != http.StatusForbidden {
			t.Errorf("secretary changed the consent text: %d", rec.Code)
		}
		var links []models.SignupLink
		db.Find(&links)
		if len(links) != 1 || links[0].DisabledAt != nil {
			t.Fatalf("a refused request changed the links: %+v", links)
		}
		// Their own party: made, listed, closed; V's link is not listed.
		if rec := sec.do(http.MethodPost, page, form(f.partyA.ID)); rec.Code != http.StatusSeeOther {
			t.Fatalf("own link: %d %s", rec.Code, rec.Body)
		}
		body := sec.do(http.MethodGet, page, nil).Body.String()
		if !strings.Contains(body, "Vores frivillige") || strings.Contains(body, "Venstres link") {
			t.Errorf("secretary's list: %s", body)
		}
		var own models.SignupLink
		db.Where("party_id = ?", f.partyA.ID).First(&own)
		if rec := sec.do(http.MethodPost, "/tilmelding/"+itoa(own.ID)+"/luk", url.Values{"csrf_token": {sec.csrfFrom(page)}}); rec.Code != http.StatusSeeOther {
			t.Errorf("closing own link: %d", rec.Code)
		}
		// Bad input: a clear error at the field, what was typed kept.
		bad := form(f.partyA.ID)
		bad.Set("max_signups", "0")
		rec := sec.do(http.MethodPost, page, bad)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="max-error"`) || !strings.Contains(rec.Body.String(), `value="Vores frivillige"`) {
			t.Errorf("max 0: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestAPISignupLinks(t *testing.T) {
	f := newSignupFixture(t, storetest.SQLite(t))
	staff := f.sessionAPI(t, models.RoleStaff)
	sec := f.sessionAPI(t, models.RolePartySecretary)
	path := "/api/v1/elections/" + itoa(f.election.ID) + "/signup-links"
	res := staff.do(http.MethodPost, path, map[string]any{"name": "Medarbejdere", "party_id": f.pool.ID,
		"ends_on": models.DateOf(now).AddDays(10).String(), "max_signups": 30, "claim": true})
	var link struct {
		ID      int64  `json:"id"`
		URL     string `json:"url"`
		State   string `json:"state"`
		Signups int    `json:"signups"`
	}
	res.decode(t, &link)
	if res.Status != http.StatusCreated || link.State != "open" || !strings.HasPrefix(link.URL, "https://valg.sondera.example/tilmeld/") {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := sec.do(http.MethodPost, path, map[string]any{"party_id": f.partyV.ID, "ends_on": models.DateOf(now).AddDays(10).String(),
		"max_signups": 3}); res.Status != http.StatusForbidden {
		t.Errorf("secretary for V: %d %s", res.Status, res.Body)
	}
	if res := sec.do(http.MethodPost, "/api/v1/signup-links/"+itoa(link.ID)+"/disable", nil); res.Status != http.StatusNotFound {
		t.Errorf("secretary closed the pool's link: %d %s", res.Status, res.Body)
	}
	var list struct {
		Links []struct {
			ID int64 `json:"id"`
		} `json:"links"`
	}
	res = sec.do(http.MethodGet, path, nil)
	res.decode(t, &list)
	if res.Status != http.StatusOK || len(list.Links) != 0 {
		t.Errorf("secretary's list: %d %s", res.Status, res.Body)
	}
	res = staff.do(http.MethodPost, "/api/v1/signup-links/"+itoa(link.ID)+"/disable", nil)
	res.decode(t, &link)
	if res.Status != http.StatusOK || link.State != "disabled" {
		t.Errorf("disable: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPost, path, map[string]any{"party_id": f.pool.ID, "ends_on": "i morgen", "max_signups": 3}, invalidRequest); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d %s", res.Status, res.Body)
	}
}
