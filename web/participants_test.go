package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// fakeRegister starts the fake CPR register with the fixture people over
// mutual TLS and returns it with the real SF1520 client pointed at it.
func fakeRegister(t *testing.T) (*cprfake.Server, cpr.Register) {
	t.Helper()
	fake, err := cprfake.Start(cprfake.FixturePeople("0999", models.NewDate(2027, time.January, 19))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	client, err := cpr.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	return fake, client
}

// A fixture with the real SF1520 client against the fake register over
// mutual TLS, and encryption keys.
func newRegisterFixture(t *testing.T) (*fixture, *cprfake.Server) {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	fake, client := fakeRegister(t)
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, CPR: client, Keys: keys,
		Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog()})
	return f, fake
}

func (f *fixture) register(t *testing.T, b *browser, cprNumber string, partyID int64) *http.Response {
	t.Helper()
	form := url.Values{"cpr": {cprNumber}, "csrf_token": {b.csrfFrom("/deltagere/ny")}, "mobile": {"+4520304050"}}
	if partyID != 0 {
		form.Set("party_id", itoa(partyID))
	}
	return b.do(http.MethodPost, "/deltagere", form).Result()
}

func (b *browser) csrfFrom(path string) string {
	return between(b.do(http.MethodGet, path, nil).Body.String(), `name="csrf_token" value="`, `"`)
}

var fullCPR = regexp.MustCompile(`\d{6}-?\d{4}`)

func TestPartySecretaryRegistersByCPRAndNeverSeesItAgain(t *testing.T) {
	f, _ := newRegisterFixture(t)
	secA := f.loggedIn(t, models.RolePartySecretary)
	resp := f.register(t, secA, "010170-4001", 0)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/deltagere/") {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	page := secA.do(http.MethodGet, resp.Header.Get("Location"), nil).Body.String()
	if !strings.Contains(page, "Søren Ærø") || !strings.Contains(page, "010170-XXXX") || !strings.Contains(page, "Socialdemokratiet") {
		t.Fatalf("participant page: %s", page)
	}
	if fullCPR.MatchString(page) || strings.Contains(page, "Vis fuldt CPR-nummer") {
		t.Fatal("a party secretary sees the full CPR number or the reveal button")
	}
	list := secA.do(http.MethodGet, "/deltagere", nil).Body.String()
	if !strings.Contains(list, "Søren Ærø") || fullCPR.MatchString(list) {
		t.Fatalf("list: %s", list)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/")
	if rec := secA.do(http.MethodPost, "/deltagere/"+id+"/cpr", url.Values{"csrf_token": {secA.csrf()}}); rec.Code != http.StatusForbidden {
		t.Fatalf("secretary reveal: %d", rec.Code)
	}

	// Staff reveal the number explicitly, and it is logged.
	staff := f.loggedIn(t, models.RoleStaff)
	rec := staff.do(http.MethodPost, "/deltagere/"+id+"/cpr", url.Values{"csrf_token": {staff.csrfFrom("/deltagere/" + id)}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "010170-4001") || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("staff reveal: %d", rec.Code)
	}
	var n int64
	f.db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditCPRRevealed).Count(&n)
	if n != 1 {
		t.Fatalf("%d reveal entries in the audit log, want 1", n)
	}
	if body := staff.do(http.MethodGet, "/deltagere/"+id, nil).Body.String(); !strings.Contains(body, "cpr.revealed") || !strings.Contains(body, "participant.created") {
		t.Error("the staff view lacks the person's audit log")
	}

	// A subject-access request: the person's log as CSV, without the CPR
	// number, and the export itself is logged.
	rec = staff.do(http.MethodGet, "/deltagere/"+id+"/log.csv", nil)
	csvText := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(csvText, "cpr.revealed") || !strings.Contains(csvText, "Test staff") || fullCPR.MatchString(csvText) {
		t.Fatalf("audit export: %d %s", rec.Code, csvText)
	}
	if rec := staff.do(http.MethodGet, "/deltagere/"+id+"/log.csv", nil); !strings.Contains(rec.Body.String(), "export") {
		t.Error("the first export is not in the second")
	}
	if rec := secA.do(http.MethodGet, "/deltagere/"+id+"/log.csv", nil); rec.Code != http.StatusForbidden {
		t.Errorf("a party secretary exporting the audit log: %d", rec.Code)
	}
	// A user named as a formula stays text in the export, as in every other.
	f.db.Model(&models.User{}).Where("id = ?", f.users[models.RoleStaff].ID).Update("name", `=HYPERLINK("https://evil.example","Klik")`)
	if body := staff.do(http.MethodGet, "/deltagere/"+id+"/log.csv", nil).Body.String(); !strings.Contains(body, `;"'=HYPERLINK(`) ||
		strings.Contains(body, `;"=HYPERLINK(`) || strings.Contains(body, ";=HYPERLINK(") {
		t.Errorf("the actor's name is not guarded in the export:\n%s", body)
	}
}

func TestAnotherPartySeesNothingOfTheFirst(t *testing.T) {
	f, _ := newRegisterFixture(t)
	secA := f.loggedIn(t, models.RolePartySecretary)
	resp := f.register(t, secA, "0101704009", 0)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/")

	var partyV models.Party
	f.db.Where("letter = ?", "V").First(&partyV)
	secV := models.User{Email: "v@sondera.example", Name: "Sekretær V", Role: models.RolePartySecretary, PartyID: &partyV.ID,
		PasswordHash: f.users[models.RolePartySecretary].PasswordHash, CreatedAt: now}
	f.db.Create(&secV)
	b := newBrowser(t, f.app)
	b.do(http.MethodPost, "/login", url.Values{"email": {secV.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}})

	if rec := b.do(http.MethodGet, "/deltagere/"+id, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("V reading A's participant: %d", rec.Code)
	}
	var partyA models.Party
	f.db.Where("letter = ?", "A").First(&partyA)
	if list := b.do(http.MethodGet, "/deltagere?parti="+itoa(partyA.ID), nil).Body.String(); strings.Contains(list, "Bjørn") {
		t.Fatal("V listed A's people through ?parti=")
	}
	// V registers the same person, the number typed in any form: one person,
	// and V sees only V's own list on it — not that A nominated them too.
	for _, form := range []string{"0101704009", "010170-4009", " 010170-4009 "} {
		resp = f.register(t, b, form, 0)
		if got := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/"); got != id {
			t.Fatalf("%q made another person: %s vs %s", form, got, id)
		}
	}
	page := b.do(http.MethodGet, "/deltagere/"+id, nil).Body.String()
	if !strings.Contains(page, "Venstre") || strings.Contains(page, "Socialdemokratiet") {
		t.Fatalf("V's view of the shared person shows another party: %s", page)
	}
}

func TestRegistrationRefusalsLoseNothingAndEchoNoCPR(t *testing.T) {
	f, fake := newRegisterFixture(t)
	staff := f.loggedIn(t, models.RoleStaff)
	var partyV models.Party
	f.db.Where("letter = ?", "V").First(&partyV)
	for _, c := range []struct {
		input, want string
		code        int
	}{
		{"3102701234", "gyldig fødselsdato", 422},
		{"01017O4001", "kun indeholde cifre", 422},
		{"0101704", "10 cifre", 422},
		{"0101709999", "findes ikke i CPR-registret", 422},
		{"0101704010", "død ifølge CPR-registret", 422},
	} {
		rec := staff.do(http.MethodPost, "/deltagere", url.Values{"cpr": {c.input}, "party_id": {itoa(partyV.ID)},
			"csrf_token": {staff.csrfFrom("/deltagere/ny")}})
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d, want %d with %q", c.input, rec.Code, c.code, c.want)
		}
		if strings.Contains(rec.Body.String(), c.input) {
			t.Errorf("%s: the page echoes the CPR input", c.input)
		}
	}
	fake.Register.FailAlways(503, "Service Unavailable")
	rec := staff.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704001"}, "party_id": {itoa(partyV.ID)},
		"csrf_token": {staff.csrfFrom("/deltagere/ny")}})
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "intet er gemt") {
		t.Errorf("register down: %d", rec.Code)
	}
	var n int64
	f.db.Model(&models.Participant{}).Count(&n)
	if n != 0 {
		t.Errorf("%d participants stored by refused registrations", n)
	}
}

func TestContactDataIsCheckedBeforeTheRegisterIsAsked(t *testing.T) {
	f, fake := newRegisterFixture(t)
	staff := f.loggedIn(t, models.RoleStaff)
	var partyV models.Party
	f.db.Where("letter = ?", "V").First(&partyV)
	post := func(mobile, email, channel string) int {
		return staff.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704001"}, "party_id": {itoa(partyV.ID)},
			"mobile": {mobile}, "email": {email}, "channel": {channel}, "csrf_token": {staff.csrfFrom("/deltagere/ny")}}).Code
	}
	for _, bad := range [][3]string{{"12345", "", ""}, {"", "ikke-en-adresse", ""}, {"", "", "brevdue"}} {
		if code := post(bad[0], bad[1], bad[2]); code != 422 {
			t.Errorf("%v: %d, want 422", bad, code)
		}
	}
	if n := len(fake.Register.Requests()); n != 0 {
		t.Fatalf("the register was asked %d times for refused input", n)
	}
	if code := post("20 30 40 50", "soeren@example.dk", "sms"); code != http.StatusSeeOther {
		t.Fatalf("good input: %d", code)
	}
	var p models.Participant
	f.db.First(&p)
	if p.Mobile.Reveal() != "+4520304050" || p.PreferredChannel != models.ChannelSMS {
		t.Errorf("stored mobile %q channel %q", p.Mobile.Reveal(), p.PreferredChannel)
	}
}

// Nominating to a party's list checks eligibility for the next election
// (a Folketingsvalg in the demo) and says why not to staff; pools are not
// checked here.
func TestNominationRefusesTheIneligibleWithTheReason(t *testing.T) {
	f, _ := newRegisterFixture(t)
	secA := f.loggedIn(t, models.RolePartySecretary)
	for _, cprNumber := range []string{
		"0101704002", // German citizen: no vote at FV
		"0101704008", // full guardianship
		"0101704013", // lives in another municipality
	} {
		resp := f.register(t, secA, cprNumber, 0)
		body := secA.do(http.MethodGet, "/deltagere", nil).Body.String()
		if resp.StatusCode != 422 || strings.Contains(body, "010170") {
			t.Errorf("%s: %d, and the list shows %v", cprNumber, resp.StatusCode, strings.Contains(body, "010170"))
		}
	}
	// The secretary is told the person cannot be nominated, not the
	// register's reason (the register is no oracle); staff are told why.
	rec := secA.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704002"}, "csrf_token": {secA.csrfFrom("/deltagere/ny")}})
	if body := rec.Body.String(); !strings.Contains(body, "Personen kan ikke indstilles til Folketingsvalg 2027") || strings.Contains(body, "statsborger") {
		t.Errorf("the secretary's refusal: %s", body)
	}
	staff := f.loggedIn(t, models.RoleStaff)
	var partyA models.Party
	f.db.Where("letter = ?", "A").First(&partyA)
	if resp := f.register(t, staff, "0101704002", partyA.ID); resp.StatusCode != 422 {
		t.Errorf("staff registering the ineligible on A's list: %d", resp.StatusCode)
	}
	rec = staff.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704002"}, "party_id": {itoa(partyA.ID)}, "csrf_token": {staff.csrfFrom("/deltagere/ny")}})
	if body := rec.Body.String(); !strings.Contains(body, "Personen kan ikke indstilles til Folketingsvalg 2027") || !strings.Contains(body, "statsborger") {
		t.Errorf("no reason given to staff: %s", body)
	}
	// Staff may put the same person in a pool (e.g. municipal staff): its
	// task types decide on validation when they are given a slot.
	var pool models.Party
	f.db.Where("name = ?", "Medarbejdere").First(&pool)
	if resp := f.register(t, staff, "0101704002", pool.ID); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("staff registering into a pool: %d", resp.StatusCode)
	}
}

// A party secretary limited to some polling stations cannot pass on others.
func TestStationLimitedSecretaryStaysInTheirStations(t *testing.T) {
	f, _ := newRegisterFixture(t)
	var stations []models.PollingStation
	f.db.Order("district").Find(&stations)
	sec := f.users[models.RolePartySecretary]
	if err := store.LimitToStations(f.db, &sec, []int64{stations[0].ID}); err != nil {
		t.Fatal(err)
	}
	b := f.loggedIn(t, models.RolePartySecretary)
	form := b.do(http.MethodGet, "/konto/ekstra-sekretaer", nil).Body.String()
	if strings.Contains(form, stations[1].Name) || !strings.Contains(form, stations[0].Name) {
		t.Fatal("the request form offers stations outside the secretary's own")
	}
	rec := b.do(http.MethodPost, "/konto/ekstra-sekretaer", url.Values{"name": {"X"}, "email": {"x@x.example"},
		"station": {itoa(stations[1].ID)}, "csrf_token": {b.csrfFrom("/konto/ekstra-sekretaer")}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("asking for a station outside the restriction: %d", rec.Code)
	}
	if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, stations[0].Name) {
		t.Error("the account page does not show the station limit")
	}
}

func TestRegistrationWithoutARegisterSaysSo(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false) // no CPR register, no keys
	staff := f.loggedIn(t, models.RoleStaff)
	rec := staff.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704001"}, "csrf_token": {staff.csrfFrom("/deltagere/ny")}})
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "CPR-registret er ikke sat op") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
