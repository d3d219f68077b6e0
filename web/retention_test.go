package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// retentionTemporal records the workflows started and the signals sent.
type retentionTemporal struct {
	startRecorder
	smu     sync.Mutex
	signals []string
}

func (r *retentionTemporal) SignalWorkflow(_ context.Context, id, _, name string, _ any) error {
	r.smu.Lock()
	defer r.smu.Unlock()
	r.signals = append(r.signals, id+" "+name)
	return nil
}

// newClosingPage is the group page's election (Åse confirmed on the day
// and the day before at the first station, Bent declined at the second,
// Carl nominated at the third) with the clock at clock(election day).
func newClosingPage(t *testing.T, clock func(day models.Date) time.Time) (*groupPage, *retentionTemporal) {
	t.Helper()
	g := newGroupPage(t)
	rt := &retentionTemporal{}
	at := clock(g.election.ElectionDay)
	g.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: g.db, Temporal: rt, Now: func() time.Time { return at }, Log: quietLog()}), Now: func() time.Time { return at }, Log: quietLog()})
	g.clock = func() time.Time { return at } // the login's TOTP code
	return g, rt
}

func fixedClock(at time.Time) func(models.Date) time.Time {
	return func(models.Date) time.Time { return at }
}

func (g *groupPage) assignmentOf(t *testing.T, name string, day models.Date) models.Assignment {
	t.Helper()
	var a models.Assignment
	must(t, g.db.Joins("JOIN participants p ON p.id = assignments.participant_id").
		Where("p.name = ? AND assignments.day = ?", name, day).First(&a).Error)
	return a
}

func (g *groupPage) stateOf(t *testing.T, id int64) models.AssignmentState {
	t.Helper()
	var a models.Assignment
	must(t, g.db.First(&a, id).Error)
	return a.State
}

func TestClosingPageMarksAttendance(t *testing.T) {
	g, _ := newClosingPage(t, func(day models.Date) time.Time { return day.In(models.Copenhagen).Add(21 * time.Hour) })
	day := g.election.ElectionDay
	path := "/valg/" + itoa(g.election.ID) + "/afslutning"
	staff := g.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, path, nil).Body.String()
	for _, want := range []string{"Åse Andersen", "Fremmøde", "Prøvekørsel", "/afslutning/fremmoede", "Alle 2 bekræftede mødte"} {
		if !strings.Contains(page, want) {
			t.Fatalf("closing page lacks %q: %s", want, page)
		}
	}
	if strings.Contains(page, "Bent Berg") || strings.Contains(page, "Carl Clausen") {
		t.Error("the closing page lists people who were not confirmed")
	}
	ro := g.loggedIn(t, models.RoleReadOnly)
	if page := ro.do(http.MethodGet, path, nil); page.Code != http.StatusOK || strings.Contains(page.Body.String(), "/afslutning/fremmoede") {
		t.Errorf("read-only: %d, or offered the marking", page.Code)
	}
	onDay := g.assignmentOf(t, "Åse Andersen", day)
	if code, _ := g.post(ro, path+"/fremmoede", url.Values{"assignment": {itoa(onDay.ID)}, "state": {"no_show"}}); code != http.StatusForbidden {
		t.Errorf("read-only marks: %d", code)
	}
	if code, _ := g.post(staff, path+"/fremmoede", url.Values{"assignment": {itoa(onDay.ID)}, "state": {"no_show"}}); code != http.StatusSeeOther {
		t.Fatalf("mark no-show: %d", code)
	}
	if s := g.stateOf(t, onDay.ID); s != models.StateNoShow {
		t.Errorf("after marking: %s", s)
	}
	bent := g.assignmentOf(t, "Bent Berg", day)
	if code, body := g.post(staff, path+"/fremmoede", url.Values{"assignment": {itoa(bent.ID)}, "state": {"completed"}}); code != 422 ||
		!strings.Contains(body, "Kun bekræftede") {
		t.Errorf("declined marked: %d", code)
	}
	// The rest of the first station in bulk: Åse's day before.
	var first models.PollingStation
	g.db.Order("district").First(&first)
	if code, _ := g.post(staff, path+"/valgsted", url.Values{"station": {itoa(first.ID)}, "state": {"completed"}}); code != http.StatusSeeOther {
		t.Fatalf("bulk: %d", code)
	}
	if s := g.stateOf(t, g.assignmentOf(t, "Åse Andersen", day.AddDays(-1)).ID); s != models.StateCompleted {
		t.Errorf("bulk left the day before %s", s)
	}
	if s := g.stateOf(t, onDay.ID); s != models.StateNoShow {
		t.Errorf("bulk changed the no-show to %s", s)
	}

	// Before the day nothing can be marked.
	early, _ := newClosingPage(t, func(day models.Date) time.Time { return day.AddDays(-3).In(models.Copenhagen) })
	staffEarly := early.loggedIn(t, models.RoleStaff)
	if code, body := early.post(staffEarly, "/valg/"+itoa(early.election.ID)+"/afslutning/fremmoede",
		url.Values{"assignment": {itoa(early.assignmentOf(t, "Åse Andersen", day).ID)}, "state": {"completed"}}); code != 422 ||
		!strings.Contains(body, "først registreres") {
		t.Errorf("before the day: %d", code)
	}
}

func TestClosingStartsAndReschedulesRetention(t *testing.T) {
	g, rt := newClosingPage(t, fixedClock(now))
	id := itoa(g.election.ID)
	staff := g.loggedIn(t, models.RoleStaff)
	if code, _ := g.post(staff, "/valg/"+id+"/tilstand", url.Values{"state": {"closed"}}); code != http.StatusSeeOther {
		t.Fatalf("close: %d", code)
	}
	if len(rt.started) != 1 || rt.started[0] != "retention-election-"+id {
		t.Fatalf("started %v, want the election's retention workflow", rt.started)
	}
	path := "/valg/" + id + "/afslutning/opbevaring"
	if code, body := g.post(staff, path, url.Values{"retention_days": {"mange"}}); code != 422 || !strings.Contains(body, "helt tal") {
		t.Errorf("bad retention: %d", code)
	}
	if code, _ := g.post(staff, path, url.Values{"retention_days": {"180"}}); code != http.StatusSeeOther {
		t.Fatalf("retention: %d", code)
	}
	var e models.Election
	g.db.First(&e, g.election.ID)
	if e.RetentionDays != 180 {
		t.Errorf("retention %d, want 180", e.RetentionDays)
	}
	if len(rt.signals) != 1 || rt.signals[0] != "retention-election-"+id+" reschedule" {
		t.Errorf("signals %v", rt.signals)
	}
	page := staff.do(http.MethodGet, "/valg/"+id+"/afslutning", nil).Body.String()
	if !strings.Contains(page, "slettes 180 dage efter valgdagen") {
		t.Errorf("closing page after the change: %s", page)
	}
}

func TestAdminDeletesPeopleWithTheWord(t *testing.T) {
	g, _ := newClosingPage(t, fixedClock(now))
	admin := g.loggedIn(t, models.RoleAdmin)
	staff := g.loggedIn(t, models.RoleStaff)
	if rec := staff.do(http.MethodGet, "/admin/sletning", nil); rec.Code != http.StatusForbidden {
		t.Errorf("staff sees the deletion page: %d", rec.Code)
	}
	page := admin.do(http.MethodGet, "/admin/sletning", nil).Body.String()
	if !strings.Contains(page, "Bent Berg") || !strings.Contains(page, "Skriv SLET") {
		t.Fatalf("deletion page: %s", page)
	}
	var bent, carl models.Participant
	g.db.Where("name = ?", "Bent Berg").First(&bent)
	g.db.Where("name = ?", "Carl Clausen").First(&carl)
	if code, body := g.post(admin, "/admin/sletning", url.Values{"participant": {itoa(bent.ID)}, "confirm": {"slet"}}); code != 422 ||
		!strings.Contains(body, "Skriv SLET") || !strings.Contains(body, `value="`+itoa(bent.ID)+`" checked`) {
		t.Errorf("wrong word: %d", code)
	}
	if code, body := g.post(admin, "/admin/sletning", url.Values{"participant": {itoa(carl.ID)}, "confirm": {"SLET"}}); code != 422 ||
		!strings.Contains(body, "Fjern dem fra pladsen") {
		t.Errorf("nominated person: %d", code)
	}
	if code, _ := g.post(staff, "/admin/sletning", url.Values{"participant": {itoa(bent.ID)}, "confirm": {"SLET"}}); code != http.StatusForbidden {
		t.Errorf("staff deletes: %d", code)
	}
	if code, _ := g.post(admin, "/admin/sletning", url.Values{"participant": {itoa(bent.ID)}, "confirm": {"SLET"}}); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	var n int64
	g.db.Model(&models.Participant{}).Where("id = ?", bent.ID).Count(&n)
	if n != 0 {
		t.Error("Bent is still there")
	}
	var entries []models.AuditEntry
	g.db.Where("action = ?", models.AuditParticipantDeleted).Find(&entries)
	if len(entries) != 1 || strings.Contains(entries[0].Detail, "Bent") || entries[0].ParticipantID != nil {
		t.Errorf("deletion audit %+v", entries)
	}
}

func TestSubjectAccessDownload(t *testing.T) {
	g, _ := newClosingPage(t, fixedClock(now))
	var aase models.Participant
	g.db.Where("name = ?", "Åse Andersen").First(&aase)
	path := "/deltagere/" + itoa(aase.ID) + "/indsigt"
	ro := g.loggedIn(t, models.RoleReadOnly)
	if rec := ro.do(http.MethodPost, path, url.Values{"csrf_token": {ro.csrf()}}); rec.Code != http.StatusForbidden {
		t.Errorf("read-only: %d", rec.Code)
	}
	staff := g.loggedIn(t, models.RoleStaff)
	// A GET writes nothing: the export (which reveals and audits) is a POST
	// with the form's token.
	if rec := staff.do(http.MethodGet, path, nil); rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET of the export: %d, want no such page", rec.Code)
	}
	if rec := staff.do(http.MethodPost, path, nil); rec.Code != http.StatusForbidden {
		t.Errorf("export without the CSRF token: %d", rec.Code)
	}
	var none int64
	g.db.Model(&models.AuditEntry{}).Where("participant_id = ?", aase.ID).Count(&none)
	if none != 0 {
		t.Fatalf("a refused export wrote %d audit entries", none)
	}
	page := staff.do(http.MethodGet, "/deltagere/"+itoa(aase.ID), nil).Body.String()
	if !strings.Contains(page, `<form method="post" action="`+path+`">`) {
		t.Fatal("the person's page offers no export form")
	}
	rec := staff.do(http.MethodPost, path, url.Values{"csrf_token": {staff.csrf()}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", rec.Code, rec.Header())
	}
	var got store.SubjectAccess
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Person.CPR != "0101701234" || got.Person.Name != "Åse Andersen" || len(got.Assignments) != 2 {
		t.Errorf("export %+v", got)
	}
	var actions []string
	g.db.Model(&models.AuditEntry{}).Where("participant_id = ?", aase.ID).Order("id").Pluck("action", &actions)
	if strings.Join(actions, ",") != "participant.read,cpr.revealed,export" {
		t.Errorf("audit %v, want the page's read, the CPR reveal and the export", actions)
	}
	// Consent to the pool from the person's page.
	if code, _ := g.post(staff, "/deltagere/"+itoa(aase.ID)+"/pulje", url.Values{"keep_in_pool": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("consent: %d", code)
	}
	g.db.First(&aase, aase.ID)
	if !aase.KeepInPool || aase.PoolConsentAt == nil {
		t.Errorf("consent not recorded: %+v", aase)
	}
}
