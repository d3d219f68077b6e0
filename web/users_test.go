package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// invitations stands in for Temporal and notes the account e-mails
// started (the arguments: user ids).
type invitations struct {
	temporalHealth
	started []any
}

func (i *invitations) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	i.started = append(i.started, args...)
	return nil, nil
}

// usersFixture is the fixture with a Temporal that notes invitations.
func usersFixture(t *testing.T) (*fixture, *invitations) {
	t.Helper()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db) // the TOTP secret is stored encrypted
	f := newFixture(t, db, false)
	inv := &invitations{}
	clock := func() time.Time { return now }
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: inv, Now: clock, Log: quietLog()}),
		Now: clock, Log: quietLog()})
	return f, inv
}

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, target string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	form.Set("csrf_token", b.csrfFrom(from))
	return b.do(http.MethodPost, target, form)
}

// An administrator finds a party secretary, moves them to another party
// limited to a station, and sees it on the users page.
func TestUsersSearchAndEditASecretary(t *testing.T) {
	f, _ := usersFixture(t)
	admin := f.loggedIn(t, models.RoleAdmin)
	sec := f.users[models.RolePartySecretary]
	secPath := "/admin/brugere/" + itoa(sec.ID)
	var partyV models.Party
	f.db.Where("letter = ?", "V").First(&partyV)
	var stations []models.PollingStation
	f.db.Order("district").Find(&stations)

	page := admin.do(http.MethodGet, "/admin/brugere?q=PARTY_SEC", nil).Body.String()
	if !strings.Contains(page, `href="`+secPath+`"`) || strings.Contains(page, "Test staff") {
		t.Fatalf("search by e-mail: %s", page)
	}
	if page := admin.do(http.MethodGet, "/admin/brugere?q=test+STAFF", nil).Body.String(); !strings.Contains(page, "Test staff") || strings.Contains(page, "Test party_secretary") {
		t.Fatalf("search by name: %s", page)
	}
	if rec := admin.do(http.MethodGet, secPath+"?lang=en", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Deactivate") {
		t.Fatalf("edit page: %d", rec.Code)
	}
	admin.do(http.MethodGet, secPath+"?lang=da", nil) // back to Danish
	if rec := admin.do(http.MethodGet, "/admin/brugere/999999", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("an unknown user: %d", rec.Code)
	}

	form := url.Values{"name": {sec.Name}, "email": {sec.Email}, "role": {"party_secretary"}, "party_id": {itoa(partyV.ID)},
		"station_limited": {"on"}}
	rec := admin.post(secPath, secPath, form)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Vælg mindst ét valgsted") {
		t.Fatalf("limited to no station: %d %s", rec.Code, rec.Body)
	}
	form.Set("station", itoa(stations[1].ID))
	rec = admin.post(secPath, secPath, form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != secPath+"?besked=users.saved" {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	var stored models.User
	f.db.First(&stored, sec.ID)
	limit, _ := store.StationLimitOf(context.Background(), f.db, stored)
	if *stored.PartyID != partyV.ID || !limit.Limited || len(limit.IDs) != 1 || limit.IDs[0] != stations[1].ID {
		t.Fatalf("stored %+v, limit %+v", stored, limit)
	}
	page = admin.do(http.MethodGet, "/admin/brugere", nil).Body.String()
	if !strings.Contains(page, partyV.Name) || !strings.Contains(page, itoa(int64(stations[1].District))+". "+stations[1].Name) {
		t.Errorf("the users page lacks the new party and station")
	}

	// An administrator cannot demote or deactivate themselves.
	self := "/admin/brugere/" + itoa(f.users[models.RoleAdmin].ID)
	if rec := admin.post(self, self+"/deaktiver", url.Values{}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Du kan ikke deaktivere dig selv") {
		t.Errorf("deactivate oneself: %d", rec.Code)
	}
	rec = admin.post(self, self, url.Values{"name": {"Admin"}, "email": {"admin@sondera.example"}, "role": {"staff"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Du kan ikke fjerne din egen administratorrolle") {
		t.Errorf("demote oneself: %d", rec.Code)
	}
}

// One POST deactivates a party secretary: their open session and their API
// token are refused at once; so is a staff member's pending TOTP login
// after theirs. The password then gets the answer of a wrong one, until
// the user is reactivated.
func TestDeactivationRefusesSessionTokenAndPendingLoginAtOnce(t *testing.T) {
	f, _ := usersFixture(t)
	ctx := context.Background()
	admin := f.loggedIn(t, models.RoleAdmin)
	sec, staff := f.users[models.RolePartySecretary], f.users[models.RoleStaff]
	var e models.Election
	f.db.First(&e)
	overview := "/api/v1/elections/" + itoa(e.ID) + "/overview"

	// (a) the secretary's session in their own browser.
	secBrowser := newBrowser(t, f.app)
	login := func(password string) *httptest.ResponseRecorder {
		return secBrowser.do(http.MethodPost, "/login", url.Values{"email": {sec.Email}, "password": {password}, "csrf_token": {secBrowser.csrf()}})
	}
	if rec := login(testPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("secretary login: %d", rec.Code)
	}
	// (b) their API token.
	token, _, err := store.CreateAPIToken(ctx, f.db, f.users[models.RoleAdmin], sec.ID, "script", now)
	if err != nil {
		t.Fatal(err)
	}
	api := func() int { return get(t, f.app, overview, "Authorization", "Bearer "+token).Code }
	// (c) a staff member's login with the password given, the code not yet.
	secret, _ := models.NewTOTPSecret()
	code, _ := models.TOTPCode(secret, now.Add(-time.Minute))
	if _, err := store.EnableTOTP(ctx, f.db, staff, secret, code, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	pendingToken, err := store.CreatePendingSession(ctx, f.db, staff.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	pending := newBrowser(t, f.app)
	pending.cookies["valghalla_session"] = &http.Cookie{Name: "valghalla_session", Value: pendingToken}

	if rec := secBrowser.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusOK {
		t.Fatalf("the secretary's session before: %d", rec.Code)
	}
	if code := api(); code != http.StatusOK {
		t.Fatalf("the API token before: %d", code)
	}
	if rec := pending.do(http.MethodGet, "/login/kode", nil); rec.Code != http.StatusOK {
		t.Fatalf("the pending login before: %d", rec.Code)
	}
	page := admin.do(http.MethodGet, "/admin/brugere", nil).Body.String()
	if !strings.Contains(page, "23.11.2026 16:00") {
		t.Error("the users page does not show the secretary's last login in Copenhagen time")
	}

	secPath, staffPath := "/admin/brugere/"+itoa(sec.ID), "/admin/brugere/"+itoa(staff.ID)
	if rec := admin.post(secPath, secPath+"/deaktiver", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("deactivate the secretary: %d %s", rec.Code, rec.Body)
	}
	if rec := secBrowser.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("(a) the open session after deactivation: %d", rec.Code)
	}
	if code := api(); code != http.StatusUnauthorized {
		t.Errorf("(b) the API token after deactivation: %d", code)
	}
	if rec := admin.post(staffPath, staffPath+"/deaktiver", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("deactivate the staff member: %d", rec.Code)
	}
	next, _ := models.TOTPCode(secret, now)
	rec := pending.do(http.MethodPost, "/login/kode", url.Values{"code": {next}, "csrf_token": {pending.csrfFrom("/login")}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Errorf("(c) the pending login's right code after deactivation: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := pending.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("(c) the pending login opened /konto: %d", rec.Code)
	}
	page = admin.do(http.MethodGet, "/admin/brugere", nil).Body.String()
	if strings.Count(page, "Deaktiveret") != 2 {
		t.Errorf("the users page shows %d deactivated users, want 2", strings.Count(page, "Deaktiveret"))
	}

	// The right password of a deactivated user is answered as a wrong one.
	wrong, right := login("forkert adgangskode!"), login(testPassword)
	if wrong.Code != http.StatusUnauthorized || right.Code != wrong.Code ||
		!strings.Contains(right.Body.String(), "Forkert e-mail eller adgangskode.") {
		t.Errorf("login after deactivation: %d, a wrong password %d", right.Code, wrong.Code)
	}
	if rec := admin.post(secPath, secPath+"/link", url.Values{}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a link for a deactivated user: %d", rec.Code)
	}

	if rec := admin.post(secPath, secPath+"/aktiver", url.Values{}); rec.Code != http.StatusSeeOther ||
		rec.Header().Get("Location") != secPath+"?besked=users.reactivated" {
		t.Fatalf("reactivate: %d", rec.Code)
	}
	if rec := login(testPassword); rec.Code != http.StatusSeeOther {
		t.Errorf("login after reactivation: %d", rec.Code)
	}
	if rec := secBrowser.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusOK {
		t.Errorf("the account page after reactivation: %d", rec.Code)
	}
}

// Sending the account e-mail again starts the invitation and kills the
// old link at once; the new link the e-mail carries works.
func TestResendingTheAccountLinkKillsTheOldOne(t *testing.T) {
	f, inv := usersFixture(t)
	admin := f.loggedIn(t, models.RoleAdmin)
	u, old := newAccountLink(t, f.db)
	path := "/admin/brugere/" + itoa(u.ID)
	anon := newBrowser(t, f.app)
	if rec := anon.do(http.MethodGet, "/konto/aktiver/"+old, nil); rec.Code != http.StatusOK {
		t.Fatalf("the link before: %d", rec.Code)
	}

	rec := admin.post(path, path+"/link", url.Values{})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path+"?besked=users.linksent" {
		t.Fatalf("resend: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if len(inv.started) != 1 || inv.started[0] != u.ID {
		t.Fatalf("invitations started: %v", inv.started)
	}
	if page := admin.do(http.MethodGet, path+"?besked=users.linksent", nil).Body.String(); !strings.Contains(page, "Kontomailen er på vej") {
		t.Error("the user's page does not say the e-mail is on its way")
	}
	rec = anon.do(http.MethodGet, "/konto/aktiver/"+old, nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "erstattet af et nyere") {
		t.Errorf("the old link after a resend: %d", rec.Code)
	}
	// The invitation's activity makes the new link.
	fresh, err := store.CreateAccountLink(context.Background(), f.db, u.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if rec := anon.do(http.MethodGet, "/konto/aktiver/"+fresh, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ny Bruger") {
		t.Errorf("the new link: %d", rec.Code)
	}
}
