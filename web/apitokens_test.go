package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// API tokens end to end: an administrator issues them on the page (shown
// once) and through the API by session, never by token and never for
// another administrator; a token works until it expires or is revoked —
// by its owner on their account page, by an administrator — and then is
// refused as an unknown one; every request made with one is audited with
// its name and the route's pattern.
func TestAPITokenExpiryAndRevocation(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	clock := now
	tick := func() time.Time { return clock }
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Now: tick, Log: quietLog()}),
		Now: tick, Log: quietLog()})
	f.clock = tick
	other := models.User{Email: "admin2@sondera.example", Name: "Anden Administrator", Role: models.RoleAdmin, CreatedAt: now}
	if err := db.Create(&other).Error; err != nil {
		t.Fatal(err)
	}
	staff, readOnly := f.users[models.RoleStaff], f.users[models.RoleReadOnly]
	tokenID := func(name string) int64 {
		var tok models.APIToken
		if err := db.Where("name = ?", name).First(&tok).Error; err != nil {
			t.Fatalf("token %q: %v", name, err)
		}
		return tok.ID
	}

	// The page: the form offers non-administrators and oneself only.
	admin := f.loggedIn(t, models.RoleAdmin)
	page := admin.do(http.MethodGet, "/admin/api-noegler", nil)
	body := page.Body.String()
	if page.Code != http.StatusOK || !strings.Contains(body, "Ny API-nøgle") || !strings.Contains(body, `value="`+strconv.FormatInt(staff.ID, 10)+`"`) ||
		!strings.Contains(body, `value="`+strconv.FormatInt(f.users[models.RoleAdmin].ID, 10)+`"`) || strings.Contains(body, other.Name) {
		t.Fatalf("token page: %d %s", page.Code, body)
	}
	csrf := admin.csrf()
	issue := func(userID int64, name, days string) (int, string) {
		rec := admin.do(http.MethodPost, "/admin/api-noegler", url.Values{"user_id": {strconv.FormatInt(userID, 10)}, "name": {name},
			"days": {days}, "csrf_token": {csrf}})
		return rec.Code, rec.Body.String()
	}
	if code, body := issue(other.ID, "x", "30"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "anden administrator") {
		t.Errorf("a token for another administrator: %d %s", code, body)
	}
	if code, body := issue(staff.ID, "x", "366"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "mellem 1 og 365 dage") {
		t.Errorf("a token for more than a year: %d %s", code, body)
	}
	code, body := issue(staff.ID, "valgliste", "30")
	staffToken := between(body, `<code id="new-token">`, `</code>`)
	if code != http.StatusCreated || len(staffToken) < 40 {
		t.Fatalf("issuing on the page: %d %s", code, body)
	}
	if body := admin.do(http.MethodGet, "/admin/api-noegler", nil).Body.String(); strings.Contains(body, staffToken) ||
		!strings.Contains(body, "valgliste") || !strings.Contains(body, "Aktiv") || !strings.Contains(body, "Aldrig") || !strings.Contains(body, "</html>") {
		t.Errorf("the list shows the token again, or not its row: %s", body)
	}

	// The API, by the administrator's session.
	session := f.sessionAPI(t, models.RoleAdmin)
	if res := session.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": readOnly.ID, "name": "x", "expires_in_days": 0}); res.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(res.Body), `"expires_in_days"`) {
		t.Errorf("0 days: %d %s", res.Status, res.Body)
	}
	if res := session.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": other.ID, "name": "x"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("through the API for another administrator: %d %s", res.Status, res.Body)
	}
	var issued struct {
		Token     string
		ID        int64
		ExpiresAt time.Time `json:"expires_at"`
	}
	res := session.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": readOnly.ID, "name": "rapport", "expires_in_days": 10})
	res.decode(t, &issued)
	if res.Status != http.StatusCreated || !issued.ExpiresAt.Equal(now.AddDate(0, 0, 10)) {
		t.Fatalf("issuing through the API: %d %s", res.Status, res.Body)
	}
	var own struct{ Token string }
	res = session.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": f.users[models.RoleAdmin].ID, "name": "min egen"})
	res.decode(t, &own)
	if res.Status != http.StatusCreated {
		t.Fatalf("an administrator's own token: %d %s", res.Status, res.Body)
	}

	// A token works; it cannot make or revoke tokens, not even an administrator's.
	staffAPI, readOnlyAPI, adminAPI := f.tokenAPI(t, staffToken), f.tokenAPI(t, issued.Token), f.tokenAPI(t, own.Token)
	if res := staffAPI.do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusOK {
		t.Fatalf("a fresh token: %d %s", res.Status, res.Body)
	}
	res = adminAPI.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": staff.ID, "name": "mere"})
	if res.Status != http.StatusForbidden || !strings.Contains(res.errText(t), "API-nøgle kan ikke oprette") {
		t.Errorf("a token creating a token: %d %s", res.Status, res.Body)
	}
	if res := adminAPI.do(http.MethodDelete, "/api/v1/api-tokens/"+strconv.FormatInt(issued.ID, 10), nil); res.Status != http.StatusForbidden {
		t.Errorf("a token revoking a token: %d %s", res.Status, res.Body)
	}

	// Every request made with a token is audited: its name, the route's
	// pattern (never the id in the path), the status.
	var election models.Election
	db.First(&election)
	if res := staffAPI.do(http.MethodGet, "/api/v1/elections/"+strconv.FormatInt(election.ID, 10), nil); res.Status != http.StatusOK {
		t.Fatalf("reading an election: %d %s", res.Status, res.Body)
	}
	var used []models.AuditEntry
	db.Where("action = ?", models.AuditAPITokenUsed).Order("id").Find(&used)
	want := []string{`"valgliste": GET /api/v1/elections → 200`, `"min egen": POST /api/v1/api-tokens → 403`,
		`"min egen": DELETE /api/v1/api-tokens/:id → 403`, `"valgliste": GET /api/v1/elections/:id → 200`}
	if len(used) != len(want) {
		t.Fatalf("%d uses audited, want %d: %+v", len(used), len(want), used)
	}
	for i, e := range used {
		if !strings.HasSuffix(e.Detail, want[i]) || e.ActorID == nil {
			t.Errorf("use %d audited as %q, want …%q", i, e.Detail, want[i])
		}
	}
	if *used[0].ActorID != staff.ID || *used[1].ActorID != f.users[models.RoleAdmin].ID {
		t.Errorf("uses audited as users %d and %d", *used[0].ActorID, *used[1].ActorID)
	}

	// Another user cannot revoke a token that is not theirs: not found.
	readOnlyPage := f.loggedIn(t, models.RoleReadOnly)
	if rec := readOnlyPage.do(http.MethodPost, "/konto/api-noegler/"+strconv.FormatInt(tokenID("valgliste"), 10)+"/tilbagekald",
		url.Values{"csrf_token": {readOnlyPage.csrf()}}); rec.Code != http.StatusNotFound {
		t.Errorf("revoking another's token: %d", rec.Code)
	}
	if res := staffAPI.do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusOK {
		t.Fatalf("the token after another user's try: %d", res.Status)
	}

	// The owner sees their tokens and revokes: refused at once.
	staffPage := f.loggedIn(t, models.RoleStaff)
	if body := staffPage.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, `href="/konto/api-noegler"`) {
		t.Errorf("the account page does not link the tokens")
	}
	list := staffPage.do(http.MethodGet, "/konto/api-noegler", nil)
	if body := list.Body.String(); list.Code != http.StatusOK || !strings.Contains(body, "valgliste") || strings.Contains(body, "rapport") ||
		!strings.Contains(body, "Test admin") || !strings.Contains(body, "</html>") {
		t.Errorf("the owner's list: %d %s", list.Code, body)
	}
	rec := staffPage.do(http.MethodPost, "/konto/api-noegler/"+strconv.FormatInt(tokenID("valgliste"), 10)+"/tilbagekald",
		url.Values{"csrf_token": {staffPage.csrf()}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/api-noegler?besked=apitokens.revoked" {
		t.Fatalf("the owner revoking: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	res = staffAPI.do(http.MethodGet, "/api/v1/elections", nil)
	if res.Status != http.StatusUnauthorized || res.errText(t) != "API-nøglen er ukendt, udløbet eller trukket tilbage." {
		t.Errorf("a revoked token: %d %s", res.Status, res.Body)
	}
	if body := staffPage.do(http.MethodGet, "/konto/api-noegler?besked=apitokens.revoked", nil).Body.String(); !strings.Contains(body, "Tilbagekaldt") {
		t.Errorf("the revoked token's state: %s", body)
	}

	// An administrator revokes another user's token on the page; and one
	// through the API, by session.
	code, body = issue(staff.ID, "igen", "")
	again := between(body, `<code id="new-token">`, `</code>`)
	if code != http.StatusCreated || f.tokenAPI(t, again).do(http.MethodGet, "/api/v1/elections", nil).Status != http.StatusOK {
		t.Fatalf("a second token: %d", code)
	}
	rec = admin.do(http.MethodPost, "/admin/api-noegler/"+strconv.FormatInt(tokenID("igen"), 10)+"/tilbagekald", url.Values{"csrf_token": {csrf}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("an administrator revoking: %d", rec.Code)
	}
	if res := f.tokenAPI(t, again).do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("a token an administrator revoked: %d", res.Status)
	}
	if res := session.do(http.MethodDelete, "/api/v1/api-tokens/"+strconv.FormatInt(tokenID("min egen"), 10), nil); res.Status != http.StatusOK {
		t.Errorf("revoking through the API: %d %s", res.Status, res.Body)
	}
	if res := adminAPI.do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("a token revoked through the API: %d", res.Status)
	}
	if res := session.do(http.MethodDelete, "/api/v1/api-tokens/99999", nil); res.Status != http.StatusNotFound {
		t.Errorf("revoking an unknown token: %d", res.Status)
	}
	var revocations int64
	db.Model(&models.AuditEntry{}).Where("action = ? AND detail LIKE ?", models.AuditAPITokenRevoked, `%"valgliste"%`).Count(&revocations)
	if revocations != 1 {
		t.Errorf("%d audited revocations of valgliste, want 1", revocations)
	}

	// Expiry: the 10-day token works until its instant, then is refused.
	clock = now.AddDate(0, 0, 10).Add(-time.Second)
	if res := readOnlyAPI.do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusOK {
		t.Fatalf("a token the second before it expires: %d %s", res.Status, res.Body)
	}
	clock = now.AddDate(0, 0, 10)
	if res := readOnlyAPI.do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("an expired token: %d %s", res.Status, res.Body)
	}
	if body := f.loggedIn(t, models.RoleAdmin).do(http.MethodGet, "/admin/api-noegler", nil).Body.String(); !strings.Contains(body, "Udløbet") {
		t.Errorf("the expired token's state on the page: %s", body)
	}
}
