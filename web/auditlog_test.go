package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// auditLogFixture is the web fixture with keys (a CPR number typed in the
// filter becomes its blind index) and a log: a person read by staff, a
// system entry about them, a lookup of a number never registered, and an
// entry by a user whose name is a formula.
type auditLogFixture struct {
	*fixture
	uses         usecases.UseCases
	person       models.Participant
	personCPR    string // registered
	strangerCPR  string // looked up, never registered
	strangerIdx  string
	formulaActor models.User
}

const formulaName = `=HYPERLINK("http://evil.example","klik")`

func newAuditLogFixture(t *testing.T) *auditLogFixture {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	uses := usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Keys: keys, Now: func() time.Time { return now }, Log: quietLog()})
	f.app = web.New(site.Deps{UseCases: uses, Now: func() time.Time { return now }, Log: quietLog()})
	a := &auditLogFixture{fixture: f, uses: uses, personCPR: "010170-4001", strangerCPR: "020280-4002"}
	number, _ := models.ParseCPR(a.personCPR)
	stranger, _ := models.ParseCPR(a.strangerCPR)
	a.strangerIdx = store.CPRIndex(keys, stranger)
	a.person = models.Participant{CPR: models.NewSecret(number.Digits()), CPRIndex: store.CPRIndex(keys, number), Name: "Karen Ærø",
		Email: models.NewSecret(""), Mobile: models.NewSecret(""), CreatedAt: now, UpdatedAt: now}
	mustDo(t, db.Create(&a.person).Error)
	a.formulaActor = models.User{Email: "formel@sondera.example", Name: formulaName, Role: models.RoleStaff, CreatedAt: now}
	mustDo(t, db.Create(&a.formulaActor).Error)
	staff := f.users[models.RoleStaff]
	at := now.Add(-48 * time.Hour)
	for _, e := range []models.AuditEntry{
		{At: at, ActorID: &staff.ID, Action: models.AuditParticipantRead, ParticipantID: &a.person.ID},
		{At: at.Add(time.Minute), Action: models.AuditLifecycle, ParticipantID: &a.person.ID, Detail: "invited"},
		{At: at.Add(2 * time.Minute), ActorID: &staff.ID, Action: models.AuditCPRLookup, SubjectIndex: &a.strangerIdx, Detail: "not found"},
		{At: at.Add(3 * time.Minute), ActorID: &a.formulaActor.ID, Action: models.AuditElectionChanged, Detail: "+45 as a detail"},
	} {
		mustDo(t, store.Audit(db, e))
	}
	return a
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// lastEntry is the newest entry of action.
func (a *auditLogFixture) lastEntry(t *testing.T, action models.AuditAction) models.AuditEntry {
	t.Helper()
	var e models.AuditEntry
	a.db.Where("action = ?", action).Order("id DESC").Limit(1).Find(&e)
	return e
}

func (a *auditLogFixture) count(action models.AuditAction) int64 {
	var n int64
	a.db.Model(&models.AuditEntry{}).Where("action = ?", action).Count(&n)
	return n
}

var cprInText = regexp.MustCompile(`\d{6}[- ]?\d{4}`)

// noCPRInDetails: no entry of the log holds a CPR number in its detail.
func (a *auditLogFixture) noCPRInDetails(t *testing.T) {
	t.Helper()
	var es []models.AuditEntry
	a.db.Find(&es)
	for _, e := range es {
		if cprInText.MatchString(e.Detail) || strings.Contains(e.Detail, strings.ReplaceAll(a.strangerCPR, "-", "")) {
			t.Errorf("entry %d (%s) has a CPR number in its detail: %q", e.ID, e.Action, e.Detail)
		}
	}
}

// An administrator sees every entry, newest first, with its actor (or
// the system), its action in Danish and its person (or "ikke
// registreret"); the reading is in the log afterwards.
func TestAuditLogPageShowsEveryEntry(t *testing.T) {
	a := newAuditLogFixture(t)
	admin := a.loggedIn(t, models.RoleAdmin)
	rec := admin.do(http.MethodGet, "/admin/revisionslog", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("page: %d %s", rec.Code, body)
	}
	for _, want := range []string{
		"Revisionslog", "Person vist", "Invitationsforløb", "Opslag i CPR-registret", "Valgets indstillinger ændret",
		`<a href="/deltagere/` + itoa(a.person.ID) + `">Karen Ærø</a>`, "<em>System</em>", "ikke registreret",
		"Test staff", "=HYPERLINK(&#34;http://evil.example&#34;,&#34;klik&#34;)", "not found",
		`href="/admin/revisionslog.csv"`, `<a href="/admin/revisionslog">Revisionslog</a>`, // the nav link
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Newest first: the formula actor's entry (newest) before the staff read.
	if rows := between(body, "<tbody>", "</tbody>"); strings.Index(rows, "Valgets indstillinger ændret") > strings.Index(rows, "Person vist") {
		t.Error("entries are not newest first")
	}
	read := a.lastEntry(t, models.AuditAuditLogRead)
	if read.ActorID == nil || *read.ActorID != a.users[models.RoleAdmin].ID || read.Detail != "audit log read; filter: none" {
		t.Fatalf("the reading is not in the log: %+v", read)
	}
	// In English the actions are English.
	if body := admin.do(http.MethodGet, "/admin/revisionslog?lang=en", nil).Body.String(); !strings.Contains(body, "CPR register lookup") || !strings.Contains(body, "not registered") {
		t.Error("the English page has no English actions")
	}
	a.noCPRInDetails(t)
}

// Filters by actor, action, person id and date keep the page to their
// entries, and the reading's detail names the filter.
func TestAuditLogFiltersOnThePage(t *testing.T) {
	a := newAuditLogFixture(t)
	admin := a.loggedIn(t, models.RoleAdmin)
	get := func(q string) string {
		t.Helper()
		rec := admin.do(http.MethodGet, "/admin/revisionslog?"+q, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	tbody := func(s string) string { return between(s, "<tbody>", "</tbody>") }
	if body := tbody(get("aktoer=system")); !strings.Contains(body, "Invitationsforløb") || strings.Contains(body, "Person vist") {
		t.Errorf("system filter: %s", body)
	}
	if body := tbody(get("aktoer=" + itoa(a.formulaActor.ID))); !strings.Contains(body, "Valgets indstillinger ændret") || strings.Contains(body, "Invitationsforløb") {
		t.Errorf("actor filter: %s", body)
	}
	if body := tbody(get("handling=cpr.lookup")); !strings.Contains(body, "ikke registreret") || strings.Contains(body, "Person vist") {
		t.Errorf("action filter: %s", body)
	}
	body := tbody(get("person=" + itoa(a.person.ID)))
	if !strings.Contains(body, "Person vist") || !strings.Contains(body, "Invitationsforløb") || strings.Contains(body, "Valgets indstillinger") {
		t.Errorf("person filter: %s", body)
	}
	read := a.lastEntry(t, models.AuditAuditLogRead)
	if read.ParticipantID == nil || *read.ParticipantID != a.person.ID || !strings.Contains(read.Detail, "person="+itoa(a.person.ID)) {
		t.Errorf("a reading by person is not the person's: %+v", read)
	}
	// The fixture's entries are two days before now; a day range of
	// yesterday and today has none of them, only the readings.
	day := now.In(models.Copenhagen).Format("2006-01-02")
	yesterday := now.In(models.Copenhagen).AddDate(0, 0, -1).Format("2006-01-02")
	if body := tbody(get("fra=" + yesterday + "&til=" + day)); strings.Contains(body, "Person vist") || !strings.Contains(body, "Revisionslog læst") {
		t.Errorf("date filter: %s", body)
	}
	if read := a.lastEntry(t, models.AuditAuditLogRead); !strings.Contains(read.Detail, "from="+yesterday) || !strings.Contains(read.Detail, "to="+day) {
		t.Errorf("date filter's reading: %q", read.Detail)
	}
	a.noCPRInDetails(t)
}

// A CPR number typed in the filter finds the entries of a registered
// person and the lookups of a number never registered; it never stays in
// the address, the page or the log's detail (the reading's SubjectIndex
// holds its blind index).
func TestAuditLogFilterByCPR(t *testing.T) {
	a := newAuditLogFixture(t)
	admin := a.loggedIn(t, models.RoleAdmin)
	digits := func(s string) string { return strings.ReplaceAll(s, "-", "") }
	for _, c := range []struct {
		cpr, want, notWant string
	}{
		{a.strangerCPR, "ikke registreret", "Person vist"},
		{a.personCPR, "Person vist", "ikke registreret"},
	} {
		rec := admin.post("/konto", "/admin/revisionslog", url.Values{"cpr": {c.cpr}})
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.Contains(loc, "cprindeks=") || strings.Contains(loc, digits(c.cpr)[:6]) {
			t.Fatalf("filter by CPR: %d %q", rec.Code, loc)
		}
		page := admin.do(http.MethodGet, loc, nil)
		body := page.Body.String()
		rows := between(body, "<tbody>", "</tbody>")
		if page.Code != http.StatusOK || !strings.Contains(rows, c.want) || strings.Contains(rows, c.notWant) || !strings.Contains(body, "Filtreret på et CPR-nummer") {
			t.Errorf("by %s: %d %s", c.cpr, page.Code, rows)
		}
		if strings.Contains(body, c.cpr) || strings.Contains(body, digits(c.cpr)) {
			t.Error("the page shows the CPR number typed")
		}
		// The paging and CSV links keep the index, not the number.
		if !strings.Contains(body, "/admin/revisionslog.csv?cprindeks=") {
			t.Error("the CSV link lost the filter")
		}
		read := a.lastEntry(t, models.AuditAuditLogRead)
		number, _ := models.ParseCPR(c.cpr)
		keys := storetest.WithKeys(t, a.db)
		if read.Detail != "audit log read; filter: person by CPR" || read.SubjectIndex == nil || *read.SubjectIndex != store.CPRIndex(keys, number) {
			t.Errorf("the reading by CPR: %+v", read)
		}
	}
	// A CPR number in the address is moved out of it before anything is read.
	before := a.count(models.AuditAuditLogRead)
	rec := admin.do(http.MethodGet, "/admin/revisionslog?cpr="+a.strangerCPR, nil)
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.Contains(loc, "cprindeks="+a.strangerIdx) {
		t.Errorf("CPR in the address: %d %q", rec.Code, loc)
	}
	if a.count(models.AuditAuditLogRead) != before {
		t.Error("a redirect was logged as a reading")
	}
	a.noCPRInDetails(t)
}

// A CPR number that is not one, an unknown actor or action, a date that is
// not one and a range backwards are refused at their fields, with nothing
// read and the number not echoed.
func TestAuditLogRefusesABadFilter(t *testing.T) {
	a := newAuditLogFixture(t)
	admin := a.loggedIn(t, models.RoleAdmin)
	before := a.count(models.AuditAuditLogRead)
	for _, c := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{url.Values{"cpr": {"010170-40"}}, "cpr", "CPR-nummeret skal have 10 cifre"},
		{url.Values{"cpr": {"123456789"}}, "cpr", "CPR-nummeret skal have 10 cifre"},
		{url.Values{"cpr": {"310270-1234"}}, "cpr", "CPR-nummeret indeholder ikke en gyldig fødselsdato"},
		{url.Values{"cpr": {"Karen"}}, "cpr", "CPR-nummeret må kun indeholde cifre"},
		{url.Values{"person": {"0101704001"}}, "person", "Deltagerens id er et tal"},
		{url.Values{"person": {"Karen"}}, "person", "Deltagerens id er et tal"},
		{url.Values{"person": {"5"}, "cpr": {"010170-4001"}}, "cpr", "ikke begge"},
		{url.Values{"aktoer": {"999999"}}, "aktoer", "Vælg en bruger fra listen"},
		{url.Values{"handling": {"drop table"}}, "handling", "Vælg en handling fra listen"},
		{url.Values{"fra": {"2026-13-01"}}, "fra", "Skriv datoen som ÅÅÅÅ-MM-DD"},
		{url.Values{"fra": {"2026-11-20"}, "til": {"2026-11-19"}}, "til", "Til-datoen ligger før fra-datoen"},
		{url.Values{"cprindeks": {"0101704001"}}, "cpr", "Filteret på CPR-nummer kan ikke bruges"},
	} {
		rec := admin.post("/konto", "/admin/revisionslog", c.form)
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) ||
			!strings.Contains(body, `id="`+c.field+`-error"`) || !strings.Contains(body, "Filteret kan ikke bruges") {
			t.Errorf("%v: %d, want 422 with %q at %s", c.form, rec.Code, c.want, c.field)
		}
		for _, typed := range []string{c.form.Get("person"), c.form.Get("cpr"), c.form.Get("cprindeks")} {
			if typed != "" && typed != "5" && strings.Contains(body, `value="`+typed+`"`) {
				t.Errorf("%v: %q is shown again", c.form, typed)
			}
		}
		if strings.Contains(body, "<tbody>") {
			t.Errorf("%v: entries shown with a refused filter", c.form)
		}
	}
	// The same by address, and for the CSV file.
	if rec := admin.do(http.MethodGet, "/admin/revisionslog?cpr=010170-40", nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("page with a bad CPR number: %d", rec.Code)
	}
	if rec := admin.do(http.MethodGet, "/admin/revisionslog.csv?til=igaar", nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("CSV with a bad date: %d", rec.Code)
	}
	if a.count(models.AuditAuditLogRead) != before || a.count(models.AuditAuditLogExport) != 0 {
		t.Error("a refused filter was read")
	}
}

// The CSV file has every entry the filter chooses, each cell
// formula-safe; the export is in the log, and in its own file.
func TestAuditLogCSV(t *testing.T) {
	a := newAuditLogFixture(t)
	admin := a.loggedIn(t, models.RoleAdmin)
	rec := admin.do(http.MethodGet, "/admin/revisionslog.csv", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "revisionslog.csv") {
		t.Fatalf("CSV: %d %v", rec.Code, rec.Header())
	}
	rows := readCSV(t, rec.Body.Bytes())
	if got := strings.Join(rows[0], "|"); got != "Tidspunkt|Udført af|Handling|Person|Detaljer" {
		t.Errorf("header %q", got)
	}
	// The export itself leads (it is written before the log is read).
	if rows[1][1] != "Test admin" || rows[1][2] != "Revisionslog udtrukket" || rows[1][4] != "audit log export (CSV); filter: none" {
		t.Errorf("first row %q", rows[1])
	}
	byAction := map[string][]string{}
	for _, r := range rows[1:] {
		byAction[r[2]] = r
	}
	if r := byAction["Valgets indstillinger ændret"]; r == nil || r[1] != "'"+formulaName || r[4] != "'+45 as a detail" {
		t.Errorf("formula actor's row %q: want the name guarded", r)
	}
	if r := byAction["Opslag i CPR-registret"]; r == nil || r[3] != "ikke registreret" || r[1] != "Test staff" {
		t.Errorf("lookup row %q", r)
	}
	if r := byAction["Invitationsforløb"]; r == nil || r[1] != "System" || r[3] != "Karen Ærø" {
		t.Errorf("system row %q", r)
	}
	if want := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC).In(models.Copenhagen).Format("2006-01-02 15:04:05"); byAction["Person vist"][0] != want {
		t.Errorf("time %q, want %q (Copenhagen)", byAction["Person vist"][0], want)
	}
	export := a.lastEntry(t, models.AuditAuditLogExport)
	if export.ActorID == nil || *export.ActorID != a.users[models.RoleAdmin].ID {
		t.Errorf("export not in the log: %+v", export)
	}
	// With a filter: only its entries, the filter in the export's detail.
	rec = admin.do(http.MethodGet, "/admin/revisionslog.csv?aktoer=system", nil)
	rows = readCSV(t, rec.Body.Bytes())
	if len(rows) != 2 || rows[1][2] != "Invitationsforløb" {
		t.Errorf("system-only CSV: %q", rows)
	}
	if d := a.lastEntry(t, models.AuditAuditLogExport).Detail; d != "audit log export (CSV); filter: actor=system" {
		t.Errorf("export detail %q", d)
	}
	// By CPR number in the address: moved out of it first.
	rec = admin.do(http.MethodGet, "/admin/revisionslog.csv?cpr="+a.strangerCPR, nil)
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/revisionslog.csv?cprindeks=") {
		t.Errorf("CSV by CPR: %d %q", rec.Code, loc)
	}
	rows = readCSV(t, admin.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.Bytes())
	if len(rows) != 3 || rows[1][2] != "Revisionslog udtrukket" || rows[2][2] != "Opslag i CPR-registret" || rows[2][3] != "ikke registreret" {
		t.Errorf("CSV by CPR: %q", rows)
	}
	if d := a.lastEntry(t, models.AuditAuditLogExport); d.Detail != "audit log export (CSV); filter: person by CPR" || d.SubjectIndex == nil || *d.SubjectIndex != a.strangerIdx {
		t.Errorf("export by CPR: %+v", d)
	}
	a.noCPRInDetails(t)
}

// Staff, read-only staff and party secretaries get neither the page, the
// form nor the file (403), and the use case refuses them too.
func TestAuditLogIsForAdministratorsOnly(t *testing.T) {
	a := newAuditLogFixture(t)
	for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
		b := a.loggedIn(t, role)
		for _, target := range []string{"/admin/revisionslog", "/admin/revisionslog?aktoer=system", "/admin/revisionslog.csv", "/admin/revisionslog.csv?person=" + itoa(a.person.ID)} {
			if rec := b.do(http.MethodGet, target, nil); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "Karen") {
				t.Errorf("%s GET %s: %d", role, target, rec.Code)
			}
		}
		rec := b.do(http.MethodPost, "/admin/revisionslog", url.Values{"csrf_token": {b.csrf()}, "cpr": {a.personCPR}})
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s POST: %d", role, rec.Code)
		}
		if strings.Contains(b.do(http.MethodGet, "/konto", nil).Body.String(), `href="/admin/revisionslog"`) {
			t.Errorf("%s has the nav link", role)
		}
		ctx := context.Background()
		u := a.users[role]
		if _, err := a.uses.People.AuditLog(ctx, u, models.AuditFilter{}, models.AuditCursor{}, models.AuditCursor{}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s AuditLog: %v", role, err)
		}
		if err := a.uses.People.ExportAuditLog(ctx, u, models.AuditFilter{}, func([]models.AuditRow) error { return nil }); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s ExportAuditLog: %v", role, err)
		}
		if _, _, err := a.uses.People.AuditLogFilter(ctx, u, people.AuditLogQuery{}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s AuditLogFilter: %v", role, err)
		}
	}
	if n := a.count(models.AuditAuditLogRead) + a.count(models.AuditAuditLogExport); n != 0 {
		t.Errorf("%d readings by those refused", n)
	}
}

// The page shows 50 entries; the older and newer links keep the filter
// and lead through the rest.
func TestAuditLogPaging(t *testing.T) {
	a := newAuditLogFixture(t)
	staff := a.users[models.RoleStaff]
	for i := range 60 {
		mustDo(t, store.Audit(a.db, models.AuditEntry{At: now.Add(-time.Duration(i+1) * time.Second), ActorID: &staff.ID,
			Action: models.AuditExport, Detail: "page entry " + itoa(int64(i))}))
	}
	admin := a.loggedIn(t, models.RoleAdmin)
	body := admin.do(http.MethodGet, "/admin/revisionslog?handling=export", nil).Body.String()
	if n := strings.Count(between(body, "<tbody>", "</tbody>"), "<tr>"); n != people.AuditLogPageSize {
		t.Fatalf("first page: %d rows", n)
	}
	older := pagerLink(body, "next")
	if !strings.Contains(older, "handling=export") || !strings.Contains(older, "aeldre=") || pagerLink(body, "prev") != "" {
		t.Fatalf("first page's links: older %q", older)
	}
	first := between(body, "<tbody>", "</tbody>")
	body = admin.do(http.MethodGet, older, nil).Body.String()
	rows := between(body, "<tbody>", "</tbody>")
	if n := strings.Count(rows, "<tr>"); n != 10 || !strings.Contains(rows, "page entry 59<") || strings.Contains(rows, "page entry 49<") {
		t.Errorf("second page: %d rows %s", n, rows)
	}
	newer := pagerLink(body, "prev")
	if pagerLink(body, "next") != "" || !strings.Contains(newer, "handling=export") || !strings.Contains(newer, "nyere=") || !strings.Contains(body, ">Nyeste<") {
		t.Fatalf("the last page's links: newer %q", newer)
	}
	// Back: the first page again (the readings are of another action).
	if back := between(admin.do(http.MethodGet, newer, nil).Body.String(), "<tbody>", "</tbody>"); back != first {
		t.Error("the newer page is not the first page")
	}
}

var pagerLinks = regexp.MustCompile(`<a href="([^"]+)" rel="(next|prev)">`)

// pagerLink is the page's link to the next (older) or prev (newer) page.
func pagerLink(body, rel string) string {
	for _, m := range pagerLinks.FindAllStringSubmatch(body, -1) {
		if m[2] == rel {
			return strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return ""
}

// Every action the filter offers has its name in both languages.
func TestAuditLogActionsAreTranslated(t *testing.T) {
	for _, a := range people.AuditActions {
		for _, l := range locale.Languages() {
			if !locale.Has(l, "auditlog.action."+string(a)) {
				t.Errorf("%s: action %q has no name", l, a)
			}
		}
	}
}
