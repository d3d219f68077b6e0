package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// Contact data per membership: what party A typed about a person is never
// shown to party V, which registers the same person, on any page, list,
// export or API answer; each party and staff edit their own.

const (
	contactPhoneA, contactEmailA, contactDietA = "+4521000001", "a-secret@example.dk", "Halal"
	contactPhoneV, contactEmailV               = "+4531000002", "v-own@example.dk"
)

// secretaryV logs in a party secretary of V, as a browser and an API
// client on its session.
func (n *apiNominations) secretaryV(t *testing.T) (*browser, *apiClient, models.User) {
	t.Helper()
	u := models.User{Email: "v@sondera.example", Name: "Sekretær V", Role: models.RolePartySecretary, PartyID: &n.partyV.ID,
		PasswordHash: n.users[models.RolePartySecretary].PasswordHash, CreatedAt: now}
	if err := n.db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, n.app)
	if rec := b.do(http.MethodPost, "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login V: %d", rec.Code)
	}
	return b, &apiClient{t: t, app: n.app, browser: b, csrf: b.csrf()}, u
}

func registerForm(t *testing.T, b *browser, cprNumber, mobile, email, diet string) *http.Response {
	t.Helper()
	return b.do(http.MethodPost, "/deltagere", url.Values{"cpr": {cprNumber}, "csrf_token": {b.csrfFrom("/deltagere/ny")},
		"mobile": {mobile}, "email": {email}, "diet": {diet}}).Result()
}

func TestAnotherPartyNeverSeesTheContactDataTheFirstTyped(t *testing.T) {
	n := newAPINominations(t, storetest.SQLite(t))
	secA := n.loggedIn(t, models.RolePartySecretary)
	resp := registerForm(t, secA, "010170-4001", contactPhoneA, contactEmailA, contactDietA)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("A registers: %d", resp.StatusCode)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/")

	bV, apiV, _ := n.secretaryV(t)
	// V registers A's person: answered as a new registration is.
	again := registerForm(t, bV, "0101704001", "31000002", contactEmailV, "")
	fresh := registerForm(t, bV, "0101704009", "31000003", "", "")
	if again.StatusCode != fresh.StatusCode || again.Header.Get("Location") != "/deltagere/"+id ||
		!strings.HasPrefix(fresh.Header.Get("Location"), "/deltagere/") {
		t.Fatalf("V re-registering: %d %s; a new registration: %d %s", again.StatusCode, again.Header.Get("Location"),
			fresh.StatusCode, fresh.Header.Get("Location"))
	}
	// Over the API too: the same status and the same keys.
	resA := apiV.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704001", "mobile": contactPhoneV})
	resNew := apiV.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": n.voters(1)[0]})
	if resA.Status != http.StatusCreated || resNew.Status != http.StatusCreated || !slices.Equal(jsonKeys(t, resA.Body), jsonKeys(t, resNew.Body)) {
		t.Errorf("API re-registration %d %s vs new %d %s", resA.Status, resA.Body, resNew.Status, resNew.Body)
	}

	// V's person holds V's slot: the lists show them to V.
	var person models.Participant
	n.db.First(&person, id)
	storetest.Nominate(t, n.db, n.slotV, person.ID)

	needles := []string{contactPhoneA, "21000001", "21 00 00 01", contactEmailA, contactDietA}
	eid := itoa(n.election.ID)
	cols := "kol=navn&kol=mobil&kol=email&kol=kost"
	pages := map[string]string{}
	for _, path := range []string{"/deltagere/" + id, "/deltagere", "/deltagere/" + id + "/rediger", "/valg/" + eid + "/lister?" + cols,
		"/valg/" + eid + "/lister/udtraek/csv?" + cols, "/valg/" + eid + "/indstilling"} {
		rec := bV.do(http.MethodGet, path, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("V GET %s: %d", path, rec.Code)
		}
		pages[path] = rec.Body.String()
	}
	for _, path := range []string{"/api/v1/participants/" + id} {
		res := apiV.do(http.MethodGet, path, nil)
		if res.Status != http.StatusOK {
			t.Errorf("V GET %s: %d %s", path, res.Status, res.Body)
		}
		pages["API "+path] = string(res.Body)
	}
	res := apiV.do(http.MethodPatch, "/api/v1/participants/"+id, map[string]any{"version": 1, "special_diet": "Ingen svinekød"})
	if res.Status != http.StatusOK {
		t.Errorf("V PATCH: %d %s", res.Status, res.Body)
	}
	pages["API PATCH"] = string(res.Body)
	for path, body := range pages {
		for _, needle := range needles {
			if strings.Contains(body, needle) {
				t.Errorf("V's %s shows A's %q", path, needle)
			}
		}
	}
	// The walk saw the person, with V's own data where contact data shows.
	for _, path := range []string{"/deltagere/" + id, "/valg/" + eid + "/lister?" + cols, "/valg/" + eid + "/lister/udtraek/csv?" + cols, "API /api/v1/participants/" + id} {
		if !strings.Contains(pages[path], contactEmailV) {
			t.Errorf("V's %s lacks V's own e-mail:\n%s", path, pages[path])
		}
	}
	if !strings.Contains(pages["API PATCH"], "Ingen svinekød") || !strings.Contains(pages["API PATCH"], contactPhoneV) {
		t.Errorf("V's PATCH answer: %s", pages["API PATCH"])
	}

	// A still sees what A typed; staff see the person's own and each
	// party's, labelled.
	if page := secA.do(http.MethodGet, "/deltagere/"+id, nil).Body.String(); !strings.Contains(page, contactEmailA) || strings.Contains(page, contactEmailV) ||
		strings.Contains(page, "Ingen svinekød") {
		t.Errorf("A's page of the person:\n%s", page)
	}
	staff := n.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, "/deltagere/"+id, nil).Body.String()
	for _, want := range []string{contactEmailA, contactEmailV, "Venstre", "Socialdemokratiet", "Ingen svinekød"} {
		if !strings.Contains(page, want) {
			t.Errorf("staff's page lacks %q", want)
		}
	}
}

func jsonKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestEditingContactDataOnThePageAndTheAPI(t *testing.T) {
	n := newAPINominations(t, storetest.SQLite(t))
	secA := n.loggedIn(t, models.RolePartySecretary)
	resp := registerForm(t, secA, "010170-4001", contactPhoneA, contactEmailA, contactDietA)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/deltagere/")
	bV, apiV, _ := n.secretaryV(t)
	onlyA := strings.TrimPrefix(registerForm(t, secA, "0101704009", "+4521000009", "", "").Header.Get("Location"), "/deltagere/")
	registerForm(t, bV, "0101704001", contactPhoneV, contactEmailV, "")

	edit := func(b *browser, personID string, form url.Values) *http.Response {
		form.Set("csrf_token", b.csrf())
		return b.do(http.MethodPost, "/deltagere/"+personID+"/rediger", form).Result()
	}
	ownData := func() models.Participant {
		var p models.Participant
		n.db.First(&p, id)
		return p
	}
	membership := func(party int64) models.PartyMembership {
		var m models.PartyMembership
		n.db.Where("participant_id = ? AND party_id = ?", id, party).First(&m)
		return m
	}

	// The form says where name and address come from, and shows V's data.
	form := bV.do(http.MethodGet, "/deltagere/"+id+"/rediger", nil).Body.String()
	if !strings.Contains(form, "CPR-registret") || !strings.Contains(form, contactEmailV) || strings.Contains(form, "digital_post_exempt") {
		t.Errorf("V's edit form:\n%s", form)
	}
	// A bad number: 422, the error on its field, nothing saved.
	rec := edit(bV, id, url.Values{"version": {"0"}, "mobile": {"12"}, "email": {"ny-v@example.dk"}})
	body := readBody(rec)
	if rec.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="mobile-error"`) || !strings.Contains(body, "ny-v@example.dk") {
		t.Errorf("bad mobile: %d\n%s", rec.StatusCode, body)
	}
	if m := membership(n.partyV.ID); m.Email.Reveal() != contactEmailV || m.Version != 0 {
		t.Errorf("a refused edit saved %q version %d", m.Email.Reveal(), m.Version)
	}
	// A good edit: V's membership only.
	rec = edit(bV, id, url.Values{"version": {"0"}, "mobile": {contactPhoneV}, "email": {"ny-v@example.dk"}, "channel": {"sms"}, "diet": {"Vegetar"}})
	if rec.StatusCode != http.StatusSeeOther {
		t.Fatalf("V's edit: %d %s", rec.StatusCode, readBody(rec))
	}
	if m := membership(n.partyV.ID); m.Email.Reveal() != "ny-v@example.dk" || m.SpecialDiet.Reveal() != "Vegetar" || m.PreferredChannel != models.ChannelSMS {
		t.Errorf("V's membership after the edit: %q %q %q", m.Email.Reveal(), m.SpecialDiet.Reveal(), m.PreferredChannel)
	}
	if m, p := membership(n.partyA.ID), ownData(); m.Email.Reveal() != contactEmailA || p.Email.Reveal() != contactEmailA || p.SpecialDiet.Reveal() != contactDietA {
		t.Errorf("V's edit changed A's or the person's own data")
	}
	// The same form sent again (version 0): refused as stale, nothing overwritten.
	rec = edit(bV, id, url.Values{"version": {"0"}, "email": {"stale@example.dk"}})
	if rec.StatusCode != http.StatusConflict || membership(n.partyV.ID).Email.Reveal() != "ny-v@example.dk" {
		t.Errorf("stale edit: %d, e-mail %q", rec.StatusCode, membership(n.partyV.ID).Email.Reveal())
	}
	// Another party's person, by id: 404 on the form, the save and the API.
	if rec := bV.do(http.MethodGet, "/deltagere/"+onlyA+"/rediger", nil); rec.Code != http.StatusNotFound {
		t.Errorf("V's form of A's person: %d", rec.Code)
	}
	if rec := edit(bV, onlyA, url.Values{"version": {"0"}, "mobile": {"+4588888888"}}); rec.StatusCode != http.StatusNotFound {
		t.Errorf("V saving A's person: %d", rec.StatusCode)
	}
	if res := apiV.do(http.MethodPatch, "/api/v1/participants/"+onlyA, map[string]any{"version": 0, "mobile": "+4588888888"}); res.Status != http.StatusNotFound {
		t.Errorf("V patching A's person: %d %s", res.Status, res.Body)
	}
	if res := apiV.do(http.MethodGet, "/api/v1/participants/"+onlyA, nil); res.Status != http.StatusNotFound {
		t.Errorf("V reading A's person: %d %s", res.Status, res.Body)
	}
	var untouched models.Participant
	n.db.First(&untouched, onlyA)
	if untouched.Mobile.Reveal() != "+4521000009" {
		t.Errorf("A's person's number became %q", untouched.Mobile.Reveal())
	}
	// V may not touch the Digital Post exemption.
	if res := apiV.do(http.MethodPatch, "/api/v1/participants/"+id, map[string]any{"version": 1, "digital_post_exempt": true}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("V changing the exemption: %d %s", res.Status, res.Body)
	}

	// Staff edit the person's own data over the API, exemption included.
	staffAPI := n.sessionAPI(t, models.RoleStaff)
	res := staffAPI.do(http.MethodPatch, "/api/v1/participants/"+id, map[string]any{"version": 0, "email": "egen@example.dk", "digital_post_exempt": true})
	var out struct {
		Email   string   `json:"email"`
		Version int64    `json:"version"`
		Changed []string `json:"changed"`
	}
	res.decode(t, &out)
	if res.Status != http.StatusOK || out.Email != "egen@example.dk" || out.Version != 1 || strings.Join(out.Changed, ",") != "email,digital_post_exempt" {
		t.Errorf("staff PATCH: %d %s", res.Status, res.Body)
	}
	if p := ownData(); p.Email.Reveal() != "egen@example.dk" || !p.DigitalPostExempt || membership(n.partyV.ID).Email.Reveal() != "ny-v@example.dk" {
		t.Errorf("after staff's edit: %q exempt %v", p.Email.Reveal(), p.DigitalPostExempt)
	}
	for _, c := range []struct {
		body    map[string]any
		status  int
		invalid bool // the document refuses it too
	}{
		{map[string]any{"email": "x@example.dk"}, http.StatusUnprocessableEntity, true},                   // no version
		{map[string]any{"version": 0, "email": "x@example.dk"}, http.StatusConflict, false},               // stale
		{map[string]any{"version": 1, "email": "ikke en adresse"}, http.StatusUnprocessableEntity, false}, // invalid
		{map[string]any{"version": 1, "name": "Nyt Navn"}, http.StatusBadRequest, true},                   // not editable
	} {
		var opts []callOpt
		if c.invalid {
			opts = append(opts, invalidRequest)
		}
		if res := staffAPI.do(http.MethodPatch, "/api/v1/participants/"+id, c.body, opts...); res.Status != c.status {
			t.Errorf("staff PATCH %v: %d %s, want %d", c.body, res.Status, res.Body, c.status)
		}
	}
	if p := ownData(); p.Email.Reveal() != "egen@example.dk" || p.Version != 1 {
		t.Errorf("a refused PATCH saved %q version %d", p.Email.Reveal(), p.Version)
	}

	// The audit log names the fields, never the values; staff see the
	// values before and after on the page.
	var entries []models.AuditEntry
	n.db.Where("participant_id = ? AND action = ?", id, models.AuditParticipantChanged).Find(&entries)
	details := ""
	for _, e := range entries {
		details += e.Detail + "\n"
	}
	for _, v := range []string{"egen@", "ny-v@", "Vegetar", contactEmailA, "31000002"} {
		if strings.Contains(details, v) {
			t.Errorf("the audit log holds %q:\n%s", v, details)
		}
	}
	if !strings.Contains(details, "email, digital_post_exempt\n") || !strings.Contains(details, "email, preferred_channel, special_diet (list of party") {
		t.Errorf("the audit log does not name the fields:\n%s", details)
	}
	page := n.loggedIn(t, models.RoleStaff).do(http.MethodGet, "/deltagere/"+id, nil).Body.String()
	if !strings.Contains(page, "Ændringer af kontaktoplysninger") || !strings.Contains(page, "egen@example.dk") || !strings.Contains(page, contactEmailA) {
		t.Errorf("staff's page lacks the history")
	}
	if page := bV.do(http.MethodGet, "/deltagere/"+id, nil).Body.String(); strings.Contains(page, "Ændringer af kontaktoplysninger") || strings.Contains(page, "egen@example.dk") {
		t.Errorf("V sees the history or the person's own data")
	}
}

func readBody(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}
