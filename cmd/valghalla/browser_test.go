package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// axeSource is axe-core, the accessibility rule engine, injected into pages
// under test (testdata/README.md says which version).
//
//go:embed testdata/axe.min.js
var axeSource string

// browser is one Chromium browser context (its own cookies) on a running dev.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // screenshots go here
	shot int
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.screenshot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) eval(what, js string, opts ...chromedp.EvaluateOption) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, opts...))
	if err != nil {
		b.screenshot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
	return s
}

// open navigates and waits for a selector of the page that should come.
func (b *browser) open(path, want string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(want)))
}

// submit clicks a button and waits until a new document has loaded and
// shows want: the old page is marked first, so a page that also matches
// want cannot pass for the answer.
func (b *browser) submit(button, want string) {
	b.t.Helper()
	b.do("submit "+button, chromedp.Evaluate[chromedp.Void](`window.__valghallaOld = true`), chromedp.Click(chromedp.CSS(button)))
	// Evaluating during the navigation fails; that only means "not yet".
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__valghallaOld === undefined && document.readyState === "complete"`))
		if err == nil && loaded {
			break
		}
		if b.ctx.Err() != nil || time.Now().After(deadline) {
			b.screenshot("failed-submit")
			b.t.Fatalf("submit %s: no new page (%v)", button, err)
		}
	}
	b.do("after "+button, chromedp.WaitVisible(chromedp.CSS(want)))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.screenshot("failed-text")
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) body() string { return b.text("body") }

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.shot++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// setSelect picks the option whose text contains label and returns its value.
func (b *browser) setSelect(sel, label string) string {
	b.t.Helper()
	v := b.eval("select "+label, fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		const o = s && [...s.options].find(o => o.textContent.includes(%q));
		if (!o) return "";
		s.value = o.value;
		return o.value;
	})()`, sel, label))
	if v == "" {
		b.screenshot("failed-select")
		b.t.Fatalf("no option %q in %s", label, sel)
	}
	return v
}

// axe runs axe-core on the current page and fails on serious and critical
// violations.
func (b *browser) axe(page string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		b.t.Fatalf("inject axe on %s: %v", page, err)
	}
	type result struct {
		Passes     int
		Violations []string
	}
	r, err := chromedp.Run(b.ctx, chromedp.Evaluate[result](`axe.run(document).then(r => ({
		passes: r.passes.length,
		violations: r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.impact + " " + v.id + ": " + v.help + " [" + v.nodes.map(n => n.target.join(" ")).join(", ") + "]"),
	}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	if r.Passes == 0 { // axe checked nothing: the check would prove nothing
		b.t.Fatalf("axe on %s passed no rule", page)
	}
	if len(r.Violations) > 0 {
		b.t.Errorf("accessibility violations on %s:\n%s", page, strings.Join(r.Violations, "\n"))
		return
	}
	b.t.Logf("axe on %s: %d rules passed, no serious or critical violation", page, r.Passes)
}

// mailboxLink polls the dev mailbox for a message containing marker and
// returns its first link's path.
func (b *browser) mailboxLink(marker string) string {
	b.t.Helper()
	return b.awaitMailbox(marker, `(m) => {
		const a = m.querySelector("a.button");
		return a ? new URL(a.href).pathname : "";
	}`)
}

// mailboxText polls the dev mailbox for a message containing marker and
// returns its text.
func (b *browser) mailboxText(marker string) string {
	b.t.Helper()
	return b.awaitMailbox(marker, `(m) => m.textContent`)
}

// replySMS polls the dev mailbox for an SMS to the number from containing
// marker, presses its reply button whose answer starts with answer ("JA",
// "NEJ"), and returns the app's reply to it.
func (b *browser) replySMS(from, marker, answer string) string {
	b.t.Helper()
	b.awaitMailbox(marker, fmt.Sprintf(`(m) => {
		const f = m.querySelector("form.sms-reply");
		if (!f || f.querySelector("input[name=from]").value !== %q) return "";
		const r = [...f.querySelectorAll("button[name=body]")].find(r => r.value === %q || r.value.startsWith(%q + " "));
		if (!r) return "";
		r.id = "valghalla-reply";
		return r.value;
	}`, from, answer, answer))
	b.submit("#valghalla-reply", "h1")
	return b.body()
}

// awaitMailbox polls the dev mailbox until a message containing marker
// gives a non-empty answer to pick, a JavaScript function of the message's
// element; it returns that answer.
func (b *browser) awaitMailbox(marker, pick string) string {
	b.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		b.open("/dev/postkasse", "h1")
		got := b.eval("mailbox", fmt.Sprintf(`(() => {
			const pick = %s;
			for (const m of document.querySelectorAll("article.mail")) {
				if (!m.textContent.includes(%q)) continue;
				const got = pick(m);
				if (got) return got;
			}
			return "";
		})()`, pick, marker))
		if got != "" {
			return got
		}
		if time.Now().After(deadline) {
			b.screenshot("failed-mailbox")
			b.t.Fatalf("no message with %q in the mailbox", marker)
		}
	}
}

// firstElectionPath is the address of the first election on /valg (the demo
// election in a fresh dev).
func firstElectionPath(staff *browser) string {
	staff.t.Helper()
	staff.open("/valg", "h1")
	path := staff.eval("find the election", `(() => {
		const a = [...document.querySelectorAll("a")].find(a => /^\/valg\/\d+$/.test(a.getAttribute("href")));
		return a ? a.getAttribute("href") : "";
	})()`)
	if path == "" {
		staff.t.Fatalf("no election on /valg: %s", staff.body())
	}
	return path
}

// startBrowserJourney starts dev on free ports and Chromium for a browser
// journey, or skips the test when Chromium is not installed. newBrowser
// gives each person a browser context of their own (cookies do not mix)
// whose screenshots go to a folder of its name under the artefacts folder
// (VALGHALLA_ARTEFACTS, else a temporary one), in sub when sub is given.
func startBrowserJourney(t *testing.T, sub string) (newBrowser func(name string) *browser, artefacts string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("chromium not installed: %v (apt-get install chromium)", err)
	}
	artefacts = os.Getenv("VALGHALLA_ARTEFACTS")
	if artefacts == "" {
		artefacts = t.TempDir()
	}
	artefacts = filepath.Join(artefacts, sub)
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", artefacts)

	env := devEnv(t, t.TempDir())
	p := startDev(t, env)
	t.Cleanup(func() { p.stop(t) })
	t.Cleanup(func() { // what went wrong on the server's side
		if t.Failed() {
			t.Logf("dev's log:\n%s", p.stderr.String())
		}
	})
	base := "http://" + env["LISTEN_ADDR"]

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	rootCtx, cancelRoot := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(rootCtx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	newBrowser = func(name string) *browser {
		ctx, cancel := chromedp.NewContext(rootCtx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
		t.Cleanup(cancelTimeout)
		dir := filepath.Join(artefacts, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return &browser{t: t, ctx: ctx, base: base, dir: dir}
	}
	return newBrowser, artefacts
}

// staffSignIn logs the demo administrator in on /login (open in staff).
// The demo administrator has no TOTP yet: the first login leads to its
// enrolment. The key shown for typing goes into the "app" (here the
// models' TOTP), whose current code turns it on; the recovery codes are
// shown once.
func staffSignIn(staff *browser) {
	staff.t.Helper()
	t := staff.t
	staff.do("fill in the login", chromedp.SendKeys(chromedp.CSS("#email"), store.DemoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), store.DemoPassword))
	staff.submit(`form[action="/login"] button[type=submit]`, "h1")
	secret := strings.ReplaceAll(staff.eval("the TOTP key", `(() => { const c = document.querySelector("#totp-secret"); return c ? c.textContent : ""; })()`), " ", "")
	if secret == "" {
		t.Fatalf("staff login did not lead to the TOTP enrolment: %s", staff.body())
	}
	staff.screenshot("totp-enrolment")
	code, err := models.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	staff.do("type the code from the app", chromedp.SendKeys(chromedp.CSS("#code"), code))
	staff.submit(`form[action="/konto/totp"] button[type=submit]`, "#recovery-codes")
	staff.screenshot("totp-recovery-codes")
	staff.open("/konto", "h1")
	if body := staff.body(); !strings.Contains(body, "Din konto") {
		t.Fatalf("staff login: %s", body)
	}
	staff.screenshot("logged-in")
}

// The whole journey in a real browser: staff, a party secretary, three
// people who answer yes by link, no by SMS, and not at all, and one who
// signs up through the secretary's sign-up link and says yes on Min side
// on a phone-sized screen; axe-core checks the pages citizens and staff
// meet first and every public page of the sign-up and Min side.
func TestBrowserJourney(t *testing.T) {
	newBrowser, artefacts := startBrowserJourney(t, "")

	// The start page and the login page before anyone logs in.
	staff := newBrowser("staff")
	staff.open("/", "h1")
	staff.screenshot("start")
	staff.axe("/")
	staff.open("/login", "#email")
	staff.screenshot("login")
	staff.axe("/login")

	staffSignIn(staff)

	// The demo election and its plan with the quota per station.
	electionPath := firstElectionPath(staff)
	staff.screenshot("elections")
	staff.submit(`a[href="`+electionPath+`"]`, `a[href="`+electionPath+`/plan"]`)
	staff.screenshot("election")
	staff.submit(`a[href="`+electionPath+`/plan"]`, "table")
	if body := staff.body(); !strings.Contains(body, "Antal efter kvote") || !strings.Contains(body, "Sønderå Rådhus") {
		t.Fatalf("plan page without the quota: %s", body)
	}
	quota := staff.eval("quota", `(() => { const i = document.querySelector("input[name^=count_]"); return i ? i.value : ""; })()`)
	if !regexp.MustCompile(`^\d+$`).MatchString(quota) {
		t.Fatalf("no quota count on the plan: %q", quota)
	}
	staff.screenshot("plan")

	// A new election from the demo data: a copy of the demo election on
	// another day, whose quota the staff compute by d'Hondt.
	staff.open(electionPath, "#dup_title")
	staff.do("fill in the copy", chromedp.SendKeys(chromedp.CSS("#dup_title"), "Folketingsvalg, ny dato"),
		chromedp.SetValue(chromedp.CSS("#dup_day"), "2027-09-14"))
	staff.submit(`form[action="`+electionPath+`/dupliker"] button[type=submit]`, "h1")
	copyPath := staff.eval("the copy's address", `location.pathname`)
	if copyPath == electionPath || !regexp.MustCompile(`^/valg/\d+$`).MatchString(copyPath) {
		t.Fatalf("copy of the demo election: %s %s", copyPath, staff.body())
	}
	staff.screenshot("election-copy")
	staff.open(copyPath+"/plan", "table")
	staff.submit(`form[action="`+copyPath+`/plan/fordel"] button[type=submit]`, "h1")
	if body := staff.body(); !strings.Contains(body, "Pladserne er fordelt efter d'Hondt") {
		t.Fatalf("compute the quota of the copy: %s", body)
	}
	staff.screenshot("copy-quota")

	// A party secretary for A, with the account e-mail.
	staff.open("/admin/brugere/ny", "#name")
	staff.do("fill in the user", chromedp.SendKeys(chromedp.CSS("#name"), "Karin Sekretær"),
		chromedp.SendKeys(chromedp.CSS("#email"), "karin@parti-a.example"),
		chromedp.SetValue(chromedp.CSS("#role"), "party_secretary"))
	partyA := staff.setSelect("#party_id", "Socialdemokratiet (A)")
	if staff.eval("checkbox", `String(document.querySelector("input[name=send_mail]").checked)`) != "true" {
		staff.do("tick the account e-mail", chromedp.Click(chromedp.CSS(`input[name=send_mail]`)))
	}
	if checked := staff.eval("checkbox", `String(document.querySelector("input[name=send_mail]").checked)`); checked != "true" {
		t.Fatal("the account e-mail is not ticked")
	}
	staff.screenshot("new-user")
	staff.submit(`form[action="/admin/brugere"] button[type=submit]`, "h1")
	if body := staff.body(); !strings.Contains(body, "kontomailen er på vej") {
		t.Fatalf("create the secretary: %s", body)
	}
	staff.screenshot("user-created")

	// The one-time link, opened by the secretary in a browser of her own.
	mailbox := newBrowser("mailbox")
	activation := mailbox.mailboxLink("Kære Karin Sekretær")
	mailbox.screenshot("account-mail")
	secretary := newBrowser("secretary")
	secretary.open(activation, "#password2")
	secretary.screenshot("activate")
	secretary.do("choose a password", chromedp.SendKeys(chromedp.CSS("#password"), "en lang og hemmelig sætning"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "en lang og hemmelig sætning"))
	secretary.submit(`form[action^="/konto/aktiver/"] button[type=submit]`, "h1")
	if body := secretary.body(); !strings.Contains(body, "Adgangskoden er gemt") {
		t.Fatalf("choose a password: %s", body)
	}
	secretary.open("/login", "#email")
	secretary.do("log in", chromedp.SendKeys(chromedp.CSS("#email"), "karin@parti-a.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), "en lang og hemmelig sætning"))
	secretary.submit(`form[action="/login"] button[type=submit]`, "h1")
	if body := secretary.body(); !strings.Contains(body, "Statusoversigt") {
		t.Fatalf("secretary login: %s", body)
	}
	secretary.open("/konto", "h1")
	if body := secretary.body(); !strings.Contains(body, "Partisekretær") {
		t.Fatalf("secretary's account: %s", body)
	}
	secretary.screenshot("secretary-home")

	// She registers people by CPR number: one by e-mail (exempt from
	// Digital Post), one preferring SMS, one who will never answer, and one
	// the register shows cannot be nominated for this election.
	register := func(cpr, mobile, email, channel, want string) string {
		t.Helper()
		secretary.open("/deltagere/ny", "#cpr")
		secretary.do("fill in "+want, chromedp.SendKeys(chromedp.CSS("#cpr"), cpr))
		if mobile != "" {
			secretary.do("mobile", chromedp.SendKeys(chromedp.CSS("#mobile"), mobile))
		}
		if email != "" {
			secretary.do("email", chromedp.SendKeys(chromedp.CSS("#email"), email))
		}
		if channel != "" {
			secretary.do("channel", chromedp.SetValue(chromedp.CSS("#channel"), channel))
		}
		secretary.submit(`form[action="/deltagere"] button[type=submit]`, "h1")
		body := secretary.body()
		if !strings.Contains(body, want) {
			t.Fatalf("register %s: no %q in %s", want, want, body)
		}
		return body
	}
	if body := register("010170-4016", "", "else@example.dk", "", "Else Frølund"); strings.Contains(body, "4016") {
		t.Fatalf("the full CPR number is shown: %s", body)
	}
	secretary.screenshot("registered-else")
	register("010170-4001", "+4520304051", "", "sms", "Søren Ærø")
	register("010170-4009", "", "bjoern@example.dk", "email", "Bjørn Løvgren")
	register("010170-4015", "", "henrik@example.dk", "email", "Henrik Bæk")
	ineligible := register("010170-4002", "", "", "", "kan ikke indstilles")
	if !strings.Contains(ineligible, "Folketingsvalg") {
		t.Errorf("the ineligible person's page does not name the election: %s", ineligible)
	}
	// A party secretary is not told the register's reason: no oracle.
	if strings.Contains(ineligible, "statsborger") {
		t.Errorf("a party secretary is told the register's reason: %s", ineligible)
	}
	secretary.screenshot("ineligible")

	// She makes a sign-up link for the party's list, and Freja Dahl, who
	// turns 18 on the election day (the youngest the rules let serve),
	// signs up through it on her phone, in a browser of her own.
	secretary.open(electionPath+"/tilmelding", "#ends_on")
	secretary.do("fill in the sign-up link", chromedp.SendKeys(chromedp.CSS("#name"), "Facebook-opslag"),
		chromedp.SetValue(chromedp.CSS("#ends_on"), time.Now().AddDate(0, 0, 14).Format("2006-01-02")))
	secretary.setSelect("#party_id", "A · Socialdemokratiet")
	secretary.screenshot("signup-link-form")
	secretary.submit(`form[action="`+electionPath+`/tilmelding"] button[type=submit]`, "h1")
	signupLink := secretary.eval("the sign-up link", `(() => {
		const i = [...document.querySelectorAll("input[readonly]")].find(i => i.value.includes("/tilmeld/"));
		return i ? new URL(i.value).pathname : "";
	})()`)
	if !strings.HasPrefix(signupLink, "/tilmeld/") {
		t.Fatalf("no sign-up link on the links page: %s", secretary.body())
	}
	secretary.screenshot("signup-link-created")

	freja := newBrowser("freja")
	freja.do("a phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	freja.open(signupLink, "#cpr")
	freja.screenshot("signup")
	freja.axe("/tilmeld/<token>")
	// The fake register's Freja is born 18 years before the election day
	// the page shows.
	day, err := models.ParseDate(freja.eval("the election day", `document.querySelector("dl.task time").getAttribute("datetime")`))
	if err != nil {
		t.Fatalf("the sign-up page's election day: %v", err)
	}
	var frejaCPR string
	for _, p := range cprfake.FixturePeople("", day) {
		if p.GivenName == "Freja" {
			frejaCPR = p.CPR.Digits()
		}
	}
	if frejaCPR == "" {
		t.Fatal("no Freja in the fixture register")
	}
	freja.do("fill in the sign-up", chromedp.SendKeys(chromedp.CSS("#cpr"), frejaCPR),
		chromedp.SendKeys(chromedp.CSS("#email"), "freja@example.dk"),
		chromedp.Click(chromedp.CSS("#channel-email")), chromedp.Click(chromedp.CSS("#consent")))
	freja.submit(`form button[type=submit]`, "h1")
	if body := freja.body(); !strings.Contains(body, "Tak for din tilmelding") || !strings.Contains(body, "Du står nu på listen: Socialdemokratiet") {
		t.Fatalf("sign up: %s", body)
	}
	if strings.Contains(freja.eval("the address", `location.href`), frejaCPR[6:]) {
		t.Fatal("the CPR number is in the address")
	}
	freja.screenshot("signed-up")
	freja.axe("/tilmeld/<token> signed up")

	// She nominates the three to the first polling station's slots.
	nominationPage := electionPath + "/indstilling?parti=" + partyA
	for _, name := range []string{"Else Frølund", "Søren Ærø", "Bjørn Løvgren"} {
		secretary.open(nominationPage, "#participant_id")
		secretary.setSelect("#cell", "1. Sønderå Rådhus – Tilforordnet")
		secretary.setSelect("#participant_id", name)
		secretary.submit(`form[action="`+electionPath+`/indstilling"] button[type=submit]`, "h1")
		if body := secretary.body(); !strings.Contains(body, "Personen er indstillet") || !strings.Contains(body, name+" – indstillet") {
			t.Fatalf("nominate %s: %s", name, body)
		}
	}
	// Freja, from the sign-up link, to the second station.
	secretary.open(nominationPage, "#participant_id")
	secretary.setSelect("#cell", "2. Åbyskolen – Tilforordnet")
	secretary.setSelect("#participant_id", "Freja Dahl")
	secretary.submit(`form[action="`+electionPath+`/indstilling"] button[type=submit]`, "h1")
	if body := secretary.body(); !strings.Contains(body, "Personen er indstillet") || !strings.Contains(body, "Freja Dahl – indstillet") {
		t.Fatalf("nominate Freja: %s", body)
	}
	secretary.screenshot("nominated")

	// Henrik goes on the party's reserve list: he takes over a slot whose
	// person says no.
	secretary.open(nominationPage, "#participant_id")
	secretary.do("choose the reserve list", chromedp.Click(chromedp.CSS(`input[name=target][value=reserve]`)))
	secretary.setSelect("#participant_id", "Henrik Bæk")
	secretary.submit(`form[action="`+electionPath+`/indstilling"] button[type=submit]`, "h1")
	if body := secretary.body(); !strings.Contains(body, "Personen er sat på reservelisten") {
		t.Fatalf("reserve: %s", body)
	}
	secretary.screenshot("reserve")

	// Staff launch a round and watch it progress.
	overviewPath := "/oversigt?valg=" + strings.TrimPrefix(electionPath, "/valg/") + "&parti=" + partyA
	before := overviewTotals(staff, overviewPath)
	staff.open(electionPath+"/runder", "h1")
	staff.submit(`form[action="`+electionPath+`/runder"] button[type=submit]`, "p.notice")
	if notice := staff.text("p.notice"); !strings.Contains(notice, "Runden er startet") {
		t.Fatalf("launch: %s", notice)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		staff.open(electionPath+"/runder", "progress")
		if v := staff.eval("progress", `document.querySelector("progress").getAttribute("value")`); v == "100" {
			break
		}
		if time.Now().After(deadline) {
			staff.screenshot("failed-rounds")
			t.Fatalf("the round did not finish: %s", staff.body())
		}
	}
	staff.screenshot("rounds")

	// Else says yes by the link in her e-mail.
	answer := mailbox.mailboxLink("Kære Else Frølund")
	if !strings.HasPrefix(answer, "/svar/") {
		t.Fatalf("answer link: %s", answer)
	}
	else_ := newBrowser("else")
	else_.open(answer, "#svar-ja")
	else_.screenshot("answer")
	else_.axe("/svar/<token>")
	else_.do("say yes", chromedp.Click(chromedp.CSS("#svar-ja")))
	else_.submit(`button.button-primary[type=submit]`, "h1")
	if body := else_.body(); !strings.Contains(body, "Tak! Du har sagt ja") {
		t.Fatalf("answer yes: %s", body)
	}
	else_.screenshot("answered")
	else_.axe("/svar/<token> answered")

	// Søren says no by replying to his SMS from the dev mailbox.
	if reply := mailbox.replySMS("+4520304051", "", "NEJ"); !strings.Contains(reply, "ikke kan som Tilforordnet") {
		t.Fatalf("the app's reply to NEJ: %s", reply)
	}
	mailbox.screenshot("sms-declined")

	// Freja says yes on Min side: she asks for a link with her e-mail
	// address, opens it from the mailbox, signs in and accepts the task.
	freja.open("/minside/log-ind", "#adresse")
	freja.screenshot("minside-login")
	freja.axe("/minside/log-ind")
	freja.do("type the address", chromedp.SendKeys(chromedp.CSS("#adresse"), "freja@example.dk"))
	freja.submit(`form[action="/minside/log-ind"] button[type=submit]`, ".alert-success")
	freja.screenshot("minside-link-sent")
	freja.axe("/minside/log-ind sent")
	signIn := mailbox.mailboxLink("Log ind på Min side")
	if !strings.HasPrefix(signIn, "/minside/log-ind/") {
		t.Fatalf("Min side link: %s", signIn)
	}
	mailbox.screenshot("minside-mail")
	freja.open(signIn, "form button[type=submit]")
	freja.screenshot("minside-link")
	freja.axe("/minside/log-ind/<token>")
	freja.submit("form button[type=submit]", "h1")
	if path := freja.eval("where", `location.pathname`); path != "/minside" {
		t.Fatalf("signing in led to %s: %s", path, freja.body())
	}
	// The round has invited her: the task waits for her answer.
	yes := `form[action^="/minside/opgaver/"] button[value=ja]`
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		freja.open("/minside", "h1")
		if n := freja.eval("open task", fmt.Sprintf(`String(document.querySelectorAll(%q).length)`, yes)); n == "1" {
			break
		}
		if time.Now().After(deadline) {
			freja.screenshot("failed-minside")
			t.Fatalf("no task to answer on Min side: %s", freja.body())
		}
	}
	// The state is the first term of the task's list.
	taskState := `(() => { const d = document.querySelector("section.task dd"); return d ? d.textContent.trim() : ""; })()`
	if body := freja.body(); !strings.Contains(body, "Du er logget ind som Freja Dahl") || !strings.Contains(body, "Åbyskolen") {
		t.Fatalf("Min side: %s", body)
	}
	if state := freja.eval("the task's state", taskState); state != "Inviteret, afventer svar" {
		t.Fatalf("the task on Min side is %q, want it invited", state)
	}
	freja.screenshot("minside")
	freja.axe("/minside")
	freja.submit(yes, "h1")
	if body := freja.body(); !strings.Contains(body, "Tak! Du har sagt ja") {
		t.Fatalf("accept on Min side: %s", body)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		if freja.eval("the task's state", taskState) == "Bekræftet" {
			break
		}
		if time.Now().After(deadline) {
			freja.screenshot("failed-minside-confirmed")
			t.Fatalf("the task is not confirmed on Min side: %s", freja.body())
		}
		freja.open("/minside", "h1")
	}
	freja.screenshot("minside-accepted")
	freja.axe("/minside accepted")

	// Bjørn never answers; Søren's slot goes to Henrik from the reserve
	// list. The overview counts two more confirmed, one more declined, two more
	// invited (Bjørn and Henrik), and shows the slot as taken over.
	var after totals
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		after = overviewTotals(staff, overviewPath)
		if after.invited == before.invited+2 || time.Now().After(deadline) {
			break
		}
	}
	staff.screenshot("overview")
	if after.confirmed != before.confirmed+2 || after.declined != before.declined+1 || after.invited != before.invited+2 {
		t.Fatalf("overview before %+v, after %+v: want two more confirmed (Else, Freja), one more declined, two more invited", before, after)
	}
	if body := staff.body(); !strings.Contains(body, "Overtaget fra reservelisten") {
		t.Fatalf("the overview does not show the replacement: %s", body)
	}

	// Staff export the ready-made station list.
	staff.open(electionPath+"/lister", `a[href="`+electionPath+`/lister/valgsteder/xlsx"]`)
	staff.screenshot("lists")
	b64 := staff.eval("download the station list", `fetch("`+electionPath+`/lister/valgsteder/xlsx").then(r => {
		if (!r.ok) throw new Error("status " + r.status);
		return r.arrayBuffer();
	}).then(buf => {
		const bytes = new Uint8Array(buf);
		let s = "";
		for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
		return btoa(s);
	})`, chromedp.EvalAwaitPromise)
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artefacts, "valgsteder.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open the XLSX: %v", err)
	}
	var header, elseRow []string
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			if strings.Contains(strings.Join(row, "|"), "Navn") && header == nil {
				header = row
			}
			if strings.Contains(strings.Join(row, "|"), "Frølund") && i > 0 {
				elseRow = row
			}
			if strings.Contains(strings.Join(row, "|"), "Løvgren") || strings.Contains(strings.Join(row, "|"), "Ærø") {
				t.Errorf("a person who did not confirm is on the list: %v", row)
			}
		}
	}
	if header == nil || elseRow == nil {
		t.Fatalf("station list: header %v, Else's row %v", header, elseRow)
	}
	if want := []string{"Navn", "Opgavetype", "Parti"}; len(header) < 3 || !equalStrings(header[:3], want) {
		t.Errorf("station list header %v, want it to start with %v", header, want)
	}
	if want := []string{"Else Frølund", "Tilforordnet", "A"}; len(elseRow) < 3 || !equalStrings(elseRow[:3], want) {
		t.Errorf("Else's row %v, want it to start with %v", elseRow, want)
	}
}

type totals struct{ nominated, invited, confirmed, declined int }

// overviewTotals reads the total row of the status overview: slots,
// vacant, nominated, invited, confirmed, no-show, declined, ended.
func overviewTotals(b *browser, path string) totals {
	b.t.Helper()
	b.open(path, "table.overview tr.total")
	s := b.eval("overview totals", `[...document.querySelector("table.overview tr.total").querySelectorAll("td")].map(td => td.textContent.trim()).join(" ")`)
	var slots, vacant, noshow, ended int
	var c totals
	if _, err := fmt.Sscan(s, &slots, &vacant, &c.nominated, &c.invited, &c.confirmed, &noshow, &c.declined, &ended); err != nil {
		b.t.Fatalf("overview totals %q: %v", s, err)
	}
	return c
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
