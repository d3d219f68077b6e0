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

// The rounds page and the check against the CPR register, through the
// pages: the round workflows themselves are run by worker's tests.
func TestRoundsPageAndRevalidation(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	started := &startRecorder{}
	clock := func() time.Time { return now }
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: f.db, Temporal: started, Now: clock, Log: quietLog()}),
		Now: clock, Log: quietLog()})
	var e models.Election
	f.db.First(&e) // the demo election is active
	rounds := "/valg/" + itoa(e.ID) + "/runder"

	staff := f.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, rounds, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `action="`+rounds+`"`) ||
		!strings.Contains(page.Body.String(), `action="/valg/`+itoa(e.ID)+`/kontrol"`) {
		t.Fatalf("rounds page: %d %s", page.Code, page.Body)
	}
	if rec := staff.do(http.MethodGet, "/valg/999999/runder", nil); rec.Code != http.StatusNotFound {
		t.Errorf("rounds of an unknown election: %d", rec.Code)
	}
	ro := f.loggedIn(t, models.RoleReadOnly)
	if body := ro.do(http.MethodGet, rounds, nil).Body.String(); strings.Contains(body, `action="`+rounds+`"`) {
		t.Error("read-only staff are offered the launch form")
	}

	check := "/valg/" + itoa(e.ID) + "/kontrol"
	if rec := staff.do(http.MethodPost, check, url.Values{"csrf_token": {staff.csrfFrom(rounds)}}); rec.Code != http.StatusSeeOther ||
		!strings.Contains(rec.Header().Get("Location"), "rounds.revalidate.started") {
		t.Fatalf("revalidate an active election: %d", rec.Code)
	}
	if len(started.started) != 1 || !strings.HasPrefix(started.started[0], "revalidation-") {
		t.Fatalf("revalidation started %v", started.started)
	}
	if rec := staff.do(http.MethodPost, "/valg/999999/kontrol", url.Values{"csrf_token": {staff.csrfFrom(rounds)}}); rec.Code != http.StatusNotFound {
		t.Errorf("revalidate an unknown election: %d", rec.Code)
	}

	// A closed election is not checked: a clear sentence in the reader's
	// language, and no workflow.
	f.db.Model(&models.Election{}).Where("id = ?", e.ID).Update("state", models.ElectionClosed)
	for lang, want := range map[string]string{"da": "Kun et aktivt valg kan kontrolleres.", "en": "Only an active election can be checked."} {
		rec := staff.do(http.MethodPost, check+"?lang="+lang, url.Values{"csrf_token": {staff.csrfFrom(rounds)}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("revalidate a closed election (%s): %d, want 422 with %q", lang, rec.Code, want)
		}
	}
	if len(started.started) != 1 {
		t.Errorf("a refused check started a workflow: %v", started.started)
	}
}
