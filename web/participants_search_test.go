package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// searchPeople is the fixture with keys and people on two lists: Søren
// Østergaard and 55 others on A's (the fixture secretary's party), Vera
// Vestergaard on V's.
type searchPeople struct {
	*fixture
	a, v  models.Party
	soren models.Participant
	vera  models.Participant
}

const (
	sorenCPR = "0101801000"
	veraCPR  = "0101801001"
)

func newSearchFixture(t *testing.T) searchPeople {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Keys: keys,
		Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog()})
	s := searchPeople{fixture: f}
	db.Where("letter = ?", "A").First(&s.a)
	db.Where("letter = ?", "V").First(&s.v)
	admin := f.users[models.RoleAdmin]
	register := func(cpr, name, mobile, email string, party int64) models.Participant {
		t.Helper()
		c, err := models.ParseCPR(cpr)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := store.RegisterParticipant(t.Context(), db, keys, admin, store.NewParticipant{CPR: c, Name: name, Mobile: mobile,
			Email: email, PartyID: party}, now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	s.soren = register(sorenCPR, "Søren Østergaard", "20304050", "soren@example.dk", s.a.ID)
	s.vera = register(veraCPR, "Vera Vestergaard", "20304051", "vera@example.dk", s.v.ID)
	for i := range 55 {
		register(fmt.Sprintf("010181%04d", i), fmt.Sprintf("Person %02d", i+1), "", "", s.a.ID)
	}
	return s
}

func (s searchPeople) cprLookups(t *testing.T) int64 {
	t.Helper()
	var n int64
	s.db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCPRLookup).Count(&n)
	return n
}

func TestParticipantsPageSearchesAndPages(t *testing.T) {
	s := newSearchFixture(t)
	staff := s.loggedIn(t, models.RoleStaff)
	get := func(target string, status int) string {
		t.Helper()
		rec := staff.do(http.MethodGet, target, nil)
		if rec.Code != status {
			t.Fatalf("%s: %d, want %d", target, rec.Code, status)
		}
		return rec.Body.String()
	}
	// Everyone: 57 people on two pages, the next page linked.
	page := get("/deltagere", http.StatusOK)
	if !strings.Contains(page, "Antal deltagere: 57") || !strings.Contains(page, "side 1 af 2") ||
		!strings.Contains(page, `href="/deltagere?side=2"`) || strings.Contains(page, "Søren Østergaard") {
		t.Fatalf("first page: %s", page)
	}
	if page := get("/deltagere?side=2", http.StatusOK); !strings.Contains(page, "Søren Østergaard") || !strings.Contains(page, "Vera Vestergaard") ||
		!strings.Contains(page, `href="/deltagere"`) || strings.Contains(page, "Person 01") {
		t.Errorf("second page: %s", page)
	}
	// A filter is kept in the paging links.
	page = get(fmt.Sprintf("/deltagere?parti=%d", s.a.ID), http.StatusOK)
	if !strings.Contains(page, "Antal deltagere: 56") || !strings.Contains(page, fmt.Sprintf(`href="/deltagere?parti=%d&amp;side=2"`, s.a.ID)) {
		t.Errorf("party A: %s", page)
	}
	// By name (any case, ø finds Ø), phone, e-mail and CPR number.
	for q, want := range map[string]string{"øSTER": "Søren Østergaard", "20+30+40+51": "Vera Vestergaard",
		"VERA%40example.dk": "Vera Vestergaard"} {
		page := get("/deltagere?q="+q, http.StatusOK)
		if !strings.Contains(page, want) || !strings.Contains(page, "Antal deltagere: 1") {
			t.Errorf("%s: %s", q, page)
		}
	}
	if page := get("/deltagere?q=nobody", http.StatusOK); !strings.Contains(page, "Ingen deltagere passer til søgningen.") {
		t.Errorf("no one: %s", page)
	}
	// What cannot be searched is said so, and the list is not shown.
	for target, text := range map[string]string{"/deltagere?parti=abc": "Filteret er ikke et gyldigt nummer.",
		"/deltagere?side=0": "Sidetallet skal være", "/deltagere?q=1234": "Søg på et helt telefonnummer",
		"/deltagere?status=lost": "Den status findes ikke."} {
		if page := get(target, http.StatusUnprocessableEntity); !strings.Contains(page, text) || strings.Contains(page, "Person 01") {
			t.Errorf("%s: %s", target, page)
		}
	}
}

func TestParticipantsPageCPRSearchIsAuditedAndStaffOnly(t *testing.T) {
	s := newSearchFixture(t)
	before := s.cprLookups(t)
	staff := s.loggedIn(t, models.RoleStaff)
	// In the address a CPR number is not searched: the page says to use
	// the search field, and nothing is looked up.
	rec := staff.do(http.MethodGet, "/deltagere?q=010180-1000", nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "må ikke stå i sidens adresse") ||
		strings.Contains(rec.Body.String(), "Søren Østergaard") || s.cprLookups(t) != before {
		t.Fatalf("CPR number in the address: %d %s", rec.Code, rec.Body)
	}
	// The form sends it in the body and is answered at once, with no
	// redirect to an address that would hold it.
	rec = staff.do(http.MethodPost, "/deltagere/soeg", url.Values{"q": {"010180-1000"}, "csrf_token": {staff.csrfFrom("/deltagere")}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Søren Østergaard") || rec.Header().Get("Location") != "" {
		t.Fatalf("staff CPR search: %d", rec.Code)
	}
	// A mistyped one (no 32nd day) is refused and not shown again either.
	rec = staff.do(http.MethodPost, "/deltagere/soeg", url.Values{"q": {"320180-1000"}, "csrf_token": {staff.csrfFrom("/deltagere")}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "gyldig fødselsdato") ||
		strings.Contains(rec.Body.String(), "320180") {
		t.Errorf("a mistyped CPR number: %d %s", rec.Code, rec.Body)
	}
	// Any other search is sent on to its address.
	rec = staff.do(http.MethodPost, "/deltagere/soeg", url.Values{"q": {"øster"}, "status": {"invited"}, "csrf_token": {staff.csrfFrom("/deltagere")}})
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/deltagere?q=%C3%B8ster&status=invited" {
		t.Errorf("name search by the form: %d %q", rec.Code, loc)
	}
	// The number typed is not shown again.
	if fullCPR.MatchString(rec.Body.String()) {
		t.Error("the CPR number searched for is on the page")
	}
	var e models.AuditEntry
	s.db.Where("action = ?", models.AuditCPRLookup).Order("id DESC").First(&e)
	if s.cprLookups(t) != before+1 || e.ActorID == nil || *e.ActorID != s.users[models.RoleStaff].ID || e.SubjectIndex == nil ||
		*e.SubjectIndex != s.soren.CPRIndex || e.ParticipantID == nil || *e.ParticipantID != s.soren.ID || fullCPR.MatchString(e.Detail) {
		t.Errorf("audit entry of the search: %+v", e)
	}

	// A party secretary: refused with the reason, nothing looked up, even
	// for their own party's person.
	sec := s.loggedIn(t, models.RolePartySecretary)
	rec = sec.do(http.MethodPost, "/deltagere/soeg", url.Values{"q": {"0101801000"}, "csrf_token": {sec.csrfFrom("/deltagere")}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Kun valgsekretariatet kan søge på CPR-nummer") ||
		strings.Contains(rec.Body.String(), "Søren Østergaard") || fullCPR.MatchString(rec.Body.String()) {
		t.Errorf("secretary's CPR search: %d %s", rec.Code, rec.Body)
	}
	if s.cprLookups(t) != before+1 {
		t.Error("a secretary's refused CPR search was looked up")
	}
	// Through the API too.
	res := s.sessionAPI(t, models.RolePartySecretary).do(http.MethodPost, "/api/v1/participants/search", map[string]any{"q": veraCPR})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errText(t), "Kun valgsekretariatet") {
		t.Errorf("API, secretary's CPR search: %d %s", res.Status, res.Body)
	}
	// Staff through the API: by POST, found and audited; in an address, refused.
	api := s.sessionAPI(t, models.RoleStaff)
	res = api.do(http.MethodPost, "/api/v1/participants/search", map[string]any{"q": veraCPR})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "Vera Vestergaard") || fullCPR.Match(res.Body) {
		t.Errorf("API, staff CPR search: %d %s", res.Status, res.Body)
	}
	if s.cprLookups(t) != before+2 {
		t.Errorf("lookups after the API's CPR search: %d, want %d", s.cprLookups(t), before+2)
	}
	// The body is checked as the query string is.
	for body, text := range map[string]string{`{"party": -1}`: "Filteret er ikke et gyldigt nummer.", `{"page": -2}`: "Sidetallet skal være",
		`{"state": "lost"}`: "Den status findes ikke."} {
		var in map[string]any
		must(t, json.Unmarshal([]byte(body), &in))
		if res := api.do(http.MethodPost, "/api/v1/participants/search", in, invalidRequest); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.errText(t), text) {
			t.Errorf("API search %s: %d %s", body, res.Status, res.Body)
		}
	}
	res = api.do(http.MethodGet, "/api/v1/participants?q="+veraCPR, nil)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errText(t), "POST /api/v1/participants/search") ||
		s.cprLookups(t) != before+2 {
		t.Errorf("API, CPR number in the address: %d %s", res.Status, res.Body)
	}
}

func TestParticipantsPageOfAPartySecretaryShowsOwnPartyOnly(t *testing.T) {
	s := newSearchFixture(t)
	sec := s.loggedIn(t, models.RolePartySecretary)
	page := sec.do(http.MethodGet, "/deltagere?side=2", nil).Body.String()
	if !strings.Contains(page, "Søren Østergaard") || strings.Contains(page, "Vera") || !strings.Contains(page, "Antal deltagere: 56") {
		t.Fatalf("secretary's list: %s", page)
	}
	// No party or pool filter offered.
	if strings.Contains(page, `name="parti"`) || strings.Contains(page, `name="pulje"`) {
		t.Error("a party secretary is offered the party filter")
	}
	// Another party's id, or V's person by name, phone or e-mail: exactly
	// the answer of a search without results.
	none := sec.do(http.MethodGet, "/deltagere?q=nobody", nil)
	noneText := afterForms(none.Body.String())
	for _, target := range []string{fmt.Sprintf("/deltagere?parti=%d", s.v.ID), fmt.Sprintf("/deltagere?parti=%d&q=Vera", s.v.ID),
		"/deltagere?q=Vera", "/deltagere?q=20304051", "/deltagere?q=vera@example.dk", fmt.Sprintf("/deltagere?pulje=%d", s.v.ID)} {
		rec := sec.do(http.MethodGet, target, nil)
		if rec.Code != none.Code || strings.Contains(rec.Body.String(), "Vera") && !strings.Contains(target, "Vera") ||
			!strings.Contains(rec.Body.String(), "Ingen deltagere passer til søgningen.") {
			t.Errorf("%s: %d %s", target, rec.Code, rec.Body)
		}
		if got := afterForms(rec.Body.String()); noneText == "" || got != noneText {
			t.Errorf("%s answers otherwise than no results:\n%s\nvs\n%s", target, got, noneText)
		}
	}
	// Their own party's person by phone.
	if page := sec.do(http.MethodGet, "/deltagere?q=20304050", nil).Body.String(); !strings.Contains(page, "Søren Østergaard") {
		t.Errorf("own person by phone: %s", page)
	}

	// The API: the same scope.
	api := s.sessionAPI(t, models.RolePartySecretary)
	var out struct {
		Kind         string
		Total        int
		Participants []struct {
			ID        int64
			Name      string
			MaskedCPR string `json:"masked_cpr"`
		}
	}
	res := api.do(http.MethodGet, fmt.Sprintf("/api/v1/participants?party=%d", s.v.ID), nil)
	res.decode(t, &out)
	if res.Status != http.StatusOK || out.Total != 0 || len(out.Participants) != 0 {
		t.Errorf("API, another party's id: %d %s", res.Status, res.Body)
	}
	res = api.do(http.MethodGet, "/api/v1/participants?q=%C3%B8ster", nil)
	out.Participants = nil
	res.decode(t, &out)
	if res.Status != http.StatusOK || out.Total != 1 || out.Kind != "name" || len(out.Participants) != 1 ||
		out.Participants[0].Name != "Søren Østergaard" || out.Participants[0].MaskedCPR != "010180-XXXX" || fullCPR.Match(res.Body) {
		t.Errorf("API, own person by name: %d %s", res.Status, res.Body)
	}
	// Staff through the API: everyone, paged.
	res = s.sessionAPI(t, models.RoleStaff).do(http.MethodGet, "/api/v1/participants?page=2", nil)
	out.Participants = nil
	res.decode(t, &out)
	if res.Status != http.StatusOK || out.Total != 57 || len(out.Participants) != 7 {
		t.Errorf("API, staff page 2: %d %s", res.Status, res.Body)
	}
	if res := api.do(http.MethodGet, "/api/v1/participants?election=x", nil, invalidRequest); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("API, bad election id: %d", res.Status)
	}
}

// afterForms is a page's content after its last form (the results).
func afterForms(page string) string {
	i := strings.LastIndex(page, "</form>")
	if i < 0 {
		return ""
	}
	return between(page[i:], "</form>", "</main>")
}
