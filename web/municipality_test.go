package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

const municipalityPage = "/admin/kommune"

// municipalityForm is the settings form as the page fills it, with changes.
func municipalityForm(b *browser, changes ...string) url.Values {
	b.t.Helper()
	page := b.do(http.MethodGet, municipalityPage, nil).Body.String()
	form := url.Values{"csrf_token": {between(page, `name="csrf_token" value="`, `"`)}}
	for _, f := range []string{"name", "code", "cvr", "email_sender_name", "digital_post_sender_name",
		"secretariat_address", "secretariat_phone", "secretariat_email"} {
		form.Set(f, between(page, `name="`+f+`" type="`, `>`))
		form.Set(f, between(form.Get(f), `value="`, `"`))
	}
	for i := 0; i+1 < len(changes); i += 2 {
		form.Set(changes[i], changes[i+1])
	}
	return form
}

func TestMunicipalitySettingsPage(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	var before models.Municipality
	f.db.First(&before)

	page := admin.do(http.MethodGet, municipalityPage, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "Kommunens indstillinger") ||
		!strings.Contains(page.Body.String(), `value="Sønderå Kommune"`) || !strings.Contains(page.Body.String(), `value="999"`) {
		t.Fatalf("GET as admin: %d %s", page.Code, page.Body)
	}
	if !strings.Contains(admin.do(http.MethodGet, "/konto", nil).Body.String(), `href="/admin/kommune"`) {
		t.Error("the admin navigation does not link the settings")
	}

	// Staff, read-only staff and party secretaries may neither see nor save.
	for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
		b := f.loggedIn(t, role)
		if rec := b.do(http.MethodGet, municipalityPage, nil); rec.Code != http.StatusForbidden {
			t.Errorf("GET as %s: %d", role, rec.Code)
		}
		form := municipalityForm(admin, "secretariat_phone", "+45 11 22 33 44")
		form.Set("csrf_token", b.csrfFrom("/konto"))
		if rec := b.do(http.MethodPost, municipalityPage, form); rec.Code != http.StatusForbidden {
			t.Errorf("POST as %s: %d", role, rec.Code)
		}
	}

	// A bad CVR number: 422 naming the field, nothing changed.
	rec := admin.do(http.MethodPost, municipalityPage, municipalityForm(admin, "cvr", "12345678", "code", "607", "secretariat_phone", "+45 72 10 00 00"))
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="cvr-error"`) ||
		!strings.Contains(body, "modulus 11") || !strings.Contains(body, `value="12345678"`) || strings.Contains(body, `id="name-error"`) {
		t.Fatalf("bad CVR: %d %s", rec.Code, body)
	}
	var after models.Municipality
	f.db.First(&after)
	if after.Settings() != before.Settings() {
		t.Fatalf("a refused save wrote: %+v", after)
	}

	// The administrator saves: a notice, the values and an audit entry. (The
	// demo's fictitious kommunekode 999 is no real one: it must be changed.)
	rec = admin.do(http.MethodPost, municipalityPage, municipalityForm(admin, "code", "607", "secretariat_phone", "+45 72 10 00 00",
		"secretariat_address", "Rådhuset, Torvet 1, 9999 Sønderå", "secretariat_email", "valg@sondera.example",
		"email_sender_name", "Valgsekretariatet, Sønderå Kommune"))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != municipalityPage+"?besked=municipality.saved" {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	if page := admin.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String(); !strings.Contains(page, "Indstillingerne er gemt.") ||
		!strings.Contains(page, `72 10 00 00"`) || !strings.Contains(page, `value="607"`) {
		t.Errorf("after saving the page shows: %s", page)
	}
	f.db.First(&after)
	if after.SecretariatPhone != "+45 72 10 00 00" || after.Code != "0607" || after.EmailSender() != "Valgsekretariatet, Sønderå Kommune" ||
		after.DigitalPostSender() != "Sønderå Kommune" || after.CVR != before.CVR {
		t.Fatalf("saved: %+v", after)
	}
	var audit []models.AuditEntry
	f.db.Where("action = ?", models.AuditMunicipalityUpdated).Find(&audit)
	if len(audit) != 1 || audit[0].ActorID == nil || *audit[0].ActorID != f.users[models.RoleAdmin].ID ||
		!strings.Contains(audit[0].Detail, "secretariat_phone") || strings.Contains(audit[0].Detail, "72 10") {
		t.Fatalf("audit: %+v", audit)
	}

	// The phone number fills [site:phone] in a message.
	rec = postTemplate(admin, templatePage+"/forhaandsvis", "Konto i [site:name]",
		"Spørgsmål? Ring på [site:phone] eller skriv til [site:email].\n\n[user:one-time-login-url]\n")
	if preview := previewOf(rec.Body.String()); rec.Code != http.StatusOK ||
		!strings.Contains(preview, "Ring på +45 72 10 00 00 eller skriv til valg@sondera.example.") {
		t.Fatalf("preview: %d %s", rec.Code, rec.Body)
	}
	values := models.WithSite(map[string]string{}, after)
	if values["site:phone"] != "+45 72 10 00 00" || models.WithSite(map[string]string{}, before)["site:phone"] != models.NotGiven {
		t.Errorf("site values: %v", values)
	}

	// And the answer page shows the secretariat's contact details, as
	// does the page of a link that leads nowhere.
	token := invitedAnswerToken(t, f)
	anon := f.loggedIn(t, "")
	for _, c := range []struct {
		path   string
		status int
	}{{"/svar/" + token, http.StatusOK}, {"/svar/" + strings.Repeat("0", 64), http.StatusNotFound}} {
		rec := anon.do(http.MethodGet, c.path, nil)
		if body := rec.Body.String(); rec.Code != c.status || !strings.Contains(body, "Kontakt valgsekretariatet") ||
			!strings.Contains(body, "72 10 00 00</a>") || !strings.Contains(body, "Rådhuset, Torvet 1, 9999 Sønderå") {
			t.Errorf("GET %s: %d %s", c.path, rec.Code, body)
		}
	}
}

// invitedAnswerToken invites a new person to the first slot and returns the
// answer link's token.
func invitedAnswerToken(t *testing.T, f *fixture) string {
	t.Helper()
	storetest.WithKeys(t, f.db)
	var (
		e     models.Election
		st    models.PollingStation
		tt    models.TaskType
		party models.Party
	)
	f.db.First(&e)
	f.db.First(&st)
	f.db.First(&tt)
	f.db.Where("letter = ?", "A").First(&party)
	slot := models.Slot{ElectionID: e.ID, StationID: st.ID, TaskTypeID: tt.ID, Day: e.ElectionDay, PartyID: party.ID, CreatedAt: now}
	if err := f.db.Create(&slot).Error; err != nil {
		t.Fatal(err)
	}
	p := models.Participant{CPR: models.NewSecret("0101704002"), CPRIndex: "test-0101704002", Name: "Ida Ørsted",
		Mobile: models.NewSecret(""), Email: models.NewSecret("ida@example.dk"), CreatedAt: now, UpdatedAt: now}
	if err := f.db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: slot.PartyID, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	a := storetest.Nominate(t, f.db, slot, p.ID)
	if err := f.db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now}).Error; err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("5a", 32)
	if err := store.SaveAnswerToken(context.Background(), f.db, a.ID, token, "2718", now); err != nil {
		t.Fatal(err)
	}
	return token
}
