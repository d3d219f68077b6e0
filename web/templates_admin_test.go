package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// templatePage is the account e-mail in the message template editor.
const templatePage = "/admin/beskeder/account_invitation/email"

// postTemplate sends the template form to path (save, preview or reset).
func postTemplate(b *browser, path, subject, body string) *httptest.ResponseRecorder {
	b.t.Helper()
	form := url.Values{"csrf_token": {b.csrfFrom(templatePage)}}
	if subject != "" || body != "" {
		form.Set("subject", subject)
		// As a browser sends a textarea: CRLF line breaks.
		form.Set("body", strings.ReplaceAll(body, "\n", "\r\n"))
	}
	return b.do(http.MethodPost, path, form)
}

// previewOf returns the preview section of a page, "" if it has none.
func previewOf(page string) string {
	i := strings.Index(page, `id="preview-title"`)
	if i < 0 {
		return ""
	}
	return page[i:]
}

func storedTemplates(t *testing.T, db *gorm.DB) []models.MessageTemplate {
	t.Helper()
	var ts []models.MessageTemplate
	if err := db.Find(&ts).Error; err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestAdministratorEditsTheAccountEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		admin := f.loggedIn(t, models.RoleAdmin)

		// The default text, filled in for a fictitious person.
		rec := admin.do(http.MethodGet, templatePage, nil)
		page := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("GET: %d %s", rec.Code, page)
		}
		for _, want := range []string{"Standardteksten bruges.", "[user:one-time-login-url]", "[site:login-url]",
			`name="csrf_token"`, "Forhåndsvis", html.EscapeString("Kære [user:name],")} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		preview := previewOf(page)
		for _, want := range []string{"Kære Mette Fiktiv,", "Din konto til Valghalla – Sønderå Kommune", `<a href="http://example.com/konto/aktiver/`} {
			if !strings.Contains(preview, want) {
				t.Errorf("the preview lacks %q:\n%s", want, preview)
			}
		}
		if strings.Contains(page, "Nulstil her") {
			t.Error("a reset button while the default is in use")
		}

		// Save the municipality's own text.
		body := "Hej [user:name] fra [site:name]!\n\nVælg din adgangskode: [user:one-time-login-url]\n"
		rec = postTemplate(admin, templatePage, "Velkommen, [user:name]", body)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != templatePage+"?besked=msgtpl.saved" {
			t.Fatalf("save: %d %s", rec.Code, rec.Body)
		}
		if ts := storedTemplates(t, db); len(ts) != 1 || ts[0].Body != body || ts[0].Kind != models.KindAccountInvitation ||
			ts[0].Channel != "email" || ts[0].UpdatedBy == nil || *ts[0].UpdatedBy != f.users[models.RoleAdmin].ID {
			t.Fatalf("stored: %+v", ts)
		}
		// The next rendered invitation uses it.
		page = admin.do(http.MethodGet, templatePage+"?besked=msgtpl.saved", nil).Body.String()
		preview = previewOf(page)
		if !strings.Contains(page, "Skabelonen er gemt.") || !strings.Contains(page, "Kommunen har sin egen tekst her.") ||
			!strings.Contains(preview, "Hej Mette Fiktiv fra Sønderå Kommune!") || !strings.Contains(preview, "Velkommen, Mette Fiktiv") ||
			strings.Contains(preview, "Kære") || !strings.Contains(page, "Nulstil her") {
			t.Fatalf("after save: %s", page)
		}
		subject, stored, custom, err := store.EffectiveTemplate(t.Context(), db, models.KindAccountInvitation, "email", nil, nil)
		if err != nil || !custom || subject != "Velkommen, [user:name]" || stored != body {
			t.Fatalf("effective template: %q %q %v %v", subject, stored, custom, err)
		}

		// Reset: the default again.
		rec = postTemplate(admin, templatePage+"/nulstil", "", "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != templatePage+"?besked=msgtpl.wasreset" {
			t.Fatalf("reset: %d %s", rec.Code, rec.Body)
		}
		if ts := storedTemplates(t, db); len(ts) != 0 {
			t.Fatalf("after reset: %+v", ts)
		}
		page = admin.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
		if !strings.Contains(page, "Skabelonen er nulstillet.") || !strings.Contains(previewOf(page), "Kære Mette Fiktiv,") {
			t.Fatalf("after reset: %s", page)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditTemplateChanged).Count(&n)
		if n != 2 {
			t.Errorf("%d audit entries for the save and the reset, want 2", n)
		}
	})
}

func TestAnUnknownMergeFieldIsRefusedWithItsPosition(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	body := "Kære [user:nmae],\n\nÆndr din adgangskode her: [user:one-time-login-url]\nHilsen <Valgsekretariatet> & co.\n"
	for _, path := range []string{templatePage, templatePage + "/forhaandsvis"} {
		rec := postTemplate(admin, path, "Hej [user:name]", body)
		page := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		for _, want := range []string{
			"Tekst: ukendt flettefelt [user:nmae] (linje 1, kolonne 6) – mente du [user:name]?",
			// The text as typed, escaped, with LF line breaks.
			"\nKære [user:nmae],\n\nÆndr din adgangskode her: [user:one-time-login-url]\nHilsen &lt;Valgsekretariatet&gt; &amp; co.\n</textarea>",
			`value="Hej [user:name]"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %q:\n%s", path, want, page)
			}
		}
		if previewOf(page) != "" {
			t.Errorf("%s: a preview of a refused text", path)
		}
	}
	if ts := storedTemplates(t, f.db); len(ts) != 0 {
		t.Fatalf("stored: %+v", ts)
	}

	// Every error at once, subject and body, each with its place.
	rec := postTemplate(admin, templatePage, "Hej [User:Name]", "[user:nmae]\n\n  [site:nmae] og [user:one-time-login-url]")
	page := rec.Body.String()
	for _, want := range []string{
		"Emne: flettefelter skrives med små bogstaver: [User:Name] (linje 1, kolonne 5) – mente du [user:name]?",
		"Tekst: ukendt flettefelt [user:nmae] (linje 1, kolonne 1)",
		"Tekst: ukendt flettefelt [site:nmae] (linje 3, kolonne 3)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Index(page, "[User:Name]") > strings.Index(page, "[site:nmae] (linje") {
		t.Error("the errors are not in order")
	}

	// Without the one-time link the new user could not log in.
	rec = postTemplate(admin, templatePage, "Hej", "Hej [user:name]")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Teksten skal indeholde flettefeltet [user:one-time-login-url].") {
		t.Errorf("without the link: %d", rec.Code)
	}
}

func TestSensitiveFieldsAreRefusedForEmail(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	for _, field := range []string{"participant:cpr", "participant:party", "party:name"} {
		rec := postTemplate(admin, templatePage, "Hej", "Link: [user:one-time-login-url]\nDit nummer: ["+field+"]\n")
		page := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, "flettefeltet ["+field+"] må ikke bruges i e-mail") ||
			!strings.Contains(page, "(linje 2, kolonne 13)") {
			t.Errorf("[%s]: %d\n%s", field, rec.Code, page)
		}
	}
	if ts := storedTemplates(t, f.db); len(ts) != 0 {
		t.Fatalf("stored: %+v", ts)
	}
}

func TestOnlyAdministratorsEditTemplates(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	// A custom text, so a reset would show.
	if err := store.SaveTemplate(t.Context(), f.db, f.users[models.RoleAdmin], models.MessageTemplate{Kind: models.KindAccountInvitation,
		Channel: "email", Subject: "Eget emne", Body: "Egen tekst [user:one-time-login-url]"}); err != nil {
		t.Fatal(err)
	}
	for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary, ""} {
		b := f.loggedIn(t, role)
		token := b.csrf()
		staff := role == models.RoleStaff || role == models.RoleReadOnly
		// Staff see the template and may try a text; no one else sees it.
		rec := b.do(http.MethodGet, templatePage, nil)
		if sees := rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "Egen tekst"); sees != staff {
			t.Errorf("%q sees the template: %v (%d)", role, sees, rec.Code)
		}
		if staff && (strings.Contains(rec.Body.String(), ">Gem<") || strings.Contains(rec.Body.String(), "Nulstil her")) {
			t.Errorf("%q is offered to save or reset", role)
		}
		for _, path := range []string{templatePage, templatePage + "/forhaandsvis", templatePage + "/nulstil"} {
			rec := b.do(http.MethodPost, path, url.Values{"csrf_token": {token}, "subject": {"Hacket"},
				"body": {"Hacket [user:one-time-login-url]"}})
			want := http.StatusForbidden
			switch {
			case role == "":
				want = http.StatusUnauthorized
			case staff && path == templatePage+"/forhaandsvis":
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Errorf("%q POST %s: %d, want %d", role, path, rec.Code, want)
			}
		}
	}
	if ts := storedTemplates(t, f.db); len(ts) != 1 || ts[0].Body != "Egen tekst [user:one-time-login-url]" {
		t.Fatalf("the template changed: %+v", ts)
	}
	// And never without the CSRF token, even for an administrator.
	admin := f.loggedIn(t, models.RoleAdmin)
	if rec := admin.do(http.MethodPost, templatePage+"/nulstil", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("reset without a CSRF token: %d", rec.Code)
	}
	if len(storedTemplates(t, f.db)) != 1 {
		t.Error("reset without a CSRF token")
	}
	// The account e-mail's first address leads into the editor.
	if rec := admin.do(http.MethodGet, "/admin/skabeloner/kontomail", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != templatePage {
		t.Errorf("the old address: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestPreviewDoesNotSave(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	body := "Prøvetekst til [user:name] i [site:name].\n\n[user:one-time-login-url]\n"
	rec := postTemplate(admin, templatePage+"/forhaandsvis", "Prøve for [user:name]", body)
	page := rec.Body.String()
	preview := previewOf(page)
	if rec.Code != http.StatusOK || !strings.Contains(preview, "Prøvetekst til Mette Fiktiv i Sønderå Kommune.") ||
		!strings.Contains(preview, "Prøve for Mette Fiktiv") || !strings.Contains(preview, "Forhåndsvisningen er ikke gemt.") ||
		!strings.Contains(page, "\nPrøvetekst til [user:name] i [site:name].\n") {
		t.Fatalf("preview: %d %s", rec.Code, page)
	}
	if ts := storedTemplates(t, f.db); len(ts) != 0 {
		t.Fatalf("the preview saved: %+v", ts)
	}
	if page := admin.do(http.MethodGet, templatePage, nil).Body.String(); strings.Contains(page, "Prøvetekst") ||
		!strings.Contains(previewOf(page), "Kære Mette Fiktiv,") {
		t.Fatalf("after the preview the page shows: %s", page)
	}
	var n int64
	f.db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditTemplateChanged).Count(&n)
	if n != 0 {
		t.Errorf("the preview wrote %d audit entries", n)
	}
}

func TestTemplatePageInEnglish(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	page := admin.do(http.MethodGet, templatePage+"?lang=en", nil).Body.String()
	for _, want := range []string{"Account e-mail", "Merge fields", "The recipient&#39;s name", "Preview"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
}
