package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

func TestElectionStateChanges(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	started := &startRecorder{}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: f.db, Temporal: started, Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog()})
	var e models.Election
	f.db.First(&e) // the demo election is active
	staff := f.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, "/valg", nil).Body.String()
	if !strings.Contains(page, "Folketingsvalg 2027") || !strings.Contains(page, "Aktivt") || !strings.Contains(page, "Afslut valget") {
		t.Fatalf("elections page: %s", page)
	}
	path := "/valg/" + itoa(e.ID) + "/tilstand"
	if rec := staff.do(http.MethodPost, path, url.Values{"state": {"draft"}, "csrf_token": {staff.csrfFrom("/valg")}}); rec.Code != 422 ||
		!strings.Contains(rec.Body.String(), "kan ikke gå fra aktivt til kladde") {
		t.Fatalf("active → draft: %d", rec.Code)
	}
	if rec := staff.do(http.MethodPost, path, url.Values{"state": {"closed"}, "csrf_token": {staff.csrfFrom("/valg")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("active → closed: %d", rec.Code)
	}
	if len(started.started) != 1 || started.started[0] != "retention-election-"+itoa(e.ID) {
		t.Errorf("closing started %v, want the retention workflow", started.started)
	}
	if page := staff.do(http.MethodGet, "/valg", nil).Body.String(); !strings.Contains(page, "Afsluttet") || strings.Contains(page, "<button type=\"submit\">Afslut") {
		t.Error("the closed election still offers a state change")
	}
	if rec := staff.do(http.MethodPost, "/valg", url.Values{"title": {"Kommunalvalg 2029"}, "kind": {"KV"}, "day": {"2029-11-20"},
		"csrf_token": {staff.csrfFrom("/valg")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("create election: %d %s", rec.Code, rec.Body)
	}
	if page := staff.do(http.MethodGet, "/valg", nil).Body.String(); !strings.Contains(page, "Kommunalvalg 2029") || !strings.Contains(page, "Kladde") ||
		!strings.Contains(page, "tirsdag den 20. november 2029") {
		t.Error("the new draft election is not listed")
	}
	if rec := staff.do(http.MethodPost, "/valg", url.Values{"title": {"X"}, "kind": {"KV"}, "day": {"2020-01-01"},
		"csrf_token": {staff.csrfFrom("/valg")}}); rec.Code != 422 || !strings.Contains(rec.Body.String(), "passeret") {
		t.Errorf("election in the past: %d", rec.Code)
	}
	ro := f.loggedIn(t, models.RoleReadOnly)
	if page := ro.do(http.MethodGet, "/valg", nil).Body.String(); strings.Contains(page, "/tilstand") {
		t.Error("read-only staff are offered state changes")
	}
}
