package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// Every page renders whole for every role that may open it, in both
// languages: a view that lacks a field its template reads stops the
// template halfway, which a status code alone does not show.
func TestEveryPageRendersWhole(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	var logs bytes.Buffer
	clock := func() time.Time { return now }
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: f.db, Temporal: temporalHealth{}, Now: clock, Log: log}),
		Now: clock, Log: log})
	var e models.Election
	f.db.First(&e)
	var p models.Participant
	f.db.First(&p)
	ids := strings.NewReplacer("/valg/:id", "/valg/"+itoa(e.ID), "/deltagere/:id", "/deltagere/"+itoa(p.ID),
		"/admin/brugere/:id", "/admin/brugere/"+itoa(f.users[models.RolePartySecretary].ID))
	pages := 0
	for _, r := range web.Routes() {
		path := ids.Replace(r.Path)
		if r.Method != http.MethodGet || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/dev/") ||
			strings.Contains(path, ":") || path == "/healthz" || path == "/readyz" {
			continue
		}
		for _, role := range []models.Role{"", models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
			b := f.loggedIn(t, role)
			for _, lang := range []string{"da", "en"} {
				rec := b.do(http.MethodGet, path+"?lang="+lang, nil)
				if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
					continue // refused, redirected, or a download
				}
				pages++
				if body := rec.Body.String(); !strings.Contains(body, "</html>") {
					t.Errorf("GET %s as %q (%s) stops halfway:\n%s", path, role, lang, body[max(0, len(body)-300):])
				}
			}
		}
	}
	if strings.Contains(logs.String(), "render failed") {
		t.Errorf("a page failed to render:\n%s", logs.String())
	}
	if pages < 50 {
		t.Errorf("only %d pages rendered: the walk misses most of them", pages)
	}
}
