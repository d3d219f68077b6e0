package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestTOTPSecondFactorForStaff(t *testing.T) {
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db)
	f := newFixture(t, db, false)
	staff := f.loggedIn(t, models.RoleStaff)

	page := staff.do(http.MethodGet, "/konto/totp", nil).Body.String()
	secret := between(page, `name="secret" value="`, `"`)
	if secret == "" || !strings.Contains(page, "otpauth://totp/") {
		t.Fatalf("setup page: %s", page)
	}
	form := url.Values{"secret": {secret}, "code": {"000000"}, "csrf_token": {staff.csrfFrom("/konto")}}
	if rec := staff.do(http.MethodPost, "/konto/totp", form); rec.Code != 422 {
		t.Fatalf("enable with a wrong code: %d", rec.Code)
	}
	code, _ := models.TOTPCode(secret, now)
	form.Set("code", code)
	if rec := staff.do(http.MethodPost, "/konto/totp", form); rec.Code != 200 || !strings.Contains(rec.Body.String(), "slået til") {
		t.Fatalf("enable: %d", rec.Code)
	}
	var raw string
	db.Raw("SELECT secret FROM user_totp").Scan(&raw)
	if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, secret) {
		t.Fatalf("the TOTP secret is not encrypted at rest: %q", raw)
	}

	// Logging in now takes the password and then a fresh code.
	b := newBrowser(t, f.app)
	rec := b.do(http.MethodPost, "/login", url.Values{"email": {f.users[models.RoleStaff].Email}, "password": {testPassword}, "csrf_token": {b.csrf()}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login/kode") {
		t.Fatalf("password step: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := b.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("a half-logged-in session opened /konto: %d", rec.Code)
	}
	codePage := func() string { return b.csrfFrom("/login/kode") }
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {"123456"}, "csrf_token": {codePage()}}); rec.Code != 401 {
		t.Fatalf("wrong code: %d", rec.Code)
	}
	// The code used to enable is spent: it cannot log in.
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {code}, "csrf_token": {codePage()}}); rec.Code != 401 {
		t.Fatalf("replayed code: %d", rec.Code)
	}
	next, _ := models.TOTPCode(secret, now.Add(30*time.Second))
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {next[:3] + " " + next[3:]}, "csrf_token": {codePage()}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("right code: %d %s", rec.Code, rec.Body)
	}
	if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, "Test staff") {
		t.Fatal("not logged in after the code")
	}

	// A lost phone: an administrator resets the factor, which also ends the
	// user's sessions; the next login takes the password alone.
	admin := f.loggedIn(t, models.RoleAdmin)
	users := admin.do(http.MethodGet, "/admin/brugere", nil).Body.String()
	resetPath := "/admin/brugere/" + itoa(f.users[models.RoleStaff].ID) + "/totp/nulstil"
	if !strings.Contains(users, resetPath) {
		t.Fatal("the users page offers no reset for the staff member")
	}
	if rec := b.do(http.MethodPost, resetPath, url.Values{"csrf_token": {b.csrfFrom("/konto")}}); rec.Code != http.StatusForbidden {
		t.Fatalf("staff resetting their own factor: %d", rec.Code)
	}
	if rec := admin.do(http.MethodPost, resetPath, url.Values{"csrf_token": {admin.csrfFrom("/admin/brugere")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("reset: %d", rec.Code)
	}
	if rec := b.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("the staff member's session survived the reset: %d", rec.Code)
	}
	again := newBrowser(t, f.app)
	rec = again.do(http.MethodPost, "/login", url.Values{"email": {f.users[models.RoleStaff].Email}, "password": {testPassword}, "csrf_token": {again.csrf()}})
	if rec.Header().Get("Location") != "/konto" {
		t.Fatalf("login after reset went to %q", rec.Header().Get("Location"))
	}

	// Party secretaries have no second factor page.
	sec := f.loggedIn(t, models.RolePartySecretary)
	if rec := sec.do(http.MethodGet, "/konto/totp", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("secretary TOTP page: %d", rec.Code)
	}
}
