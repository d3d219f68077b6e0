package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/web"
)

const messagesPage = "/admin/beskeder"

// postMessage sends the template form of kind/channel to the page's action
// plus suffix ("", "/forhaandsvis", "/live" or "/nulstil"), with the scope.
func postMessage(b *browser, kind, channel, suffix string, scope url.Values, subject, body string) *httptest.ResponseRecorder {
	b.t.Helper()
	form := url.Values{"csrf_token": {b.csrf()}, "subject": {subject},
		// As a browser sends a textarea: CRLF line breaks.
		"body": {strings.ReplaceAll(body, "\n", "\r\n")}}
	for k, v := range scope {
		form[k] = v
	}
	return b.do(http.MethodPost, messagesPage+"/"+kind+"/"+channel+suffix, form)
}

func anElection(t *testing.T, db *gorm.DB) models.Election {
	t.Helper()
	var e models.Election
	if err := db.Order("id").First(&e).Error; err != nil {
		t.Fatal(err)
	}
	return e
}

func TestStaffSeeEveryMessageTemplate(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	for _, role := range []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly} {
		b := f.loggedIn(t, role)
		rec := b.do(http.MethodGet, messagesPage, nil)
		page := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", role, rec.Code)
		}
		for _, want := range []string{"Beskedskabeloner", "Gælder for hele kommunen", "Ledig plads til partiet", "Gruppebesked", "Kontomail",
			`href="/admin/beskeder/invitation/sms"`, `href="/admin/beskeder/invitation/digitalpost"`, `href="/admin/beskeder/replacement_notice/email"`,
			">Standard<"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the list lacks %q", role, want)
			}
		}
		// The replacement notice and the account e-mail go by e-mail only.
		for _, never := range []string{"/admin/beskeder/replacement_notice/sms", "/admin/beskeder/account_invitation/digitalpost", "Tilpasset"} {
			if strings.Contains(page, never) {
				t.Errorf("%s: the list has %q", role, never)
			}
		}

		// The SMS invitation: no subject, the answer code, the length.
		rec = b.do(http.MethodGet, messagesPage+"/invitation/sms", nil)
		page = rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", role, rec.Code)
		}
		if strings.Contains(page, `name="subject"`) {
			t.Errorf("%s: an SMS with a subject field", role)
		}
		for _, want := range []string{html.EscapeString("Svar JA [answer:code] eller NEJ [answer:code]"), `data-preview-url="/admin/beskeder/invitation/sms/live"`,
			`<script src="/static/template-preview.js" defer></script>`, "[answer:code]</code>", "Standardteksten bruges."} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %q", role, want)
			}
		}
		preview := previewOf(page)
		for _, want := range []string{"Kære Karen Mortensen, vil du hjælpe som Tilforordnet", "Svar JA 4821 eller NEJ 4821", "Rådhushallen",
			"http://example.com/svar/", "tegn = 3 sms&#39;er (153 tegn pr. sms)."} {
			if !strings.Contains(preview, want) {
				t.Errorf("%s: the preview lacks %q:\n%s", role, want, preview)
			}
		}
		if saves := strings.Contains(page, ">Gem<"); saves != (role == models.RoleAdmin) {
			t.Errorf("%s: a save button %v", role, saves)
		}
	}
}

func TestAdministratorSavesATemplateForOneElection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		admin := f.loggedIn(t, models.RoleAdmin)
		e := anElection(t, db)
		scope := url.Values{"valg": {strconv.FormatInt(e.ID, 10)}}
		editPage := messagesPage + "/invitation/email?valg=" + strconv.FormatInt(e.ID, 10)

		// The election's real name in the preview.
		page := admin.do(http.MethodGet, editPage, nil).Body.String()
		if !strings.Contains(previewOf(page), html.EscapeString(e.Title)) || !strings.Contains(page, `name="valg" value="`+strconv.FormatInt(e.ID, 10)+`"`) {
			t.Fatalf("the election's page: %s", page)
		}

		body := "Kære [participant:name],\n\nVil du hjælpe ved [election:name]? Svar her: [answer:link]\n"
		rec := postMessage(admin, "invitation", "email", "", scope, "Hjælp os ved [election:name]", body)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != editPage+"&besked=msgtpl.saved" {
			t.Fatalf("save: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		ts := storedTemplates(t, db)
		if len(ts) != 1 || ts[0].Kind != models.KindInvitation || ts[0].Channel != "email" || ts[0].ElectionID == nil ||
			*ts[0].ElectionID != e.ID || ts[0].TaskTypeID != nil || ts[0].Body != body {
			t.Fatalf("stored: %+v", ts)
		}
		page = admin.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
		preview := previewOf(page)
		if !strings.Contains(page, "Skabelonen er gemt. Den bruges i de næste beskeder af denne slags her.") || !strings.Contains(page, "Kommunen har sin egen tekst her.") ||
			!strings.Contains(preview, "Hjælp os ved "+html.EscapeString(e.Title)) || !strings.Contains(page, "Nulstil her") {
			t.Fatalf("after save: %s", page)
		}
		// Customised for the election, inherited by its task types, the
		// default municipality-wide.
		list := admin.do(http.MethodGet, messagesPage+"?valg="+strconv.FormatInt(e.ID, 10), nil).Body.String()
		if !strings.Contains(list, `href="/admin/beskeder/invitation/email?valg=`+strconv.FormatInt(e.ID, 10)+`">Tilpasset<`) {
			t.Errorf("the election's list does not mark the template:\n%s", list)
		}
		var tt models.TaskType
		if err := db.Order("id").First(&tt).Error; err != nil {
			t.Fatal(err)
		}
		inTask := admin.do(http.MethodGet, messagesPage+"?valg="+strconv.FormatInt(e.ID, 10)+"&opgavetype="+strconv.FormatInt(tt.ID, 10), nil).Body.String()
		if !strings.Contains(inTask, "Tilpasset (arvet)") {
			t.Errorf("the task type's list does not inherit the template")
		}
		if strings.Contains(admin.do(http.MethodGet, messagesPage, nil).Body.String(), "Tilpasset") {
			t.Error("the municipality-wide list shows the election's template")
		}

		// Reset: the default again.
		rec = postMessage(admin, "invitation", "email", "/nulstil", scope, "", "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != editPage+"&besked=msgtpl.wasreset" {
			t.Fatalf("reset: %d %s", rec.Code, rec.Body)
		}
		if ts := storedTemplates(t, db); len(ts) != 0 {
			t.Fatalf("after reset: %+v", ts)
		}
	})
}

func TestARefusedTemplateNamesTheLineAndField(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	for _, c := range []struct {
		channel, body string
		want          []string
	}{
		{"sms", "Svar JA [answer:code]: [answer:link]\nDit CPR: [participant:cpr]", []string{
			"Tekst: flettefeltet [participant:cpr] må ikke bruges i sms, kun i Digital Post", "(linje 2, kolonne 10)"}},
		{"sms", "Hej [participant:nmae]. Svar JA [answer:code]: [answer:link]", []string{
			"Tekst: ukendt flettefelt [participant:nmae] (linje 1, kolonne 5) – mente du [participant:name]?"}},
		{"sms", "Svar her: [answer:link]", []string{"Teksten skal indeholde flettefeltet [answer:code]."}},
		{"email", "Kære [participant:name]\n\n[party:name] takker.\n[answer:link]", []string{
			"flettefeltet [party:name] må ikke bruges i e-mail", "(linje 3, kolonne 1)"}},
	} {
		rec := postMessage(admin, "invitation", c.channel, "", nil, "Emne", c.body)
		page := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s %q: %d", c.channel, c.body, rec.Code)
		}
		for _, want := range c.want {
			if !strings.Contains(page, html.EscapeString(want)) {
				t.Errorf("%s %q: the page lacks %q", c.channel, c.body, want)
			}
		}
		if !strings.Contains(page, html.EscapeString(c.body)) {
			t.Errorf("%s: the text as typed is not in the form", c.channel)
		}
	}
	// Digital Post may carry the party: it is the channel for that.
	rec := postMessage(admin, "group_message", "digitalpost", "", nil, "Til [participant:name]", "Hej [participant:name]")
	if rec.Code != http.StatusSeeOther {
		t.Errorf("a Digital Post group message: %d", rec.Code)
	}
	if ts := storedTemplates(t, f.db); len(ts) != 1 {
		t.Fatalf("stored: %+v", ts)
	}
}

func TestOnlyAdministratorsSaveMessageTemplates(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
		b := f.loggedIn(t, role)
		for _, suffix := range []string{"", "/nulstil"} {
			rec := postMessage(b, "invitation", "sms", suffix, nil, "", "Hacket JA [answer:code] [answer:link]")
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s POST %q: %d, want 403", role, suffix, rec.Code)
			}
		}
	}
	if ts := storedTemplates(t, f.db); len(ts) != 0 {
		t.Fatalf("stored: %+v", ts)
	}
	// A party secretary sees none of it, not even a preview.
	sec := f.loggedIn(t, models.RolePartySecretary)
	for _, path := range []string{messagesPage, messagesPage + "/invitation/sms"} {
		if rec := sec.do(http.MethodGet, path, nil); rec.Code != http.StatusForbidden {
			t.Errorf("secretary GET %s: %d", path, rec.Code)
		}
	}
	for _, suffix := range []string{"/forhaandsvis", "/live"} {
		if rec := postMessage(sec, "invitation", "sms", suffix, nil, "", "JA [answer:code] [answer:link]"); rec.Code != http.StatusForbidden {
			t.Errorf("secretary POST %s: %d", suffix, rec.Code)
		}
	}
	// An unknown kind or channel, or a task type without its election, is
	// no page.
	admin := f.loggedIn(t, models.RoleAdmin)
	for _, path := range []string{messagesPage + "/replacement_notice/sms", messagesPage + "/nosuch/email", messagesPage + "/invitation/email?opgavetype=1",
		messagesPage + "/invitation/email?valg=999999"} {
		if rec := admin.do(http.MethodGet, path, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
	// In the list's form a task type chosen without an election is
	// explained, and the whole municipality's templates shown.
	rec := admin.do(http.MethodGet, messagesPage+"?valg=&opgavetype=1", nil)
	if page := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(page, `role="alert">En opgavetype vælges sammen med et valg.`) ||
		!strings.Contains(page, "Gælder for hele kommunen") {
		t.Errorf("a task type without an election: %d %s", rec.Code, page)
	}
}

func TestTheLivePreviewRendersWithoutSaving(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	staff := f.loggedIn(t, models.RoleStaff)
	body := "Hej [participant:name] – [election:name]. Svar JA [answer:code]: [answer:link]"

	// The fragment for the script: the preview only, with the SMS length.
	rec := postMessage(staff, "invitation", "sms", "/live", nil, "", body)
	frag := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(frag, "<html") || strings.Contains(frag, "<form") ||
		!strings.Contains(frag, "Hej Karen Mortensen – Kommunal- og regionsrådsvalg 2029. Svar JA 4821") ||
		!strings.Contains(frag, "sms-alfabetet") || !strings.Contains(frag, "Forhåndsvisningen er ikke gemt.") {
		t.Fatalf("live: %d %s", rec.Code, frag)
	}
	// A mistake comes back in place of the preview.
	rec = postMessage(staff, "invitation", "sms", "/live", nil, "", "Hej [participant:nmae] [answer:code] [answer:link]")
	if frag := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(frag, "ukendt flettefelt [participant:nmae] (linje 1, kolonne 5)") ||
		strings.Contains(frag, `id="preview-title"`) {
		t.Fatalf("live with a mistake: %d %s", rec.Code, frag)
	}
	// The Preview button: the whole page, the text kept in the form.
	rec = postMessage(staff, "confirmation", "digitalpost", "/forhaandsvis", nil, "Tak, [participant:name]", "Kære [participant:name]\n\nVi ses på [station:name].")
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(previewOf(page), "<p>Kære Karen Mortensen</p>") ||
		!strings.Contains(previewOf(page), "Titel:</strong> Tak, Karen Mortensen") || !strings.Contains(page, "Vi ses på [station:name].</textarea>") {
		t.Fatalf("preview: %d %s", rec.Code, page)
	}
	if ts := storedTemplates(t, f.db); len(ts) != 0 {
		t.Fatalf("the preview saved: %+v", ts)
	}
	// The script is served.
	if rec := staff.do(http.MethodGet, "/static/template-preview.js", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "data-preview-url") {
		t.Errorf("the script: %d", rec.Code)
	}
}

func TestMessageTemplatesInEnglish(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	admin := f.loggedIn(t, models.RoleAdmin)
	page := admin.do(http.MethodGet, messagesPage+"/invitation/sms?lang=en", nil).Body.String()
	for _, want := range []string{"Invitation · SMS", "Merge fields", "The invitation&#39;s short code", "Preview", "= 3 SMS (153 characters per SMS)."} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	// Every kind and channel has a name and a description in both languages.
	for _, kind := range models.MessageKinds {
		for _, key := range []string{"msgtpl.kind." + kind, "msgtpl.about." + kind} {
			for _, l := range []string{"da", "en"} {
				if !web.HasMessage(l, key) {
					t.Errorf("%s has no %s text", key, l)
				}
			}
		}
		for _, f := range store.TemplateFields(kind) {
			if !web.HasMessage("da", "templates.field."+f) || !web.HasMessage("en", "templates.field."+f) {
				t.Errorf("[%s] has no explanation", f)
			}
		}
	}
}
