package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows/payload"
)

// resetStarts stands in for the Temporal client: it records the workflows
// started and their arguments.
type resetStarts struct {
	temporalHealth
	mu      sync.Mutex
	started []string
	args    [][]any
}

func (r *resetStarts) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, o.ID)
	r.args = append(r.args, args)
	return nil, nil
}

// waitFor waits for n starts (they run in the background) and returns them.
func (r *resetStarts) waitFor(t *testing.T, n int) ([]string, [][]any) {
	t.Helper()
	for range 200 {
		r.mu.Lock()
		started, args := append([]string(nil), r.started...), append([][]any(nil), r.args...)
		r.mu.Unlock()
		if len(started) >= n {
			return started, args
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d workflow starts awaited", n)
	return nil, nil
}

// passwordFixture is the web fixture with a recording Temporal client and
// a clock the test moves.
type passwordFixture struct {
	*fixture
	starts *resetStarts
	clock  time.Time
}

func newPasswordFixture(t *testing.T, db *gorm.DB) *passwordFixture {
	t.Helper()
	f := &passwordFixture{fixture: newFixture(t, db, false), starts: &resetStarts{}, clock: now}
	clock := func() time.Time { return f.clock }
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: f.starts, Now: clock, Log: quietLog()}),
		Now: clock, Log: quietLog()})
	return f
}

func (f *passwordFixture) askForReset(b *browser, email string) (int, string) {
	rec := b.do(http.MethodPost, "/login/glemt", url.Values{"email": {email}, "csrf_token": {b.csrf()}})
	return rec.Code, rec.Body.String()
}

func (f *passwordFixture) resets(t *testing.T, userID int64) []models.PasswordReset {
	t.Helper()
	var rs []models.PasswordReset
	if err := f.db.Where("user_id = ?", userID).Order("id").Find(&rs).Error; err != nil {
		t.Fatal(err)
	}
	return rs
}

// tokenOf makes the token of a reset link as the e-mail's activity does.
func (f *passwordFixture) tokenOf(t *testing.T, r models.PasswordReset) string {
	t.Helper()
	token, _, err := store.IssuePasswordResetToken(context.Background(), f.db, r.ID, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// The answer is the same, to the byte, for a known address, an unknown one
// and a login that has no password yet; only the known one gets a link.
func TestPasswordResetAnswersAlikeForEveryAddress(t *testing.T) {
	f := newPasswordFixture(t, storetest.SQLite(t))
	sec := f.users[models.RolePartySecretary]
	pending := models.User{Email: "ny@sondera.example", Name: "Ny Bruger", Role: models.RoleStaff, CreatedAt: now}
	f.db.Create(&pending)

	b := newBrowser(t, f.app)
	if rec := b.do(http.MethodGet, "/login", nil); !strings.Contains(rec.Body.String(), `href="/login/glemt"`) {
		t.Fatal("the login page has no link to /login/glemt")
	}
	if rec := b.do(http.MethodGet, "/login/glemt", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="/login/glemt"`) {
		t.Fatalf("GET /login/glemt: %d", rec.Code)
	}
	code, body := f.askForReset(b, strings.ToUpper(sec.Email))
	if code != http.StatusOK || !strings.Contains(body, "Hvis adressen har en konto, har vi sendt et link") {
		t.Fatalf("known address: %d %.300s", code, body)
	}
	for _, email := range []string{"ingen@sondera.example", pending.Email} {
		if c, b := f.askForReset(b, email); c != code || b != body {
			t.Errorf("%s: %d, a different answer than for a known address:\n%s\n---\n%s", email, c, b, body)
		}
	}
	if strings.Contains(body, sec.Email) || strings.Contains(strings.ToLower(body), strings.ToLower(sec.Email)) {
		t.Error("the answer echoes the address")
	}
	var all int64
	f.db.Model(&models.PasswordReset{}).Count(&all)
	rs := f.resets(t, sec.ID)
	if all != 1 || len(rs) != 1 || rs[0].TokenHash != nil || !rs[0].ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("%d reset rows, the secretary's %+v", all, rs)
	}
	// The e-mail's workflow is started with the row's id and nothing else.
	started, args := f.starts.waitFor(t, 1)
	if started[0] != payload.PasswordResetID(rs[0].ID) || len(args[0]) != 1 || args[0][0] != rs[0].ID {
		t.Fatalf("started %v with %v", started, args)
	}
	// An empty address is asked for again.
	if rec := b.do(http.MethodPost, "/login/glemt", url.Values{"email": {""}, "csrf_token": {b.csrf()}}); rec.Code != http.StatusBadRequest {
		t.Fatalf("no address: %d", rec.Code)
	}
}

// A link works once, ends the sessions of every browser, and expires after
// an hour; the pages of a dead link say nothing of whose it was.
func TestPasswordResetLinkWorksOnceAndExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newPasswordFixture(t, db)
		sec := f.users[models.RolePartySecretary]
		elsewhere := f.loggedIn(t, models.RolePartySecretary)
		b := newBrowser(t, f.app)
		f.askForReset(b, sec.Email)
		token := f.tokenOf(t, f.resets(t, sec.ID)[0])
		link := "/login/nulstil/" + token

		if rec := b.do(http.MethodGet, link, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="password2"`) {
			t.Fatalf("GET the link: %d %.300s", rec.Code, rec.Body)
		}
		const chosen = "min nye og meget lange adgangskode"
		post := func(p1, p2 string) (int, string) {
			rec := b.do(http.MethodPost, link, url.Values{"password": {p1}, "password2": {p2}, "csrf_token": {b.csrf()}})
			return rec.Code, rec.Body.String()
		}
		if code, body := post(chosen, chosen+"x"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "ikke ens") {
			t.Fatalf("two different passwords: %d", code)
		}
		if code, body := post("kort", "kort"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "mindst 12 tegn") {
			t.Fatalf("a short password: %d %.300s", code, body)
		}
		if rec := elsewhere.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusOK {
			t.Fatalf("the other browser before the reset: %d", rec.Code)
		}
		if code, body := post(chosen, chosen); code != http.StatusOK || !strings.Contains(body, "Den nye adgangskode er gemt") {
			t.Fatalf("reset: %d %.300s", code, body)
		}
		if rec := elsewhere.do(http.MethodGet, "/konto", nil); rec.Code == http.StatusOK {
			t.Fatal("the session in another browser outlived the reset")
		}
		// Once only.
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{"password": {chosen}, "password2": {chosen}, "csrf_token": {b.csrf()}}
			}
			if rec := b.do(method, link, form); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "kun én gang") {
				t.Fatalf("%s the used link: %d", method, rec.Code)
			}
		}
		// The new password logs in; the old does not.
		login := func(password string) int {
			nb := newBrowser(t, f.app)
			return nb.do(http.MethodPost, "/login", url.Values{"email": {sec.Email}, "password": {password}, "csrf_token": {nb.csrf()}}).Code
		}
		if code := login(testPassword); code != http.StatusUnauthorized {
			t.Fatalf("the old password: %d", code)
		}
		if code := login(chosen); code != http.StatusSeeOther {
			t.Fatalf("the new password: %d", code)
		}

		// A new link an hour later has expired.
		f.askForReset(b, sec.Email)
		rs := f.resets(t, sec.ID)
		late := "/login/nulstil/" + f.tokenOf(t, rs[len(rs)-1])
		f.clock = now.Add(59 * time.Minute)
		if rec := b.do(http.MethodGet, late, nil); rec.Code != http.StatusOK {
			t.Fatalf("after 59 minutes: %d", rec.Code)
		}
		f.clock = now.Add(time.Hour)
		used := b.do(http.MethodGet, link, nil).Body.String()
		for target, want := range map[string]int{late: http.StatusGone, "/login/nulstil/ukendt": http.StatusNotFound} {
			rec := b.do(http.MethodGet, target, nil)
			body := rec.Body.String()
			if rec.Code != want || strings.Contains(body, sec.Name) || strings.Contains(body, sec.Email) {
				t.Errorf("GET %s: %d, want %d and no name", target, rec.Code, want)
			}
			if target == late && !strings.Contains(body, "gyldigt i en time") {
				t.Errorf("the expired link's page: %.300s", body)
			}
		}
		if strings.Contains(used, sec.Name) || strings.Contains(used, sec.Email) {
			t.Error("the used link's page names the user")
		}
		if rec := b.do(http.MethodPost, late, url.Values{"password": {chosen}, "password2": {chosen}, "csrf_token": {b.csrf()}}); rec.Code != http.StatusGone {
			t.Fatalf("POST the expired link: %d", rec.Code)
		}
	})
}

// At most three e-mails per address and hour; a fourth request gets the
// same answer and sends nothing.
func TestPasswordResetIsRateLimitedPerAddress(t *testing.T) {
	f := newPasswordFixture(t, storetest.SQLite(t))
	sec := f.users[models.RolePartySecretary]
	b := newBrowser(t, f.app)
	code, body := f.askForReset(b, sec.Email)
	for i := 0; i < 3; i++ {
		f.clock = now.Add(time.Duration(i+1) * time.Minute)
		if c, bb := f.askForReset(b, sec.Email); c != code || bb != body {
			t.Fatalf("request %d: %d, a different answer", i+2, c)
		}
	}
	if rs := f.resets(t, sec.ID); len(rs) != 3 {
		t.Fatalf("%d links after 4 requests, want 3", len(rs))
	}
	f.starts.waitFor(t, 3)
	time.Sleep(50 * time.Millisecond)
	if started, _ := f.starts.waitFor(t, 3); len(started) != 3 {
		t.Fatalf("%d e-mails started, want 3", len(started))
	}
	// An hour after the first, the next one goes.
	f.clock = now.Add(61 * time.Minute)
	f.askForReset(b, sec.Email)
	if rs := f.resets(t, sec.ID); len(rs) != 4 {
		t.Fatalf("%d links an hour later, want 4", len(rs))
	}
}

// A user changes their own password from the account page: the current
// password first, a wrong one counts as a failed login; this session
// stays, the others end.
func TestPasswordChangeKeepsThisSessionAndEndsTheOthers(t *testing.T) {
	f := newPasswordFixture(t, storetest.SQLite(t))
	sec := f.users[models.RolePartySecretary]
	b := f.loggedIn(t, models.RolePartySecretary)
	other := f.loggedIn(t, models.RolePartySecretary)
	if rec := b.do(http.MethodGet, "/konto", nil); !strings.Contains(rec.Body.String(), `href="/konto/adgangskode"`) {
		t.Fatal("the account page has no link to /konto/adgangskode")
	}
	if rec := b.do(http.MethodGet, "/konto/adgangskode", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="current_password"`) {
		t.Fatalf("GET /konto/adgangskode: %d", rec.Code)
	}
	const chosen = "min nye og meget lange adgangskode"
	change := func(current, p1, p2 string) (int, string) {
		rec := b.do(http.MethodPost, "/konto/adgangskode", url.Values{"current_password": {current}, "password": {p1}, "password2": {p2},
			"csrf_token": {b.csrfFrom("/konto/adgangskode")}})
		return rec.Code, rec.Body.String()
	}
	f.clock = now.Add(time.Minute) // after the logins
	if code, body := change("forkert adgangskode", chosen, chosen); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Den nuværende adgangskode er forkert") {
		t.Fatalf("a wrong current password: %d %.300s", code, body)
	}
	if n, _ := store.FailedLoginsSince(context.Background(), f.db, sec.Email, now.Add(-time.Hour)); n.Count != 1 {
		t.Fatalf("%d failed logins counted, want 1", n.Count)
	}
	if code, body := change(testPassword, chosen, chosen+"x"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "ikke ens") {
		t.Fatalf("two different new passwords: %d", code)
	}
	if code, _ := change(testPassword, "kort", "kort"); code != http.StatusUnprocessableEntity {
		t.Fatalf("a short password: %d", code)
	}
	rec := b.do(http.MethodPost, "/konto/adgangskode", url.Values{"current_password": {testPassword}, "password": {chosen}, "password2": {chosen},
		"csrf_token": {b.csrfFrom("/konto/adgangskode")}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/adgangskode?besked=password.changed" {
		t.Fatalf("change: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := b.do(http.MethodGet, "/konto/adgangskode?besked=password.changed", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Din adgangskode er skiftet") {
		t.Fatalf("this session after the change: %d", rec.Code)
	}
	if rec := other.do(http.MethodGet, "/konto", nil); rec.Code == http.StatusOK {
		t.Fatal("another session outlived the change")
	}
	nb := newBrowser(t, f.app)
	if rec := nb.do(http.MethodPost, "/login", url.Values{"email": {sec.Email}, "password": {chosen}, "csrf_token": {nb.csrf()}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", rec.Code)
	}
}

// Staff change theirs alike.
func TestPasswordChangeByStaff(t *testing.T) {
	f := newPasswordFixture(t, storetest.SQLite(t))
	b := f.loggedIn(t, models.RoleStaff)
	const chosen = "min nye og meget lange adgangskode"
	rec := b.do(http.MethodPost, "/konto/adgangskode", url.Values{"current_password": {testPassword}, "password": {chosen}, "password2": {chosen},
		"csrf_token": {b.csrfFrom("/konto/adgangskode")}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %.300s", rec.Code, rec.Body)
	}
	if rec := b.do(http.MethodGet, "/konto", nil); rec.Code != http.StatusOK {
		t.Fatalf("this session after the change: %d", rec.Code)
	}
}
