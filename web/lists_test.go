package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// listPlan adds to the overview's plan people whose names test the Danish
// order, all confirmed at Åbyskolen, one of them with a protected address,
// and Zacho Berg a second task (Valgstyrer at Sydskolen the day before).
type listPlan struct {
	overviewPlan
	added map[string]models.Participant
}

func planLists(t *testing.T, f *fixture) listPlan {
	t.Helper()
	p := listPlan{overviewPlan: planOverview(t, f), added: map[string]models.Participant{}}
	day := p.election.ElectionDay
	for i, x := range []struct {
		name  string
		party models.Party
		diet  string
	}{
		{"Åse Holm", p.partyV, ""}, {"Aagaard Nielsen", p.partyA, "Glutenfri"}, {"Zacho Berg", p.partyA, ""},
		{"Ærø Jensen", p.partyA, ""}, {"Øster Hansen", p.partyV, ""}, {"Hemmelig Hansen", p.partyA, "Vegetar"},
	} {
		cpr := "0202800" + strconv.Itoa(100+i)
		person := models.Participant{CPR: models.NewSecret(cpr), CPRIndex: "lists-" + x.name, Name: x.name,
			Mobile: models.NewSecret("+452030405" + strconv.Itoa(i)), Email: models.NewSecret("p" + strconv.Itoa(i) + "@example.dk"),
			SpecialDiet: models.NewSecret(x.diet), ProtectedAddress: x.name == "Hemmelig Hansen", CreatedAt: now, UpdatedAt: now}
		if err := f.db.Create(&person).Error; err != nil {
			t.Fatal(err)
		}
		// On the party's list with what it typed, as a registration leaves it.
		if err := f.db.Create(&models.PartyMembership{ParticipantID: person.ID, PartyID: x.party.ID, CreatedAt: now,
			Mobile: person.Mobile, Email: person.Email, SpecialDiet: person.SpecialDiet}).Error; err != nil {
			t.Fatal(err)
		}
		p.added[x.name] = person
		p.assign(t, f, p.aby, p.tilforordnet, x.party, day, person, models.StateConfirmed)
	}
	p.assign(t, f, p.syd, p.styrer, p.partyA, day.AddDays(-1), p.added["Zacho Berg"], models.StateCompleted)
	return p
}

func (p listPlan) assign(t *testing.T, f *fixture, st models.PollingStation, tt models.TaskType, party models.Party, day models.Date,
	person models.Participant, state models.AssignmentState) {
	t.Helper()
	s := models.Slot{ElectionID: p.election.ID, StationID: st.ID, TaskTypeID: tt.ID, Day: day, PartyID: party.ID, CreatedAt: now}
	if err := f.db.Create(&s).Error; err != nil {
		t.Fatal(err)
	}
	a := models.Assignment{SlotID: s.ID, ParticipantID: person.ID, ElectionID: s.ElectionID, StationID: s.StationID,
		TaskTypeID: s.TaskTypeID, PartyID: s.PartyID, Day: s.Day, State: state,
		WorkflowID: payload.LifecycleID(s.ID, person.ID), NominatedAt: now, UpdatedAt: now}
	if err := f.db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
}

// servingAtAby is the Danish order of the confirmed at Åbyskolen:
// Z, Æ, Ø, then "Aa" as Å (golang.org/x/text/collate), then Å. Hemmelig
// Hansen, whose address is protected, is there like anyone else.
var servingAtAby = []string{"Anne Andersen", "Hemmelig Hansen", "Zacho Berg", "Ærø Jensen", "Øster Hansen", "Aagaard Nielsen", "Åse Holm"}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatal("CSV without a byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readXLSX(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func column(recs [][]string, i int) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r[i])
	}
	return out
}

func (f *fixture) auditCount(t *testing.T, like string) int64 {
	var n int64
	f.db.Model(&models.AuditEntry{}).Where("action = ? AND detail LIKE ?", models.AuditExport, like).Count(&n)
	return n
}

func TestListPageColumnsPrintAndDownloads(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	b := f.loggedIn(t, models.RoleReadOnly)
	base := "/valg/" + itoa(p.election.ID) + "/lister"
	query := "?valgsted=" + itoa(p.aby.ID) + "&status=confirmed&kol=navn&kol=parti&kol=mobil&kol=valgsted"

	rec := b.do(http.MethodGet, base+query, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("list page: %d", rec.Code)
	}
	last := -1
	for _, name := range servingAtAby {
		i := strings.Index(body, "<td>"+name+"</td>")
		if i < last {
			t.Errorf("%s is out of Danish order on the page", name)
		}
		last = i
	}
	for _, absent := range []string{"Bent Bentsen", "Viggo Vind", "<th scope=\"col\">Status</th>"} {
		if strings.Contains(body, absent) {
			t.Errorf("the page shows %q", absent)
		}
	}
	// The protected person is marked in a column of their own, which is
	// no choice.
	for _, want := range []string{"<th scope=\"col\">Valgsted</th><th scope=\"col\">Parti</th><th scope=\"col\">Navn</th><th scope=\"col\">Mobil</th><th scope=\"col\">Adressebeskyttet</th>",
		`name="kol" value="mobil" checked`, "Valgstedslister til valgdagen", "7 på listen.", "<td>Hemmelig Hansen</td><td>&#43;4520304055</td><td>ja</td>",
		"markeret i kolonnen Adressebeskyttet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "/lister/valgsystem/") {
		t.Error("read-only staff are offered the export with CPR numbers")
	}

	// The print view: the list, no form.
	body = b.do(http.MethodGet, base+query+"&print=1", nil).Body.String()
	if !strings.Contains(body, "print-view") || strings.Contains(body, `<form method="get"`) || !strings.Contains(body, "<td>Åse Holm</td>") {
		t.Error("the print view is not the bare list")
	}

	// CSV with the chosen columns, in the same order.
	rec = b.do(http.MethodGet, base+"/udtraek/csv"+query, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", rec.Code, rec.Header())
	}
	recs := readCSV(t, rec.Body.Bytes())
	if !slices.Equal(recs[0], []string{"Valgsted", "Parti", "Navn", "Mobil", "Adressebeskyttet"}) {
		t.Errorf("CSV header %q", recs[0])
	}
	if got := column(recs[1:], 2); !slices.Equal(got, servingAtAby) {
		t.Errorf("CSV names %q, want %q", got, servingAtAby)
	}
	if recs[7][1] != "V · Venstre" || recs[7][3] != "+4520304050" || recs[7][0] != "Åbyskolen" || recs[7][4] != "" {
		t.Errorf("Åse Holm's row %q", recs[7])
	}
	if recs[2][2] != "Hemmelig Hansen" || recs[2][4] != "ja" {
		t.Errorf("the protected person's row %q", recs[2])
	}

	// XLSX, the same.
	rec = b.do(http.MethodGet, base+"/udtraek/xlsx"+query, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("XLSX: %d", rec.Code)
	}
	x := readXLSX(t, rec.Body.Bytes())
	rows, _ := x.GetRows(x.GetSheetList()[0])
	if !slices.Equal(rows[0], recs[0]) || !slices.Equal(column(rows[1:], 2), servingAtAby) {
		t.Errorf("XLSX rows %q", rows)
	}
	if n := f.auditCount(t, "list liste of election "+itoa(p.election.ID)+" as %: 7 rows"); n != 2 {
		t.Errorf("%d audit entries for the two downloads", n)
	}
	if rec := b.do(http.MethodGet, base+"/udtraek/pdf", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown format: %d", rec.Code)
	}
}

func TestListsOfAPartySecretary(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	b := f.loggedIn(t, models.RolePartySecretary) // party A
	base := "/valg/" + itoa(p.election.ID) + "/lister"
	rec := b.do(http.MethodGet, base, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Anne Andersen") || !strings.Contains(body, "Aagaard Nielsen") {
		t.Fatalf("secretary's list: %d", rec.Code)
	}
	for _, other := range []string{"Åse Holm", "Øster Hansen", "Viggo Vind", "Venstre", "Færdige lister", `name="parti"`} {
		if strings.Contains(body, other) {
			t.Errorf("a secretary of A sees %q", other)
		}
	}
	// Their own protected person, by name only: with every contact column
	// chosen, no mobile, e-mail or diet of theirs, and no mark either.
	all := "?kol=navn&kol=valgsted&kol=opgave&kol=status&kol=kost&kol=mobil&kol=email"
	body = b.do(http.MethodGet, base+all, nil).Body.String()
	hemmelig := p.added["Hemmelig Hansen"]
	if !strings.Contains(body, "<td>Åbyskolen</td><td>Tilforordnet</td><td>Hemmelig Hansen</td><td>Bekræftet</td><td></td><td></td><td></td>") ||
		!strings.Contains(body, "vises kun med navn") {
		t.Errorf("the secretary's row of the protected person is not by name only:\n%s", body)
	}
	for _, leak := range []string{strings.TrimPrefix(hemmelig.Mobile.Reveal(), "+"), hemmelig.Email.Reveal(), "Vegetar", "Adressebeskyttet"} {
		if strings.Contains(body, leak) {
			t.Errorf("a party secretary's list shows %q of the protected person", leak)
		}
	}
	if !strings.Contains(body, p.added["Zacho Berg"].Email.Reveal()) {
		t.Error("the others' contact data are missing: the check above proves nothing")
	}
	recs := readCSV(t, b.do(http.MethodGet, base+"/udtraek/csv"+all, nil).Body.Bytes())
	for _, r := range recs {
		if r[2] == "Hemmelig Hansen" && (len(r) != 7 || r[4] != "" || r[5] != "" || r[6] != "") {
			t.Errorf("the secretary's CSV row of the protected person %q", r)
		}
	}
	if len(recs[0]) != 7 || !slices.Contains(column(recs, 2), "Hemmelig Hansen") {
		t.Errorf("the secretary's CSV %q", recs)
	}
	recs = readCSV(t, b.do(http.MethodGet, base+"/udtraek/csv?kol=navn", nil).Body.Bytes())
	if got := column(recs[1:], 0); slices.Contains(got, "Åse Holm") || !slices.Contains(got, "Zacho Berg") {
		t.Errorf("secretary's CSV %q", got)
	}
	if rec := b.do(http.MethodGet, base+"?parti="+itoa(p.partyV.ID), nil); rec.Code != http.StatusForbidden {
		t.Errorf("secretary asking for party V: %d", rec.Code)
	}
	if rec := b.do(http.MethodGet, base+"/udtraek/csv?parti="+itoa(p.partyV.ID), nil); rec.Code != http.StatusForbidden {
		t.Errorf("secretary downloading party V: %d", rec.Code)
	}
	for _, ready := range []string{"valgsteder", "diaeter", "kost"} {
		if rec := b.do(http.MethodGet, base+"/"+ready+"/csv", nil); rec.Code != http.StatusForbidden {
			t.Errorf("secretary fetching %s: %d", ready, rec.Code)
		}
	}
}

func TestReadyMadeLists(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	b := f.loggedIn(t, models.RoleStaff)
	base := "/valg/" + itoa(p.election.ID) + "/lister"

	// Polling stations on election day: a sheet per station with a
	// signature column; Zacho Berg's task the day before is not on it.
	x := readXLSX(t, b.do(http.MethodGet, base+"/valgsteder/xlsx", nil).Body.Bytes())
	sheet := itoa(int64(p.aby.District)) + ". Åbyskolen"
	if !slices.Equal(x.GetSheetList(), []string{sheet}) {
		t.Fatalf("sheets %q", x.GetSheetList())
	}
	rows, _ := x.GetRows(sheet)
	if !slices.Equal(rows[0], []string{"Navn", "Opgavetype", "Parti", "Mobil", "Adressebeskyttet", "Fremmøde", "Underskrift"}) ||
		!slices.Equal(column(rows[1:], 0), servingAtAby) || rows[1][2] != "A" {
		t.Errorf("station sheet %q", rows)
	}
	if r := rows[2]; r[0] != "Hemmelig Hansen" || r[4] != "ja" {
		t.Errorf("the protected person's row on the station sheet %q", r)
	}
	recs := readCSV(t, b.do(http.MethodGet, base+"/valgsteder/csv", nil).Body.Bytes())
	if !slices.Equal(recs[0], []string{"Valgsted", "Afstemningsområde", "Navn", "Opgavetype", "Parti", "Mobil", "Adressebeskyttet", "Fremmøde", "Underskrift"}) ||
		len(recs) != 8 || recs[1][0] != "Åbyskolen" || recs[1][1] != itoa(int64(p.aby.District)) {
		t.Errorf("stations CSV %q", recs)
	}
	for _, r := range recs[1:] {
		if (r[6] == "ja") != (r[2] == "Hemmelig Hansen") {
			t.Errorf("stations CSV row %q marked wrongly", r)
		}
	}

	// Diæt: every task of each person who served, their total on their
	// last row, a grand total at the end.
	recs = readCSV(t, b.do(http.MethodGet, base+"/diaeter/csv", nil).Body.Bytes())
	tf, vs := p.tilforordnet.AllowanceKr, p.styrer.AllowanceKr
	var zacho [][]string
	for _, r := range recs {
		if r[0] == "Zacho Berg" {
			zacho = append(zacho, r)
		}
	}
	if len(zacho) != 2 || zacho[0][5] != "" || zacho[1][5] != strconv.Itoa(tf+vs) {
		t.Errorf("Zacho Berg's diæt rows %q (allowances %d, %d)", zacho, tf, vs)
	}
	total := recs[len(recs)-1]
	if total[0] != "I alt" || total[4] != strconv.Itoa(7*tf+vs) {
		t.Errorf("grand total %q", total)
	}
	if got := column(recs[1:len(recs)-1], 0); !slices.Contains(got, "Hemmelig Hansen") || slices.Contains(got, "Bent Bentsen") {
		t.Errorf("diæt list names %q", got)
	}
	// The protected person is paid: on the diæt list, marked, no address.
	if recs[0][6] != "Adressebeskyttet" {
		t.Errorf("diæt header %q", recs[0])
	}
	for _, r := range recs[1 : len(recs)-1] {
		// The last column is the day's mark: a completed task is present.
		if (r[6] == "ja") != (r[0] == "Hemmelig Hansen") || len(r) != 8 || (r[7] == "Mødt") != (r[2] == "18-01-2027") {
			t.Errorf("diæt row %q marked wrongly", r)
		}
		if r[0] == "Hemmelig Hansen" && (r[4] != strconv.Itoa(tf) || r[5] != strconv.Itoa(tf)) {
			t.Errorf("the protected person's diæt %q", r)
		}
	}

	// Special diets: Hemmelig Hansen's too, marked.
	recs = readCSV(t, b.do(http.MethodGet, base+"/kost/csv", nil).Body.Bytes())
	if len(recs) != 3 || recs[1][2] != "Hemmelig Hansen" || recs[1][5] != "Vegetar" || recs[1][6] != "ja" ||
		recs[2][2] != "Aagaard Nielsen" || recs[2][5] != "Glutenfri" || recs[2][6] != "" {
		t.Errorf("diets %q", recs)
	}
	for _, list := range []string{"valgsteder", "diaeter", "kost"} {
		if n := f.auditCount(t, "list "+list+" of election %"); n == 0 {
			t.Errorf("the %s export is not in the audit log", list)
		}
	}
}

func TestElectionSystemExportIsForStaffWhoWriteAndAudited(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	path := "/valg/" + itoa(p.election.ID) + "/lister/valgsystem/"

	ro := f.loggedIn(t, models.RoleReadOnly)
	if rec := ro.do(http.MethodPost, path+"xlsx", url.Values{"csrf_token": {ro.csrf()}}); rec.Code != http.StatusForbidden {
		t.Errorf("read-only export: %d", rec.Code)
	}
	staff := f.loggedIn(t, models.RoleStaff)
	if rec := staff.do(http.MethodGet, path+"xlsx", nil); rec.Code == http.StatusOK {
		t.Error("the export answers a GET")
	}
	tok := staff.csrfFrom("/valg/" + itoa(p.election.ID) + "/lister")
	if tok == "" {
		t.Fatal("the list page offers staff no export form")
	}
	rec := staff.do(http.MethodPost, path+"xlsx", url.Values{"csrf_token": {tok}})
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
	x := readXLSX(t, rec.Body.Bytes())
	rows, _ := x.GetRows(x.GetSheetList()[0])
	if !slices.Equal(rows[0], []string{"Opgavetype", "Navn", "Fødselsdato", "Afstemningsområde", "CPR-nummer", "Adressebeskyttet"}) {
		t.Fatalf("header %q", rows[0])
	}
	var anne, hemmelig []string
	for _, r := range rows {
		switch r[1] {
		case "Anne Andersen":
			anne = r
		case "Hemmelig Hansen":
			hemmelig = r
		}
	}
	// XLSX leaves out a row's empty cells at its end.
	if !slices.Equal(anne, []string{"Tilforordnet", "Anne Andersen", "01-01-1970", itoa(int64(p.aby.District)), "010170-0001"}) {
		t.Errorf("Anne Andersen's row %q", anne)
	}
	// The protected person is in the election system, marked; the export
	// holds no address (its columns are the header's).
	if !slices.Equal(hemmelig, []string{"Tilforordnet", "Hemmelig Hansen", "02-02-1980", itoa(int64(p.aby.District)), "020280-0105", "ja"}) {
		t.Errorf("the protected person's row %q", hemmelig)
	}
	// 7 at Åbyskolen on the day and Zacho Berg's second task: 8 rows, 7 people.
	if len(rows) != 9 {
		t.Errorf("%d rows", len(rows))
	}
	if n := f.auditCount(t, "list valgsystem of election % as xlsx: 8 rows"); n != 1 {
		t.Errorf("%d summary entries", n)
	}
	var perPerson int64
	f.db.Model(&models.AuditEntry{}).Where("action = ? AND participant_id IS NOT NULL", models.AuditExport).Count(&perPerson)
	if perPerson != 7 {
		t.Errorf("%d per-person entries, want 7", perPerson)
	}
	recs := readCSV(t, staff.do(http.MethodPost, path+"csv", url.Values{"csrf_token": {tok}}).Body.Bytes())
	if len(recs) != 9 || !slices.Contains(column(recs, 4), "010170-0001") || !slices.Contains(column(recs, 5), "ja") {
		t.Errorf("CSV export %q", recs)
	}
}
