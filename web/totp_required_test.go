package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

var recoveryCodeRE = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)

// enrol sets TOTP up on the enrolment page as a person would: reads the
// key shown for typing, makes the code of t with it, and sends it. It
// returns the secret and the page that answers (the recovery codes).
func enrol(t *testing.T, b *browser, at time.Time) (string, *httpResponse) {
	t.Helper()
	page := b.do(http.MethodGet, "/konto/totp", nil)
	if page.Code != http.StatusOK {
		t.Fatalf("enrolment page: %d", page.Code)
	}
	body := page.Body.String()
	secret := strings.ReplaceAll(between(body, `<code id="totp-secret">`, `</code>`), " ", "")
	if secret == "" || !strings.Contains(body, "otpauth://totp/") {
		t.Fatalf("enrolment page without a key to type: %s", body)
	}
	code, err := models.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	rec := b.do(http.MethodPost, "/konto/totp", url.Values{"secret": {between(body, `name="secret" value="`, `"`)}, "code": {code},
		"csrf_token": {between(body, `name="csrf_token" value="`, `"`)}})
	return secret, &httpResponse{rec.Code, rec.Body.String()}
}

type httpResponse struct {
	code int
	body string
}

// A new staff member's first login: every page leads to the enrolment,
// the API refuses; enabling opens the session (a new cookie) and shows
// ten recovery codes once, kept only hashed; a recovery code logs in once.
func TestTOTPRequiredEnrolmentAndRecoveryCodes(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	u := models.User{Email: "ny@sondera.example", Name: "Ny Medarbejder", Role: models.RoleStaff, PasswordHash: f.users[models.RoleStaff].PasswordHash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	login := func(b *browser) *httpResponse {
		rec := b.do(http.MethodPost, "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}, "next": {"/valg"}})
		return &httpResponse{rec.Code, rec.Header().Get("Location")}
	}

	b := newBrowser(t, f.app)
	if r := login(b); r.code != http.StatusSeeOther || r.body != "/konto/totp" {
		t.Fatalf("first login: %d to %q, want the enrolment page", r.code, r.body)
	}
	for _, path := range []string{"/konto", "/valg", "/oversigt", "/deltagere", "/admin/brugere", "/login/kode"} {
		rec := b.do(http.MethodGet, path, nil)
		if path == "/login/kode" { // public: nobody, so back to the password
			continue
		}
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/totp" {
			t.Errorf("GET %s before enrolling: %d to %q", path, rec.Code, rec.Header().Get("Location"))
		}
	}
	if rec := b.do(http.MethodPost, "/valg", url.Values{"csrf_token": {b.csrf()}}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/totp" {
		t.Errorf("POST /valg before enrolling: %d", rec.Code)
	}
	if rec := b.do(http.MethodGet, "/api/v1/elections", nil); rec.Code != http.StatusForbidden || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
		t.Errorf("the API before enrolling: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if body := b.do(http.MethodGet, "/konto/totp", nil).Body.String(); strings.Contains(body, `href="/valg"`) || !strings.Contains(body, `action="/logout"`) {
		t.Error("the enrolment page offers links it cannot follow, or no logout")
	}

	old := *b.cookies["valghalla_session"]
	secret, r := enrol(t, b, now)
	codes := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
	if r.code != http.StatusOK || len(codes) != 10 {
		t.Fatalf("enable: %d, %d recovery codes: %s", r.code, len(codes), r.body)
	}
	if b.cookies["valghalla_session"].Value == old.Value {
		t.Fatal("enabling kept the session token")
	}
	replay := newBrowser(t, f.app)
	replay.cookies["valghalla_session"] = &old
	if rec := replay.do(http.MethodGet, "/konto/totp", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") == "/konto/totp" {
		t.Fatalf("the enrolment session lives on: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, "Ny Medarbejder") || !strings.Contains(body, "Ubrugte gendannelseskoder: 10") {
		t.Fatalf("the account page after enabling: %s", body)
	}
	// Shown once: the page shows them no more.
	if body := b.do(http.MethodGet, "/konto/totp", nil).Body.String(); recoveryCodeRE.MatchString(body) || strings.Contains(body, codes[0][1]) {
		t.Fatal("the recovery codes are shown again")
	}
	// Kept hashed only.
	var stored []models.TOTPRecoveryCode
	db.Where("user_id = ?", u.ID).Find(&stored)
	if len(stored) != 10 {
		t.Fatalf("%d recovery codes stored", len(stored))
	}
	var dump []string
	db.Raw("SELECT code_hash FROM totp_recovery_codes").Scan(&dump)
	all := strings.ToUpper(strings.Join(dump, " "))
	for _, c := range codes {
		n := strings.ToUpper(strings.ReplaceAll(c[1], "-", ""))
		if strings.Contains(all, n) || strings.Contains(all, strings.ToUpper(c[1])) {
			t.Fatalf("recovery code %s is stored in clear", c[1])
		}
	}

	logout := func(b *browser) {
		if rec := b.do(http.MethodPost, "/logout", url.Values{"csrf_token": {b.csrfFrom("/konto")}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", rec.Code)
		}
	}
	logout(b)
	recovery := func(code string) int {
		b := newBrowser(t, f.app)
		if r := login(b); r.code != http.StatusSeeOther || !strings.HasPrefix(r.body, "/login/kode") {
			t.Fatalf("login with TOTP: %d to %q", r.code, r.body)
		}
		page := b.do(http.MethodGet, "/login/kode?next=%2Fvalg", nil).Body.String()
		if !strings.Contains(page, `id="recovery"`) {
			t.Fatal("the code page takes no recovery code")
		}
		rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {code}, "next": {"/valg"}, "csrf_token": {b.csrfFrom("/login/kode")}})
		if rec.Code == http.StatusSeeOther && rec.Header().Get("Location") != "/valg" {
			t.Fatalf("a recovery code led to %q", rec.Header().Get("Location"))
		}
		return rec.Code
	}
	if code := recovery(strings.ToUpper(codes[4][1])); code != http.StatusSeeOther {
		t.Fatalf("a recovery code: %d", code)
	}
	if code := recovery(codes[4][1]); code != http.StatusUnauthorized {
		t.Fatalf("the same recovery code again: %d", code)
	}

	// A fresh set asks for a current code; the old set dies.
	b = newBrowser(t, f.app)
	login(b)
	if rec := b.do(http.MethodPost, "/login/kode", url.Values{"code": {codes[5][1]}, "csrf_token": {b.csrfFrom("/login/kode")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login with another recovery code: %d", rec.Code)
	}
	if body := b.do(http.MethodGet, "/konto/totp", nil).Body.String(); !strings.Contains(body, "Ubrugte gendannelseskoder: 8") {
		t.Fatalf("the TOTP page does not count the codes left: %s", body)
	}
	renew := func(code string) *httpResponse {
		rec := b.do(http.MethodPost, "/konto/totp/gendannelseskoder", url.Values{"code": {code}, "csrf_token": {b.csrfFrom("/konto/totp")}})
		return &httpResponse{rec.Code, rec.Body.String()}
	}
	if r := renew("000000"); r.code != http.StatusUnprocessableEntity {
		t.Fatalf("new codes with a wrong code: %d", r.code)
	}
	next, _ := models.TOTPCode(secret, now.Add(30*time.Second))
	r = renew(next)
	fresh := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
	if r.code != http.StatusOK || len(fresh) != 10 {
		t.Fatalf("new codes: %d, %d codes", r.code, len(fresh))
	}
	if code := recovery(codes[0][1]); code != http.StatusUnauthorized {
		t.Fatalf("an old recovery code after a new set: %d", code)
	}
	if code := recovery(fresh[0][1]); code != http.StatusSeeOther {
		t.Fatalf("a new recovery code: %d", code)
	}
}

// A party secretary need not have TOTP: the password logs straight in, and
// they may turn it on.
func TestTOTPOptionalForPartySecretaries(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	sec := f.users[models.RolePartySecretary]
	b := newBrowser(t, f.app)
	rec := b.do(http.MethodPost, "/login", url.Values{"email": {sec.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("secretary login: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, `href="/konto/totp"`) {
		t.Fatal("the account page offers no TOTP to a party secretary")
	}
	_, r := enrol(t, b, now)
	if r.code != http.StatusOK || len(recoveryCodeRE.FindAllString(r.body, -1)) != 10 {
		t.Fatalf("a secretary enabling TOTP: %d", r.code)
	}
	again := newBrowser(t, f.app)
	rec = again.do(http.MethodPost, "/login", url.Values{"email": {sec.Email}, "password": {testPassword}, "csrf_token": {again.csrf()}})
	if !strings.HasPrefix(rec.Header().Get("Location"), "/login/kode") {
		t.Fatalf("a secretary with TOTP logged in to %q", rec.Header().Get("Location"))
	}
}

// An administrator's reset ends every session of the user, with TOTP or
// without, and removes their recovery codes.
func TestResetTOTPEndsSessionsAndRecoveryCodes(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	admin := f.loggedIn(t, models.RoleAdmin)
	reset := func(u models.User) {
		t.Helper()
		rec := admin.do(http.MethodPost, "/admin/brugere/"+itoa(u.ID)+"/totp/nulstil", url.Values{"csrf_token": {admin.csrfFrom("/admin/brugere")}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("reset of %s: %d", u.Email, rec.Code)
		}
	}
	for _, role := range []models.Role{models.RoleStaff, models.RolePartySecretary} {
		u := f.users[role]
		b1, b2 := f.loggedIn(t, role), f.loggedIn(t, role)
		var n int64
		if db.Model(&models.TOTPRecoveryCode{}).Where("user_id = ?", u.ID).Count(&n); role == models.RoleStaff && n != 10 {
			t.Fatalf("the fixture's staff has %d recovery codes", n)
		}
		reset(u)
		for _, b := range []*browser{b1, b2} {
			if rec := b.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
				t.Errorf("a session of %s survived the reset: %d", role, rec.Code)
			}
		}
		for _, table := range []string{"sessions", "user_totp", "totp_recovery_codes"} {
			db.Table(table).Where("user_id = ?", u.ID).Count(&n)
			if n != 0 {
				t.Errorf("%d rows of %s left in %s after the reset", n, role, table)
			}
		}
	}
	if rec := admin.do(http.MethodPost, "/admin/brugere/999999/totp/nulstil", url.Values{"csrf_token": {admin.csrfFrom("/admin/brugere")}}); rec.Code != http.StatusNotFound {
		t.Errorf("reset of an unknown user: %d", rec.Code)
	}
}
