package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// browser keeps cookies across requests to one app, as a browser does,
// and comes from an address of its own, as people on their own machines
// do (the app's rate limits count per client address).
type browser struct {
	t       *testing.T
	app     http.Handler
	cookies map[string]*http.Cookie
	addr    string
}

var browsers atomic.Uint32

func newBrowser(t *testing.T, app http.Handler) *browser {
	n := browsers.Add(1)
	addr := fmt.Sprintf("10.%d.%d.%d:4711", n>>16&0xff, n>>8&0xff, n&0xff)
	return &browser{t: t, app: app, cookies: map[string]*http.Cookie{}, addr: addr}
}

func (b *browser) do(method, target string, form url.Values, header ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.RemoteAddr = b.addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.app.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

// csrf fetches a page and returns the token its forms carry.
func (b *browser) csrf() string {
	b.t.Helper()
	body := b.do(http.MethodGet, "/login", nil).Body.String()
	if tok := between(body, `name="csrf_token" value="`, `"`); tok != "" {
		return tok
	}
	body = b.do(http.MethodGet, "/konto", nil).Body.String()
	return between(body, `name="csrf_token" value="`, `"`)
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	return s[:strings.Index(s, end)]
}

type fixture struct {
	db    *gorm.DB
	app   http.Handler
	users map[models.Role]models.User
	// clock is the app's time, for the TOTP code of a login; nil is now.
	clock func() time.Time
}

const testPassword = "en lang og god adgangskode"

// fixtureTOTPSecret is the second factor of the fixture's administrator,
// staff and read-only users (models.RequiresTOTP).
const fixtureTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func newFixture(t *testing.T, db *gorm.DB, secure bool) *fixture {
	t.Helper()
	storetest.WithKeys(t, db) // the TOTP secrets are stored encrypted
	if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
		t.Fatal(err)
	}
	var partyA models.Party
	db.Where("letter = ?", "A").First(&partyA)
	hash, _ := models.HashPassword(testPassword)
	f := &fixture{db: db, users: map[models.Role]models.User{}}
	for _, role := range []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
		u := models.User{Email: string(role) + "@sondera.example", Name: "Test " + string(role), Role: role, PasswordHash: hash, CreatedAt: now}
		if role == models.RolePartySecretary {
			u.PartyID = &partyA.ID
		}
		if err := db.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
		f.users[role] = u
		if models.RequiresTOTP(role) {
			// Enrolled with the fixture's secret: loggedIn gives the code.
			code, _ := models.TOTPCode(fixtureTOTPSecret, now.Add(-time.Hour))
			if _, err := store.EnableTOTP(context.Background(), db, u, fixtureTOTPSecret, code, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, SecureCookies: secure, Log: quietLog()})
	return f
}

func (f *fixture) loggedIn(t *testing.T, role models.Role) *browser {
	t.Helper()
	b := newBrowser(t, f.app)
	if role == "" {
		return b
	}
	u := f.users[role]
	rec := b.do(http.MethodPost, "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "csrf_token": {b.csrf()}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login as %s: %d %s", role, rec.Code, rec.Body)
	}
	if models.RequiresTOTP(role) {
		f.giveCode(t, b, u)
	}
	return b
}

// giveCode completes the code step of a login of one of the fixture's
// users with TOTP.
func (f *fixture) giveCode(t *testing.T, b *browser, u models.User) {
	t.Helper()
	if rec := f.codeStep(t, b, u, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("code step of %s: %d %s", u.Email, rec.Code, rec.Body)
	}
}

// codeStep posts the code of the fixed clock's step (and next) to the code
// page. That code is spent after one login, so the step last used is
// forgotten first: every login on the fixture's clock takes the same code.
func (f *fixture) codeStep(t *testing.T, b *browser, u models.User, next string) *httptest.ResponseRecorder {
	t.Helper()
	if err := f.db.Model(&models.UserTOTP{}).Where("user_id = ?", u.ID).Update("last_counter", 0).Error; err != nil {
		t.Fatal(err)
	}
	at := now
	if f.clock != nil {
		at = f.clock()
	}
	code, _ := models.TOTPCode(fixtureTOTPSecret, at)
	return b.do(http.MethodPost, "/login/kode", url.Values{"code": {code}, "next": {next}, "csrf_token": {b.csrfFrom("/login/kode")}})
}

// allowed is who may use a route of each access rule ("" is nobody logged in).
var allowed = map[string]map[models.Role]bool{
	"public":          {"": true, models.RoleAdmin: true, models.RoleStaff: true, models.RoleReadOnly: true, models.RolePartySecretary: true},
	"any user":        {models.RoleAdmin: true, models.RoleStaff: true, models.RoleReadOnly: true, models.RolePartySecretary: true},
	"staff":           {models.RoleAdmin: true, models.RoleStaff: true, models.RoleReadOnly: true},
	"admin only":      {models.RoleAdmin: true},
	"registrar":       {models.RoleAdmin: true, models.RoleStaff: true, models.RolePartySecretary: true},
	"staff write":     {models.RoleAdmin: true, models.RoleStaff: true},
	"party secretary": {models.RolePartySecretary: true},
	// Webhooks: a session is no signature; without one all are refused.
	"provider signed": {},
	// Min side: a volunteer session only (TestAuthorizationMatrixOfVolunteer);
	// no staff login, and nobody anonymous.
	"volunteer": {},
}

// Every route × every role: the access each route declares is what the
// server enforces.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	for _, r := range web.Routes() {
		if allowed[r.Access] == nil {
			t.Fatalf("%s %s has no known access rule %q", r.Method, r.Path, r.Access)
		}
		for _, role := range []models.Role{"", models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
			name := string(role)
			if name == "" {
				name = "anonymous"
			}
			t.Run(r.Method+" "+r.Path+" as "+name, func(t *testing.T) {
				b := f.loggedIn(t, role)
				var form url.Values
				var header []string
				if r.Method != http.MethodGet {
					// Pages take the token from the form, the JSON API
					// from the header.
					tok := b.csrf()
					form = url.Values{"csrf_token": {tok}}
					header = []string{"X-CSRF-Token", tok}
				}
				rec := b.do(r.Method, r.Path, form, header...)
				refused := rec.Code == http.StatusForbidden || rec.Code == http.StatusUnauthorized ||
					(rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login?")) ||
					// Min side sends the anonymous to its own login.
					(rec.Code == http.StatusSeeOther && r.Access == "volunteer" && rec.Header().Get("Location") == "/minside/log-ind")
				if want := allowed[r.Access][role]; refused == want {
					t.Errorf("status %d (Location %q); allowed = %v", rec.Code, rec.Header().Get("Location"), want)
				}
				if refused && role != "" && rec.Code != http.StatusForbidden {
					t.Errorf("a logged-in %s got %d, want 403", role, rec.Code)
				}
			})
		}
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, true)
		b := newBrowser(t, f.app)
		// An anonymous visit to a protected page leads to the login form and back.
		rec := b.do(http.MethodGet, "/konto", nil)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fkonto" {
			t.Fatalf("anonymous /konto: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		tok := b.csrf()
		rec = b.do(http.MethodPost, "/login", url.Values{"email": {" STAFF@Sondera.example"}, "password": {testPassword},
			"csrf_token": {tok}, "next": {"/konto"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/kode?next=%2Fkonto" {
			t.Fatalf("login: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		// Staff have TOTP: the code from the app, and on to next.
		if rec = f.codeStep(t, b, f.users[models.RoleStaff], "/konto"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto" {
			t.Fatalf("code: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		c := b.cookies["valghalla_session"]
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax", c)
		}
		var stored models.Session
		db.First(&stored)
		if stored.TokenHash == c.Value {
			t.Fatal("the session token is stored in the clear")
		}
		if body := b.do(http.MethodGet, "/konto", nil).Body.String(); !strings.Contains(body, "Test staff") || !strings.Contains(body, "Valgsekretariat") {
			t.Fatalf("account page: %s", body)
		}
		old := *c
		// Logout needs the session's CSRF token.
		if rec := b.do(http.MethodPost, "/logout", url.Values{}); rec.Code != http.StatusForbidden {
			t.Fatalf("logout without CSRF token: %d", rec.Code)
		}
		if rec := b.do(http.MethodPost, "/logout", url.Values{"csrf_token": {"forged"}}); rec.Code != http.StatusForbidden {
			t.Fatalf("logout with a forged CSRF token: %d", rec.Code)
		}
		if rec := b.do(http.MethodPost, "/logout", nil, "X-CSRF-Token", b.csrf()); rec.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", rec.Code)
		}
		// The old cookie opens nothing: the session is gone on the server.
		replay := newBrowser(t, f.app)
		replay.cookies["valghalla_session"] = &old
		if rec := replay.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("replayed cookie after logout: %d", rec.Code)
		}
	})
}

func TestLoginRefusalsAreClearAndAlike(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	b := newBrowser(t, f.app)
	for _, c := range []struct {
		email, password string
		code            int
		msg             string
	}{
		{"staff@sondera.example", "forkert adgangskode!", 401, "Forkert e-mail eller adgangskode."},
		{"ingen@sondera.example", testPassword, 401, "Forkert e-mail eller adgangskode."},
		{"", testPassword, 400, "Skriv både e-mail og adgangskode."},
		{strings.Repeat("a", 300) + "@x.example", testPassword, 400, "Skriv både e-mail og adgangskode."},
	} {
		rec := b.do(http.MethodPost, "/login", url.Values{"email": {c.email}, "password": {c.password}, "csrf_token": {b.csrf()}})
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.msg) {
			t.Errorf("%q: %d, want %d with %q", c.email, rec.Code, c.code, c.msg)
		}
	}
	// Login itself is CSRF-protected (double-submit cookie before login).
	fresh := newBrowser(t, f.app)
	if rec := fresh.do(http.MethodPost, "/login", url.Values{"email": {"staff@sondera.example"}, "password": {testPassword}}); rec.Code != http.StatusForbidden {
		t.Errorf("login without a CSRF token: %d", rec.Code)
	}
}

func TestLoginThrottling(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	b := newBrowser(t, f.app)
	try := func(password string) int {
		return b.do(http.MethodPost, "/login", url.Values{"email": {"admin@sondera.example"}, "password": {password}, "csrf_token": {b.csrf()}}).Code
	}
	for range 5 {
		if code := try("gæt gæt gæt gæt"); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := try(testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the right password after 5 failures: %d, want 429", code)
	}
	// Another account is not affected.
	rec := b.do(http.MethodPost, "/login", url.Values{"email": {"staff@sondera.example"}, "password": {testPassword}, "csrf_token": {b.csrf()}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("another account: %d", rec.Code)
	}
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	for next, want := range map[string]string{
		"/admin/brugere": "/admin/brugere", "//evil.example/x": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "": "/",
		// A browser drops a tab or line break in a URL: "/\t/evil" is "//evil".
		"/\t/evil.example": "/", "/\n/evil.example": "/", "/\x7f/evil.example": "/",
		"/x\\evil.example": "/", "https:evil.example": "/", "%2F%2Fevil.example": "/",
		// Encoded, a slash stays a character of this site's path.
		"/%2F%2Fevil.example": "/%2F%2Fevil.example",
	} {
		b := newBrowser(t, f.app)
		rec := b.do(http.MethodPost, "/login", url.Values{"email": {"admin@sondera.example"}, "password": {testPassword},
			"csrf_token": {b.csrf()}, "next": {next}})
		// The next of the password step goes on to the code step, and is
		// checked there again (the form is the user's to change).
		kept := "" // an unsafe next is dropped at once
		if want != "/" {
			kept = want
		}
		if got := rec.Header().Get("Location"); got != "/login/kode?next="+url.QueryEscape(kept) {
			t.Errorf("next=%q: the password step redirected to %q", next, got)
		}
		rec = f.codeStep(t, b, f.users[models.RoleAdmin], next)
		if got := rec.Header().Get("Location"); got != want {
			t.Errorf("next=%q redirected to %q, want %q", next, got, want)
		}
	}
}

func TestPartySecretarySeesOwnPartyAndNoAdminPages(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	b := f.loggedIn(t, models.RolePartySecretary)
	body := b.do(http.MethodGet, "/konto", nil).Body.String()
	if !strings.Contains(body, "Socialdemokratiet (A)") || !strings.Contains(body, "Partisekretær") {
		t.Errorf("account page of a party secretary: %s", body)
	}
	if strings.Contains(body, "/admin/brugere") || strings.Contains(body, "Temporal") {
		t.Error("a party secretary is offered staff links")
	}
}

// The same matrix for the callers that are not a plain session: a session
// whose TOTP code is still due is nobody on every route; an API token is
// its user on the API and nobody on the pages (which read no
// Authorization header); a secretary limited to a station has the role's
// routes.
func TestAuthorizationMatrixOfOtherCallers(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	ctx := context.Background()
	tokens := map[models.Role]string{}
	var err error
	for _, role := range []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary} {
		if tokens[role], _, err = store.CreateAPIToken(ctx, f.db, f.users[models.RoleAdmin], f.users[role].ID, "matrix", now); err != nil {
			t.Fatal(err)
		}
	}
	sec := f.users[models.RolePartySecretary]
	var first models.PollingStation
	f.db.Order("district").First(&first)
	if err := store.LimitToStations(f.db, &sec, []int64{first.ID}); err != nil {
		t.Fatal(err)
	}

	// Each check starts afresh: a POST /logout must not end the next one's
	// session.
	send := func(b *browser, method, path string, header ...string) *httptest.ResponseRecorder {
		var form url.Values
		if method != http.MethodGet && !strings.HasPrefix(path, "/api/") {
			form = url.Values{"csrf_token": {b.csrf()}}
		}
		return b.do(method, path, form, header...)
	}
	type caller struct {
		name string
		as   models.Role // whose access applies
		do   func(method, path string) *httptest.ResponseRecorder
	}
	// A staff member without TOTP, whose right password opened a session
	// that must enrol: nobody, but for the enrolment's routes.
	fresh := models.User{Email: "ny@sondera.example", Name: "Ny", Role: models.RoleStaff, PasswordHash: f.users[models.RoleStaff].PasswordHash, CreatedAt: now}
	if err := f.db.Create(&fresh).Error; err != nil {
		t.Fatal(err)
	}
	enrolment := map[string]bool{"GET /konto/totp": true, "POST /konto/totp": true, "POST /logout": true}
	callers := []caller{
		{"a pending TOTP login", "", func(method, path string) *httptest.ResponseRecorder {
			b := newBrowser(t, f.app)
			token, err := store.CreatePendingSession(ctx, f.db, f.users[models.RoleStaff].ID, now)
			if err != nil {
				t.Fatal(err)
			}
			b.cookies["valghalla_session"] = &http.Cookie{Name: "valghalla_session", Value: token}
			return send(b, method, path)
		}},
		{"a login that must enrol TOTP", "", func(method, path string) *httptest.ResponseRecorder {
			b := newBrowser(t, f.app)
			token, err := store.CreateEnrolmentSession(ctx, f.db, fresh.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			b.cookies["valghalla_session"] = &http.Cookie{Name: "valghalla_session", Value: token}
			var header []string
			if method != http.MethodGet && strings.HasPrefix(path, "/api/") {
				header = []string{"X-CSRF-Token", b.csrf()}
			}
			return send(b, method, path, header...)
		}},
		{"a station-limited secretary", models.RolePartySecretary, func(method, path string) *httptest.ResponseRecorder {
			b := f.loggedIn(t, models.RolePartySecretary)
			var header []string
			if method != http.MethodGet && strings.HasPrefix(path, "/api/") {
				header = []string{"X-CSRF-Token", b.csrf()}
			}
			return send(b, method, path, header...)
		}},
	}
	for role, tok := range tokens {
		callers = append(callers, caller{"an API token of " + string(role), role, func(method, path string) *httptest.ResponseRecorder {
			return send(newBrowser(t, f.app), method, path, "Authorization", "Bearer "+tok)
		}})
	}
	for _, r := range web.Routes() {
		api := strings.HasPrefix(r.Path, "/api/")
		for _, c := range callers {
			as := c.as
			if strings.HasPrefix(c.name, "an API token") && !api {
				as = "" // pages ignore the header: nobody is logged in
			}
			if strings.HasPrefix(c.name, "an API token") && strings.HasPrefix(r.Path, "/api/v1/api-tokens") {
				as = "" // a token neither creates nor revokes tokens
			}
			rec := c.do(r.Method, r.Path)
			refused := rec.Code == http.StatusForbidden || rec.Code == http.StatusUnauthorized ||
				(rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login?")) ||
				// Min side sends whoever is no volunteer to its own login.
				(rec.Code == http.StatusSeeOther && r.Access == "volunteer" && rec.Header().Get("Location") == "/minside/log-ind")
			want := allowed[r.Access][as]
			if c.name == "a pending TOTP login" && r.Method == http.MethodPost && r.Path == "/login/kode" && rec.Code == http.StatusUnauthorized {
				// No code is a wrong code: the code page, answered.
				refused = !strings.Contains(rec.Body.String(), `action="/login/kode"`)
			}
			if c.name == "a login that must enrol TOTP" {
				// Sent to the enrolment page from every other page; the
				// API refuses it outright.
				sent := rec.Code == http.StatusSeeOther && rec.Header().Get("Location") == "/konto/totp"
				public := r.Access == "public" || r.Access == "provider signed"
				switch {
				case enrolment[r.Method+" "+r.Path]:
					want = true
				case !public && api && rec.Code != http.StatusForbidden:
					t.Errorf("%s %s as %s: status %d, want 403", r.Method, r.Path, c.name, rec.Code)
				case !public && !api && !sent:
					t.Errorf("%s %s as %s: status %d (Location %q), want 303 to /konto/totp", r.Method, r.Path, c.name, rec.Code, rec.Header().Get("Location"))
				}
				refused = refused || sent
			}
			if refused == want {
				t.Errorf("%s %s as %s: status %d (Location %q); allowed = %v", r.Method, r.Path, c.name, rec.Code,
					rec.Header().Get("Location"), want)
			}
		}
	}
}
