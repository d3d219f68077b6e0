package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// The API answers a refusal in the caller's language: English with the
// lang=en cookie, Danish without; the field's message too.
func TestAPIRefusalInTheCallersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		staff := f.sessionAPI(t, models.RoleStaff)
		noTitle := map[string]any{"title": " ", "kind": "KV", "day": "2027-11-16"}
		var body struct {
			Error  string
			Fields map[string]string
		}
		res := staff.do(http.MethodPost, "/api/v1/elections", noTitle)
		res.decode(t, &body)
		if res.Status != http.StatusUnprocessableEntity || body.Error != "Skriv valgets titel." || body.Fields["title"] != body.Error {
			t.Errorf("Danish: %d %s", res.Status, res.Body)
		}
		staff.browser.cookies["lang"] = &http.Cookie{Name: "lang", Value: "en"}
		res = staff.do(http.MethodPost, "/api/v1/elections", noTitle)
		body.Fields = nil
		res.decode(t, &body)
		if res.Status != http.StatusUnprocessableEntity || body.Error != "Enter the election's title." || body.Fields["title"] != body.Error {
			t.Errorf("English: %d %s", res.Status, res.Body)
		}
		// Per-field messages of a settings change, in English.
		var e struct{ ID int64 }
		res = staff.do(http.MethodPost, "/api/v1/elections", map[string]any{"title": "Kommunalvalg 2027", "kind": "KV", "day": "2027-11-16"})
		res.decode(t, &e)
		body.Fields = nil
		res = staff.do(http.MethodPatch, "/api/v1/elections/"+itoa(e.ID), map[string]any{"version": 1, "tasks_from": "2027-11-17"})
		res.decode(t, &body)
		if res.Status != http.StatusUnprocessableEntity || body.Fields["tasks_from"] != "The date must be on or before the election day." {
			t.Errorf("English fields: %d %s", res.Status, res.Body)
		}
	})
}

// A page shows the store's refusal in the page's language: ?lang=en gives
// English, Danish is the default.
func TestPageRefusalInThePagesLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		b := f.loggedIn(t, models.RoleStaff)
		rec := b.do(http.MethodPost, "/omraader", url.Values{"name": {" "}, "csrf_token": {b.csrfFrom("/valgsteder")}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Skriv områdets navn.") {
			t.Errorf("Danish: %d %s", rec.Code, rec.Body)
		}
		rec = b.do(http.MethodPost, "/omraader?lang=en", url.Values{"name": {" "}, "csrf_token": {b.csrfFrom("/valgsteder")}})
		if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the area&#39;s name.") ||
			strings.Contains(body, "Skriv områdets navn.") {
			t.Errorf("English: %d %s", rec.Code, body)
		}
	})
}
