package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// kvForm is the edit form of KV as the page fills it, with changes.
func kvForm(csrf string, version int, change map[string]string) url.Values {
	form := url.Values{"csrf_token": {csrf}, "version": {itoa(int64(version))}, "name": {"Kommunal- og regionsrådsvalg"},
		"min_age": {"18"}, "citizenship": {"dk_eu_nordic"}, "residence_years": {"4"}, "must_live_in_municipality": {"on"}}
	for k, v := range change {
		if v == "" {
			form.Del(k)
		} else {
			form.Set(k, v)
		}
	}
	return form
}

func TestElectionTypesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		admin := f.loggedIn(t, models.RoleAdmin)
		page := admin.do(http.MethodGet, "/valgtyper", nil)
		body := page.Body.String()
		if page.Code != 200 || strings.Count(body, `action="/valgtyper/`) != 8 || !strings.Contains(body, "Nulstil til lovens regler") ||
			!strings.Contains(body, "Dansk, andet EU, islandsk eller norsk") {
			t.Fatalf("admin page %d: %s", page.Code, body)
		}
		if elections := admin.do(http.MethodGet, "/valg", nil).Body.String(); !strings.Contains(elections, `href="/valgtyper"`) {
			t.Error("no link from the elections page")
		}
		csrf := admin.csrfFrom("/valgtyper")

		// Messages next to their fields, the input kept as typed.
		rec := admin.do(http.MethodPost, "/valgtyper/KV", kvForm(csrf, 1, map[string]string{"min_age": "15", "residence_years": "to"}))
		body = rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="min_age-KV-error"`) ||
			!strings.Contains(body, `id="residence_years-KV-error"`) || !strings.Contains(body, `value="to"`) ||
			!strings.Contains(body, "fra 16 til 100") || strings.Contains(body, `id="min_age-FV-error"`) {
			t.Fatalf("invalid: %d %s", rec.Code, body)
		}

		rec = admin.do(http.MethodPost, "/valgtyper/KV", kvForm(csrf, 1, map[string]string{"min_age": "21", "residence_years": "2", "guardianship_excludes": "on"}))
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/valgtyper?besked=etypes.saved") {
			t.Fatalf("save: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		if r, _ := store.RulesFor(context.Background(), db, models.Kommunalvalg); r.MinAge != 21 || r.ResidenceYears != 2 || !r.GuardianshipExcludes {
			t.Errorf("stored %+v", r)
		}
		if body := admin.do(http.MethodGet, "/valgtyper?besked=etypes.saved", nil).Body.String(); !strings.Contains(body, "Reglerne er gemt.") {
			t.Error("no notice")
		}
		// A second administrator still on version 1.
		rec = admin.do(http.MethodPost, "/valgtyper/KV", kvForm(csrf, 1, map[string]string{"min_age": "30"}))
		if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "En anden har ændret valgtypen") ||
			!strings.Contains(rec.Body.String(), `id="min_age-KV" name="min_age" inputmode="numeric" required value="21"`) {
			t.Fatalf("stale: %d %s", rec.Code, rec.Body)
		}
		if rec = admin.do(http.MethodPost, "/valgtyper/XX", kvForm(csrf, 1, nil)); rec.Code != http.StatusNotFound {
			t.Errorf("unknown kind: %d", rec.Code)
		}

		// Staff and read-only staff see the rules, without forms; they and
		// party secretaries cannot change them.
		for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly} {
			b := f.loggedIn(t, role)
			body := b.do(http.MethodGet, "/valgtyper", nil).Body.String()
			if !strings.Contains(body, "<td>21</td>") || strings.Contains(body, `action="/valgtyper/`) ||
				!strings.Contains(body, "Kun administratorer kan ændre reglerne.") {
				t.Errorf("%s page: %s", role, body)
			}
		}
		for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
			b := f.loggedIn(t, role)
			if rec := b.do(http.MethodPost, "/valgtyper/KV", kvForm(b.csrf(), 2, map[string]string{"min_age": "40"})); rec.Code != http.StatusForbidden {
				t.Errorf("%s saves: %d", role, rec.Code)
			}
			if rec := b.do(http.MethodPost, "/valgtyper/KV/nulstil", url.Values{"csrf_token": {b.csrf()}, "version": {"2"}}); rec.Code != http.StatusForbidden {
				t.Errorf("%s resets: %d", role, rec.Code)
			}
		}
		if rec := f.loggedIn(t, models.RolePartySecretary).do(http.MethodGet, "/valgtyper", nil); rec.Code != http.StatusForbidden {
			t.Errorf("party secretary views: %d", rec.Code)
		}

		rec = admin.do(http.MethodPost, "/valgtyper/KV/nulstil", url.Values{"csrf_token": {csrf}, "version": {"2"}})
		if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "besked=etypes.wasreset") {
			t.Fatalf("reset: %d", rec.Code)
		}
		if r, _ := store.RulesFor(context.Background(), db, models.Kommunalvalg); r != mustDefault(models.Kommunalvalg) {
			t.Errorf("after reset %+v", r)
		}
	})
}

func mustDefault(k models.ElectionKind) models.EligibilityRules {
	r, _ := models.DefaultRules(k)
	return r
}

// The rules an administrator edits decide the registration for the next
// election (the demo's Folketingsvalg on 19 January 2027).
func TestEditedRulesDecideTheRegistration(t *testing.T) {
	f, _ := newRegisterFixture(t)
	admin := f.loggedIn(t, models.RoleAdmin)
	secA := f.loggedIn(t, models.RolePartySecretary)
	fv := func(change map[string]string) {
		t.Helper()
		t0, _ := store.ElectionType(context.Background(), f.db, models.Folketingsvalg)
		form := url.Values{"csrf_token": {admin.csrfFrom("/valgtyper")}, "version": {itoa(int64(t0.Version))}, "name": {t0.Name},
			"min_age": {itoa(int64(t0.MinAge))}, "citizenship": {string(t0.Citizenship)}, "residence_years": {"0"},
			"guardianship_excludes": {"on"}, "must_live_in_municipality": {"on"}}
		for k, v := range change {
			if v == "" {
				form.Del(k)
			} else {
				form.Set(k, v)
			}
		}
		if rec := admin.do(http.MethodPost, "/valgtyper/FV", form); rec.Code != http.StatusSeeOther {
			t.Fatalf("save FV: %d %s", rec.Code, rec.Body)
		}
	}

	// Søren Ærø, born 1 January 1970, is 57 on the election day.
	fv(map[string]string{"min_age": "60"})
	// Staff are told the rule not met; the party secretary only that the
	// person cannot be nominated.
	var partyA models.Party
	f.db.Where("letter = ?", "A").First(&partyA)
	rec := admin.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704001"}, "party_id": {itoa(partyA.ID)}, "csrf_token": {admin.csrfFrom("/deltagere/ny")}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Personen er ikke fyldt 60 år på valgdagen.") {
		t.Fatalf("57-year-old at minimum age 60: %d %s", rec.Code, rec.Body)
	}
	rec = secA.do(http.MethodPost, "/deltagere", url.Values{"cpr": {"0101704001"}, "csrf_token": {secA.csrfFrom("/deltagere/ny")}})
	if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "kan ikke indstilles til") || strings.Contains(body, "fyldt 60") {
		t.Fatalf("57-year-old at minimum age 60, to the secretary: %d %s", rec.Code, body)
	}
	// The person under full guardianship (4008) is refused by the law's
	// rules and accepted when the rule is switched off.
	if resp := f.register(t, secA, "0101704008", 0); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("full guardianship under the law: %d", resp.StatusCode)
	}
	fv(map[string]string{"min_age": "18", "guardianship_excludes": ""})
	if resp := f.register(t, secA, "0101704008", 0); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("full guardianship, rule off: %d", resp.StatusCode)
	}
	if resp := f.register(t, secA, "0101704001", 0); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("57-year-old at minimum age 18: %d", resp.StatusCode)
	}
}
