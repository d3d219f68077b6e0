package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// A party secretary's CPR register lookups a day: the API (registration
// and nomination) answers 429 with the message, the page says so, an
// upload is capped and refused whole before any lookup; nothing is
// written and the register is not asked. Staff are not limited.
func TestPartySecretaryLookupLimitAndUploadCap(t *testing.T) {
	n := newAPINominations(t, storetest.SQLite(t))
	if err := n.db.Model(&models.Municipality{}).Where("1 = 1").Updates(map[string]any{"secretary_lookups_per_day": 2,
		"secretary_csv_rows": 3}).Error; err != nil {
		t.Fatal(err)
	}
	numbers := n.voters(6)
	api := n.tokens(t)
	secAPI, staffAPI := api[models.RolePartySecretary], api[models.RoleStaff]
	secA := n.loggedIn(t, models.RolePartySecretary)

	if res := secAPI.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": numbers[0]}); res.Status != http.StatusCreated {
		t.Fatalf("the first lookup: %d %s", res.Status, res.Body)
	}
	form := url.Values{"cpr": {numbers[1]}, "csrf_token": {secA.csrfFrom("/deltagere/ny")}}
	if rec := secA.do(http.MethodPost, "/deltagere", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("the second lookup, by the page: %d %s", rec.Code, rec.Body)
	}
	var staffRegistered apiPerson
	if res := staffAPI.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": numbers[4], "party_id": n.partyA.ID}); res.Status != http.StatusCreated {
		t.Fatalf("staff: %d %s", res.Status, res.Body)
	} else {
		res.decode(t, &staffRegistered)
	}
	asked := len(n.register.Register.Requests())
	var people int64
	n.db.Model(&models.Participant{}).Count(&people)

	const limitText = "Du har nået grænsen på 2 opslag i CPR-registret i dag"
	if res := secAPI.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": numbers[2]}); res.Status != http.StatusTooManyRequests ||
		!strings.Contains(res.errText(t), limitText) {
		t.Errorf("registration past the limit by the API: %d %s", res.Status, res.Body)
	}
	if res := secAPI.do(http.MethodPost, n.electionPath("/nominations"), map[string]any{"slot_id": n.slotsA[0].ID,
		"participant_id": staffRegistered.ID}); res.Status != http.StatusTooManyRequests || !strings.Contains(res.errText(t), limitText) {
		t.Errorf("nomination past the limit by the API: %d %s", res.Status, res.Body)
	}
	form.Set("cpr", numbers[3])
	if rec := secA.do(http.MethodPost, "/deltagere", form); rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), limitText) {
		t.Errorf("registration past the limit by the page: %d", rec.Code)
	}
	// Uploads: over the cap, and (within it) past the lookups left.
	csv := func(rows ...string) []byte {
		var b bytes.Buffer
		b.WriteString("cpr;valgsted;opgavetype\n")
		for _, r := range rows {
			b.WriteString(r + ";1;TF\n")
		}
		return b.Bytes()
	}
	path := "/valg/" + itoa(n.election.ID) + "/indstilling/csv"
	// The upload form tells the secretary their cap, staff the file limit.
	if page := secA.do(http.MethodGet, "/valg/"+itoa(n.election.ID)+"/indstilling", nil).Body.String(); !strings.Contains(page, "Højst 1 MiB og 3 rækker") {
		t.Error("the upload form does not tell the party secretary's cap")
	}
	staffPage := n.loggedIn(t, models.RoleStaff).do(http.MethodGet, "/valg/"+itoa(n.election.ID)+"/indstilling?parti="+itoa(n.partyA.ID), nil).Body.String()
	if !strings.Contains(staffPage, "Højst 1 MiB og 5000 rækker") {
		t.Error("the upload form does not tell staff the file limit")
	}
	if rec := upload(secA, path, url.Values{}, csv(numbers[2:6]...)); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Filen har 4 rækker; højst 3 er tilladt") {
		t.Errorf("an upload over the cap: %d", rec.Code)
	}
	if rec := upload(secA, path, url.Values{}, csv(numbers[2])); rec.Code != http.StatusTooManyRequests ||
		!strings.Contains(rec.Body.String(), "Filen har 1 rækker, men du har kun 0 af dagens 2 opslag") {
		t.Errorf("an upload past the lookups left: %d", rec.Code)
	}
	var after, assignments int64
	n.db.Model(&models.Participant{}).Count(&after)
	n.db.Model(&models.Assignment{}).Count(&assignments)
	if got := len(n.register.Register.Requests()); got != asked || after != people || assignments != 0 {
		t.Errorf("refusals asked the register %d times, stored %d people, %d assignments", got-asked, after-people, assignments)
	}

	// Staff go on.
	if res := staffAPI.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": numbers[5], "party_id": n.partyA.ID}); res.Status != http.StatusCreated {
		t.Errorf("staff past a secretary's limit: %d %s", res.Status, res.Body)
	}
}

// The administrator sets the limits on /admin/kommune; a value that is no
// positive whole number is refused at its field and nothing is saved.
func TestMunicipalityPageSetsTheLimits(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	page := admin.do(http.MethodGet, municipalityPage, nil).Body.String()
	for _, want := range []string{"Grænser for partisekretærer", `name="secretary_lookups_per_day" type="text" value="200"`,
		`name="secretary_csv_rows" type="text" value="500"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"0", "-1", "mange", "1,5", "100001"} {
		rec := admin.do(http.MethodPost, municipalityPage, municipalityForm(admin, "code", "607", "secretary_lookups_per_day", bad,
			"secretary_csv_rows", "250"))
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="secretary_lookups_per_day-error"`) ||
			!strings.Contains(body, "Skriv et helt tal fra 1 til 100000.") || strings.Contains(body, `id="secretary_csv_rows-error"`) {
			t.Errorf("%q: %d", bad, rec.Code)
		}
	}
	var m models.Municipality
	f.db.First(&m)
	if m.LookupsPerDay() != 200 || m.CSVRows() != 500 {
		t.Fatalf("a refused save wrote %d, %d", m.LookupsPerDay(), m.CSVRows())
	}
	rec := admin.do(http.MethodPost, municipalityPage, municipalityForm(admin, "code", "607", "secretary_lookups_per_day", " 50 ",
		"secretary_csv_rows", "250"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	f.db.First(&m)
	if m.LookupsPerDay() != 50 || m.CSVRows() != 250 {
		t.Errorf("saved %d, %d", m.LookupsPerDay(), m.CSVRows())
	}
}

// The closing's attendance list has a protected person like anyone else,
// marked.
func TestClosingPageMarksProtectedPeople(t *testing.T) {
	g, _ := newClosingPage(t, func(day models.Date) time.Time { return day.In(models.Copenhagen).Add(21 * time.Hour) })
	path := "/valg/" + itoa(g.election.ID) + "/afslutning"
	staff := g.loggedIn(t, models.RoleStaff)
	if strings.Contains(staff.do(http.MethodGet, path, nil).Body.String(), "(adressebeskyttet)") {
		t.Fatal("someone is marked protected before anyone is")
	}
	åse := g.assignmentOf(t, "Åse Andersen", g.election.ElectionDay)
	must(t, g.db.Model(&models.Participant{}).Where("id = ?", åse.ParticipantID).Update("protected_address", true).Error)
	page := staff.do(http.MethodGet, path, nil).Body.String()
	if !strings.Contains(page, `Åse Andersen</a> <strong class="protected">(adressebeskyttet)</strong>`) {
		t.Errorf("the protected person is not marked: %s", page)
	}
}

// A person the re-validation removed: the audit log has the register's
// reason codes, which a party secretary never reads. The overview, the
// assignment and the person's page show them at most that the person was
// removed at the check, never why.
func TestPartySecretarySeesNoRegisterReasonOfARemoval(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	zacho := p.added["Zacho Berg"]
	var a models.Assignment
	must(t, f.db.Where("participant_id = ? AND day = ?", zacho.ID, p.election.ElectionDay).First(&a).Error)
	must(t, f.db.Model(&a).Update("state", models.StateRemoved).Error)
	// What activities.Revalidate writes.
	must(t, f.db.Create(&models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: &zacho.ID,
		Detail: "assignment " + itoa(a.ID) + ": no longer eligible (dead, not_resident, guardianship)"}).Error)

	sec := f.loggedIn(t, models.RolePartySecretary) // party A, Zacho Berg's
	pages := map[string]string{}
	for _, path := range []string{"/oversigt?valg=" + itoa(p.election.ID), "/tildelinger/" + itoa(a.ID), "/deltagere/" + itoa(zacho.ID),
		"/valg/" + itoa(p.election.ID) + "/lister?kol=navn&kol=status"} {
		rec := sec.do(http.MethodGet, path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		pages[path] = rec.Body.String()
	}
	for path, body := range pages {
		for _, reason := range []string{"no longer eligible", "dead", "not_resident", "guardianship", "død", "Død", "værgemål", "Værgemål",
			"udvandret", "bopæl", "adresse i kommunen"} {
			if strings.Contains(body, reason) {
				t.Errorf("%s shows a party secretary %q", path, reason)
			}
		}
	}
	// The check is not empty: the removal itself is shown where the state is.
	if !strings.Contains(pages["/tildelinger/"+itoa(a.ID)], "Fjernet ved kontrol") ||
		!strings.Contains(pages["/valg/"+itoa(p.election.ID)+"/lister?kol=navn&kol=status"], "Fjernet ved kontrol") {
		t.Error("the removal is not shown where the state is")
	}
	// Staff do read the reason, in the person's audit log.
	staff := f.loggedIn(t, models.RoleStaff)
	if body := staff.do(http.MethodGet, "/deltagere/"+itoa(zacho.ID)+"/log.csv", nil).Body.String(); !strings.Contains(body, "dead, not_resident") {
		t.Error("staff cannot read the register's reason in the audit log")
	}
}
