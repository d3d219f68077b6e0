package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// nominationSetup is the register fixture with the demo election and some
// of its slots: A has two Tilforordnet slots at station 1 and one at
// station 2 and a Valgstyrer slot at station 1, V one Tilforordnet slot
// at station 3.
type nominationSetup struct {
	*fixture
	election       models.Election
	stations       []models.PollingStation
	tf, vs         models.TaskType
	partyA, partyV models.Party
}

func newNominationSetup(t *testing.T) (*nominationSetup, func() int) {
	t.Helper()
	f, fake := newRegisterFixture(t)
	n := &nominationSetup{fixture: f}
	f.db.First(&n.election)
	f.db.Order("district").Find(&n.stations)
	f.db.Where("short_name = ?", "TF").First(&n.tf)
	f.db.Where("short_name = ?", "VS").First(&n.vs)
	f.db.Where("letter = ?", "A").First(&n.partyA)
	f.db.Where("letter = ?", "V").First(&n.partyV)
	for _, s := range []struct {
		station models.PollingStation
		tt      models.TaskType
		party   models.Party
	}{{n.stations[0], n.tf, n.partyA}, {n.stations[0], n.tf, n.partyA}, {n.stations[1], n.tf, n.partyA},
		{n.stations[0], n.vs, n.partyA}, {n.stations[2], n.tf, n.partyV}} {
		if err := f.db.Create(&models.Slot{ElectionID: n.election.ID, StationID: s.station.ID, TaskTypeID: s.tt.ID,
			Day: n.election.ElectionDay, PartyID: s.party.ID, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
	}
	return n, func() int { return len(fake.Register.Requests()) }
}

func (n *nominationSetup) page() string { return "/valg/" + itoa(n.election.ID) + "/indstilling" }

func (n *nominationSetup) cell(station models.PollingStation, tt models.TaskType) string {
	return itoa(station.ID) + "/" + itoa(tt.ID) + "/" + n.election.ElectionDay.String()
}

func (n *nominationSetup) nominate(b *browser, form url.Values) *httptest.ResponseRecorder {
	form.Set("csrf_token", b.csrfFrom("/konto"))
	return b.do(http.MethodPost, n.page(), form)
}

func (n *nominationSetup) holders(t *testing.T, party models.Party) int64 {
	t.Helper()
	var c int64
	n.db.Model(&models.Assignment{}).Where("party_id = ?", party.ID).Count(&c)
	return c
}

func TestSecretaryNominatesByCPRAndFromTheList(t *testing.T) {
	n, lookups := newNominationSetup(t)
	secA := n.loggedIn(t, models.RolePartySecretary)
	page := secA.do(http.MethodGet, n.page(), nil).Body.String()
	for _, want := range []string{"Sønderå Rådhus", "2 af 2 ledige", "Socialdemokratiet", "Indstil en person", "Reserveliste"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, n.cell(n.stations[2], n.tf)) || strings.Contains(page, n.cell(n.stations[0], n.vs)) {
		t.Error("the page offers another party's slots or an appointed-only task to a secretary")
	}

	// By CPR number: looked up, eligible, registered, nominated.
	rec := n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"010170-4001"}, "mobile": {"20304050"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "besked=nominations.done") {
		t.Fatalf("nominate by CPR: %d %s", rec.Code, rec.Body)
	}
	page = secA.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(page, "Søren Ærø</a> – indstillet") || !strings.Contains(page, "1 af 2 ledige") || fullCPR.MatchString(page) {
		t.Fatalf("after nominating: %s", page)
	}

	// The ineligible are refused, and nothing is stored. A party secretary
	// is not told the register's reason (the register is no oracle); staff
	// are.
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"0101704002"}})
	if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "kan ikke indstilles til") ||
		strings.Contains(body, "statsborger") || strings.Contains(body, "0101704002") {
		t.Fatalf("ineligible: %d", rec.Code)
	}
	staff := n.loggedIn(t, models.RoleStaff)
	if rec := n.nominate(staff, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"0101704002"}, "party_id": {itoa(n.partyA.ID)}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "statsborger") {
		t.Errorf("staff nominating the ineligible: %d, want 422 with the reason", rec.Code)
	}
	for cprNumber, want := range map[string]string{"0101704010": "kan ikke tilføjes", "0101709999": "findes ikke", "3102701234": "fødselsdato"} {
		if rec := n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {cprNumber}}); rec.Code != 422 ||
			!strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d, want 422 with %q", cprNumber, rec.Code, want)
		}
	}

	// From the party's list: a person registered earlier, checked again.
	resp := n.register(t, secA, "0101704009", 0)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/")
	before := lookups()
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "participant_id": {id}})
	if rec.Code != http.StatusSeeOther || lookups() != before+1 {
		t.Fatalf("from the list: %d, %d lookups", rec.Code, lookups()-before)
	}
	// The same person cannot hold a second slot that day.
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[1], n.tf)}, "participant_id": {id}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "allerede en opgave den dag") {
		t.Errorf("second slot the same day: %d", rec.Code)
	}
	// The cell is full now.
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"0101704015"}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "ingen ledige pladser") {
		t.Errorf("full cell: %d", rec.Code)
	}
	if n.holders(t, n.partyA) != 2 {
		t.Errorf("%d of A's slots held, want 2", n.holders(t, n.partyA))
	}

	// On the reserve list, for the whole municipality; then off it again.
	rec = n.nominate(secA, url.Values{"target": {"reserve"}, "reserve_station": {""}, "cpr": {"0101704016"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reserve: %d %s", rec.Code, rec.Body)
	}
	page = secA.do(http.MethodGet, n.page(), nil).Body.String()
	if !strings.Contains(page, "Else Frølund – Hele kommunen") {
		t.Fatalf("reserve list: %s", page)
	}
	var r models.Reserve
	n.db.First(&r)
	rec = secA.do(http.MethodPost, "/valg/"+itoa(n.election.ID)+"/reserver/fjern", url.Values{"reserve_id": {itoa(r.ID)},
		"csrf_token": {secA.csrfFrom("/konto")}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("remove reserve: %d", rec.Code)
	}

	// Unnominating a person who was never invited frees the slot.
	var a models.Assignment
	n.db.Order("id").First(&a)
	rec = secA.do(http.MethodPost, n.page()+"/fjern", url.Values{"assignment_id": {itoa(a.ID)}, "csrf_token": {secA.csrfFrom("/konto")}})
	if rec.Code != http.StatusSeeOther || n.holders(t, n.partyA) != 1 {
		t.Fatalf("unnominate: %d, %d held", rec.Code, n.holders(t, n.partyA))
	}
	var audits int64
	n.db.Model(&models.AuditEntry{}).Where("action IN ?", []models.AuditAction{store.AuditNominated, store.AuditUnnominated,
		store.AuditReserveAdded, store.AuditReserveRemoved}).Count(&audits)
	if audits != 5 {
		t.Errorf("%d nomination audit entries, want 5", audits)
	}
}

func TestNominationRoleRules(t *testing.T) {
	n, lookups := newNominationSetup(t)
	secA := n.loggedIn(t, models.RolePartySecretary)

	// A secretary naming another party lands on their own party's cell:
	// V's slot at station 3 stays empty.
	rec := n.nominate(secA, url.Values{"party_id": {itoa(n.partyV.ID)}, "cell": {n.cell(n.stations[2], n.tf)}, "cpr": {"0101704001"}})
	if rec.Code != 422 || n.holders(t, n.partyV) != 0 {
		t.Fatalf("secretary into V's cell: %d, V holds %d", rec.Code, n.holders(t, n.partyV))
	}
	if body := secA.do(http.MethodGet, n.page()+"?parti="+itoa(n.partyV.ID), nil).Body.String(); strings.Contains(body, "Kulturhuset Æblehaven</td>") {
		t.Error("?parti= showed a secretary another party's slots")
	}
	// Appointed-only tasks are the staff's, refused before any lookup.
	before := lookups()
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.vs)}, "cpr": {"0101704001"}})
	if rec.Code != http.StatusForbidden || lookups() != before {
		t.Errorf("appointed only by a secretary: %d, %d lookups", rec.Code, lookups()-before)
	}
	// Limited to station 2: station 1 is refused before any lookup.
	sec := n.users[models.RolePartySecretary]
	if err := store.LimitToStations(n.db, &sec, []int64{n.stations[1].ID}); err != nil {
		t.Fatal(err)
	}
	rec = n.nominate(secA, url.Values{"cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"0101704001"}})
	if rec.Code != http.StatusForbidden || lookups() != before {
		t.Errorf("outside the secretary's stations: %d", rec.Code)
	}
	if body := secA.do(http.MethodGet, n.page(), nil).Body.String(); strings.Contains(body, "2 af 2 ledige") {
		t.Error("a limited secretary sees slots outside their stations")
	}
	if rec := n.nominate(secA, url.Values{"cell": {n.cell(n.stations[1], n.tf)}, "cpr": {"0101704001"}}); rec.Code != http.StatusSeeOther {
		t.Errorf("inside the secretary's stations: %d", rec.Code)
	}
	if rec := n.nominate(secA, url.Values{"target": {"reserve"}, "cpr": {"0101704009"}}); rec.Code != http.StatusForbidden {
		t.Errorf("a limited secretary on the municipality-wide reserve list: %d", rec.Code)
	}

	// Read-only staff see the page but cannot nominate.
	ro := n.loggedIn(t, models.RoleReadOnly)
	if body := ro.do(http.MethodGet, n.page()+"?parti="+itoa(n.partyA.ID), nil).Body.String(); !strings.Contains(body, "Åbyskolen") ||
		strings.Contains(body, "Indstil en person") {
		t.Error("read-only: the page is missing or offers the form")
	}
	if rec := n.nominate(ro, url.Values{"party_id": {itoa(n.partyA.ID)}, "cell": {n.cell(n.stations[0], n.tf)}, "cpr": {"0101704015"}}); rec.Code != http.StatusForbidden {
		t.Errorf("read-only nominating: %d", rec.Code)
	}

	// Staff fill any party's slots, appointed-only ones too.
	staff := n.loggedIn(t, models.RoleStaff)
	if body := staff.do(http.MethodGet, n.page()+"?parti="+itoa(n.partyV.ID), nil).Body.String(); !strings.Contains(body, "Kulturhuset Æblehaven</td>") {
		t.Error("staff do not see V's slots")
	}
	for _, c := range []struct {
		party models.Party
		cell  string
		cpr   string
	}{{n.partyV, n.cell(n.stations[2], n.tf), "0101704015"}, {n.partyA, n.cell(n.stations[0], n.vs), "0101704016"}} {
		if rec := n.nominate(staff, url.Values{"party_id": {itoa(c.party.ID)}, "cell": {c.cell}, "cpr": {c.cpr}}); rec.Code != http.StatusSeeOther {
			t.Errorf("staff: %d %s", rec.Code, rec.Body)
		}
	}

	// V's secretary cannot take A's nominee off the slot, nor see it.
	var a models.Assignment
	n.db.Where("party_id = ?", n.partyA.ID).First(&a)
	secV := models.User{Email: "v@sondera.example", Name: "Sekretær V", Role: models.RolePartySecretary, PartyID: &n.partyV.ID,
		PasswordHash: n.users[models.RolePartySecretary].PasswordHash, CreatedAt: now}
	n.db.Create(&secV)
	bv := newBrowser(t, n.app)
	bv.do(http.MethodPost, "/login", url.Values{"email": {secV.Email}, "password": {testPassword}, "csrf_token": {bv.csrf()}})
	if rec := bv.do(http.MethodPost, n.page()+"/fjern", url.Values{"assignment_id": {itoa(a.ID)}, "csrf_token": {bv.csrfFrom("/konto")}}); rec.Code != http.StatusNotFound {
		t.Errorf("V removing A's nominee: %d", rec.Code)
	}
	if body := bv.do(http.MethodGet, n.page(), nil).Body.String(); strings.Contains(body, "Søren") {
		t.Error("V sees A's nominee")
	}
}

// upload posts a CSV file as a browser's multipart form does.
func upload(b *browser, path string, fields url.Values, file []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fields.Set("csrf_token", b.csrfFrom("/konto"))
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", "indstilling.csv")
	fw.Write(file)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.app.ServeHTTP(rec, req)
	return rec
}

func TestCSVUploadAnswersRowByRow(t *testing.T) {
	n, _ := newNominationSetup(t)
	secA := n.loggedIn(t, models.RolePartySecretary)
	file := "\ufeffcpr;mobil;email;valgsted;opgavetype;navn\n" +
		"010170-4001;20304050;soeren@example.dk;1;TF;Søren\n" + // line 2 ok
		"0101704002;;;Sønderå Rådhus;Tilforordnet;\n" + // 3 German: no vote at FV
		"0101704010;;;1;TF;\n" + // 4 dead
		"0101709999;;;1;TF;\n" + // 5 not in the register
		"0101704009;;;99;TF;\n" + // 6 unknown station
		"0101704004;;;1;XYZ;\n" + // 7 unknown task type
		"0101704001;;;2;TF;\n" + // 8 twice in the file
		"0101704015;;;Åbyskolen;TF;\n" + // 9 ok
		"0101704016;;;2;TF;\n" + // 10 no vacancy left at station 2
		"01017O4001;;;1;TF;\n" // 11 not a CPR number
	rec := upload(secA, n.page()+"/csv", url.Values{}, []byte(file))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "2 af 10 rækker er indlæst") {
		t.Fatalf("upload: %d %s", rec.Code, body)
	}
	if strings.Contains(body, "statsborger") || strings.Contains(body, "død") {
		t.Error("the report tells a party secretary the register's reasons")
	}
	for _, want := range []string{"kan ikke indstilles til", "kan ikke tilføjes", "findes ikke i CPR-registret", "Ukendt valgsted", "Ukendt opgavetype",
		"også i linje 2", "ingen ledige pladser", "kun indeholde cifre", "010170-XXXX"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for _, number := range []string{"0101704001", "010170-4001", "0101704002", "0101704010", "0101709999", "0101704015", "0101704016"} {
		if strings.Contains(body, number) {
			t.Errorf("the report shows %s", number)
		}
	}
	if n.holders(t, n.partyA) != 2 {
		t.Errorf("%d nominations, want 2", n.holders(t, n.partyA))
	}

	// A file that is not UTF-8 imports nothing and says why.
	rec = upload(secA, n.page()+"/csv", url.Values{}, []byte("cpr;valgsted;opgavetype;navn\n0101704016;1;TF;Fr\xf8lund\n"))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "UTF-8") {
		t.Errorf("Latin-1 file: %d", rec.Code)
	}
	// Onto the reserve lists instead.
	rec = upload(secA, n.page()+"/csv", url.Values{"reserve": {"1"}}, []byte("cpr,valgsted,opgavetype\n0101704016,2,\n"))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "1 af 1 rækker er indlæst") {
		t.Errorf("reserve upload: %d %s", rec.Code, rec.Body)
	}
	var reserves int64
	n.db.Model(&models.Reserve{}).Count(&reserves)
	if reserves != 1 {
		t.Errorf("%d reserves, want 1", reserves)
	}
	// Too large: refused before it is read.
	big := append([]byte("cpr;valgsted;opgavetype\n"), bytes.Repeat([]byte("0101704016;1;TF\n"), 2*store.MaxCSVBytes/16)...)
	if rec := upload(secA, n.page()+"/csv", url.Values{}, big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a file of %d bytes: %d", len(big), rec.Code)
	}
	// Read-only staff cannot upload; staff must name a party.
	if rec := upload(n.loggedIn(t, models.RoleReadOnly), n.page()+"/csv", url.Values{"party_id": {itoa(n.partyA.ID)}}, []byte(file)); rec.Code != http.StatusForbidden {
		t.Errorf("read-only upload: %d", rec.Code)
	}
	if rec := upload(n.loggedIn(t, models.RoleStaff), n.page()+"/csv", url.Values{}, []byte(file)); rec.Code != http.StatusNotFound {
		t.Errorf("staff upload without a party: %d", rec.Code)
	}
}
