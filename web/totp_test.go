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

// The fixture's staff member has TOTP: the password opens only the code
// page, a wrong or replayed code is refused, the right one logs in; an
// administrator's reset ends their sessions and the next login must
// enrol again.
func TestTOTPSecondFactorForStaff(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	staff := f.users[models.RoleStaff]

	var raw string
	db.Raw("SELECT secret FROM user_totp WHERE user_id = ?", staff.ID).Scan(&raw)
	if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, fixtureTOTPSecret) {
		t.Fatalf("the TOTP secret is not encrypted at rest: %q", raw)
	}

	b := newBrowser(t, f.app)
	rec := b.do(http.MethodPost, "/login", url.Values{"email": {staff.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}})
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
	// A code is spent once used: the one of the enabling step cannot log in.
	f.db.Model(&models.UserTOTP{}).Where("user_id = ?", staff.ID).Update("last_counter", now.Unix()/30)
	code, _ := models.TOTPCode(fixtureTOTPSecret, now)
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {code}, "csrf_token": {codePage()}}); rec.Code != 401 {
		t.Fatalf("replayed code: %d", rec.Code)
	}
	next, _ := models.TOTPCode(fixtureTOTPSecret, now.Add(30*time.Second))
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {next[:3] + " " + next[3:]}, "csrf_token": {codePage()}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("right code: %d %s", rec.Code, rec.Body)
	}
	if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, "Test staff") {
		t.Fatal("not logged in after the code")
	}

	// A lost phone: an administrator resets the factor, which also ends the
	// user's sessions; staff must have TOTP, so the next login enrols anew.
	admin := f.loggedIn(t, models.RoleAdmin)
	users := admin.do(http.MethodGet, "/admin/brugere", nil).Body.String()
	resetPath := "/admin/brugere/" + itoa(staff.ID) + "/totp/nulstil"
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
	rec = again.do(http.MethodPost, "/login", url.Values{"email": {staff.Email}, "password": {testPassword}, "csrf_token": {again.csrf()}})
	if rec.Header().Get("Location") != "/konto/totp" {
		t.Fatalf("login after reset went to %q", rec.Header().Get("Location"))
	}
}
