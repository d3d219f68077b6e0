package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// user is a browser session against a running dev: cookies, CSRF tokens.
type user struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newUser(t *testing.T, base string) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (u *user) get(path string) (int, string) {
	u.t.Helper()
	resp, err := u.c.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form from the page at from, with that page's CSRF token.
func (u *user) post(from, path string, form url.Values) (int, string) {
	u.t.Helper()
	_, page := u.get(from)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatalf("no CSRF token on %s", from)
	}
	form.Set("csrf_token", m[1])
	resp, err := u.c.PostForm(u.base+path, form)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var totpSecretRE = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7 ]+)</code>`)

// enrolTOTP sets up TOTP on the enrolment page as a person does: reads the
// key shown for typing into the app, makes the current code with it and
// sends it; the answer shows the recovery codes. It returns the secret.
func (u *user) enrolTOTP() string {
	u.t.Helper()
	_, page := u.get("/konto/totp")
	m := totpSecretRE.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatalf("no TOTP key on the enrolment page: %s", page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	code, err := models.TOTPCode(secret, time.Now())
	if err != nil {
		u.t.Fatal(err)
	}
	if status, body := u.post("/konto/totp", "/konto/totp", url.Values{"secret": {secret}, "code": {code}}); status != 200 || !strings.Contains(body, `id="recovery-codes"`) {
		u.t.Fatalf("enable TOTP: %d %s", status, body)
	}
	return secret
}

// The account journey of a party secretary on a running dev: the
// administrator creates the login with the account e-mail ticked; the
// e-mail goes through Temporal, the worker and SMTP to the dev mailbox; its
// one-time link sets a password once; the new secretary logs in.
func TestDevAccountInvitationJourney(t *testing.T) {
	env := devEnv(t, t.TempDir())
	env["LOG_LEVEL"] = "debug" // the most the logs ever say; none of it may be personal
	p := startDev(t, env)
	base := "http://" + env["LISTEN_ADDR"]

	admin := newUser(t, base)
	// The administrator has no TOTP yet: the first login leads to its
	// enrolment and nowhere else, and enrolling opens the session.
	if code, body := admin.post("/login", "/login", url.Values{"email": {store.DemoEmail}, "password": {store.DemoPassword}}); code != 200 || !strings.Contains(body, `id="totp-secret"`) {
		t.Fatalf("admin login: %d", code)
	}
	admin.enrolTOTP()
	if code, body := admin.get("/konto"); code != 200 || !strings.Contains(body, "Din konto") {
		t.Fatalf("admin account after enrolling: %d", code)
	}
	_, form := admin.get("/admin/brugere/ny")
	partyA := regexp.MustCompile(`<option value="(\d+)"[^>]*>Socialdemokratiet \(A\)`).FindStringSubmatch(form)
	if partyA == nil {
		t.Fatalf("no party A in the form: %s", form)
	}
	code, body := admin.post("/admin/brugere/ny", "/admin/brugere", url.Values{"name": {"Søren Ærø"}, "email": {"soeren@parti-a.example"},
		"role": {"party_secretary"}, "party_id": {partyA[1]}, "send_mail": {"on"}})
	if code != 200 || !strings.Contains(body, "kontomailen er på vej") {
		t.Fatalf("create user: %d %s", code, body)
	}

	// The e-mail arrives in the dev mailbox, which anyone on 127.0.0.1 can read.
	anon := newUser(t, base)
	var link string
	linkRE := regexp.MustCompile(regexp.QuoteMeta(base) + `/konto/aktiver/[A-Za-z0-9_-]+`)
	for deadline := time.Now().Add(30 * time.Second); link == ""; time.Sleep(200 * time.Millisecond) {
		_, box := anon.get("/dev/postkasse")
		if strings.Contains(box, "Din konto til Valghalla – Sønderå Kommune") && strings.Contains(box, "Kære Søren Ærø") {
			link = linkRE.FindString(box)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no account e-mail in the mailbox: %s", box)
		}
	}
	path := strings.TrimPrefix(link, base)

	if code, body := anon.get(path); code != 200 || !strings.Contains(body, "Velkommen, Søren Ærø") {
		t.Fatalf("link: %d %s", code, body)
	}
	if code, body := anon.post(path, path, url.Values{"password": {"en lang og hemmelig sætning"}, "password2": {"en anden sætning!!"}}); code != 422 || !strings.Contains(body, "ikke ens") {
		t.Fatalf("mismatched passwords: %d", code)
	}
	if code, body := anon.post(path, path, url.Values{"password": {"en lang og hemmelig sætning"}, "password2": {"en lang og hemmelig sætning"}}); code != 200 || !strings.Contains(body, "Adgangskoden er gemt") {
		t.Fatalf("choose password: %d %s", code, body)
	}
	if code, body := anon.get(path); code != http.StatusGone || !strings.Contains(body, "Linket er allerede brugt") {
		t.Fatalf("used link: %d", code)
	}
	if code, body := anon.get("/konto/aktiver/forfalsket-eller-afkortet"); code != 404 || !strings.Contains(body, "Linket virker ikke") {
		t.Fatalf("forged link: %d", code)
	}

	secretary := newUser(t, base)
	code, body = secretary.post("/login", "/login", url.Values{"email": {"soeren@parti-a.example"}, "password": {"en lang og hemmelig sætning"}})
	if code != 200 || !strings.Contains(body, "Statusoversigt") {
		t.Fatalf("secretary login: %d %s", code, body)
	}
	if code, body = secretary.get("/konto"); code != 200 || !strings.Contains(body, "Partisekretær") || !strings.Contains(body, "Socialdemokratiet (A)") {
		t.Fatalf("secretary's account: %d %s", code, body)
	}
	if code, _ := secretary.get("/admin/brugere"); code != http.StatusForbidden {
		t.Fatalf("secretary on the user admin page: %d", code)
	}

	// The secretary registers a person by CPR number through the real
	// SF1520 client against the dev register, and sees it masked only.
	code, body = secretary.post("/deltagere/ny", "/deltagere", url.Values{"cpr": {"010170-4016"}, "mobile": {"+4520304050"}, "email": {"else@example.dk"}})
	if code != 200 || !strings.Contains(body, "Else Frølund") || !strings.Contains(body, "010170-XXXX") || strings.Contains(body, "4016") {
		t.Fatalf("register a participant: %d %s", code, body)
	}

	// A second person, who prefers SMS, is invited by SMS and answers by
	// replying from the dev mailbox through the fake Twilio and the real,
	// signed webhook.
	code, body = secretary.post("/deltagere/ny", "/deltagere", url.Values{"cpr": {"010170-4001"}, "mobile": {"+4520304051"}, "channel": {"sms"}})
	if code != 200 || !strings.Contains(body, "Søren Ærø") {
		t.Fatalf("register the SMS person: %d %s", code, body)
	}

	// The secretary nominates her to a slot of the party's; the staff
	// launch a round; the invitation reaches the dev mailbox and she says
	// yes by its link, without logging in.
	_, elections := secretary.get("/indstilling")
	electionID := regexp.MustCompile(`/valg/(\d+)/indstilling`).FindStringSubmatch(elections)
	if electionID == nil {
		t.Fatalf("no election to nominate for: %s", elections)
	}
	nominationPage := "/valg/" + electionID[1] + "/indstilling"
	_, page := secretary.get(nominationPage)
	cell := regexp.MustCompile(`<option value="(\d+/\d+/[0-9-]+)">1\. Sønderå Rådhus – Tilforordnet`).FindStringSubmatch(page)
	person := regexp.MustCompile(`<option value="(\d+)">Else Frølund`).FindStringSubmatch(page)
	if cell == nil || person == nil {
		t.Fatalf("nomination page: %s", page)
	}
	code, body = secretary.post(nominationPage, nominationPage, url.Values{"party_id": {partyA[1]}, "target": {"slot"},
		"cell": {cell[1]}, "participant_id": {person[1]}})
	if code != 200 || strings.Contains(body, "4016") {
		t.Fatalf("nominate: %d %s", code, body)
	}
	_, page = secretary.get(nominationPage)
	soeren := regexp.MustCompile(`<option value="(\d+)">Søren Ærø`).FindStringSubmatch(page)
	if soeren == nil {
		t.Fatalf("nomination page without Søren: %s", page)
	}
	if code, body := secretary.post(nominationPage, nominationPage, url.Values{"party_id": {partyA[1]}, "target": {"slot"},
		"cell": {cell[1]}, "participant_id": {soeren[1]}}); code != 200 || strings.Contains(body, "4001") {
		t.Fatalf("nominate Søren: %d %s", code, body)
	}
	rounds := "/valg/" + electionID[1] + "/runder"
	if code, body := admin.post(rounds, rounds, url.Values{}); code != 200 || !strings.Contains(body, "Runden er startet") {
		t.Fatalf("launch a round: %d %s", code, body)
	}
	answerRE := regexp.MustCompile(regexp.QuoteMeta(base) + `/svar/[0-9a-f]{64}`)
	var answerLink string
	for deadline := time.Now().Add(30 * time.Second); answerLink == ""; time.Sleep(200 * time.Millisecond) {
		_, box := anon.get("/dev/postkasse")
		if i := strings.Index(box, "Kære Else Frølund"); i >= 0 {
			answerLink = answerRE.FindString(box[i:])
		}
		if time.Now().After(deadline) {
			t.Fatalf("no invitation in the mailbox: %s", box)
		}
	}
	volunteer := newUser(t, base)
	answerPath := strings.TrimPrefix(answerLink, base)
	if code, body := volunteer.get(answerPath); code != 200 || !strings.Contains(body, "Sønderå Rådhus, Torvet 1") || strings.Contains(body, "Frølund") {
		t.Fatalf("answer page: %d %s", code, body)
	}
	if code, body := volunteer.post(answerPath, answerPath, url.Values{"svar": {"ja"}}); code != 200 || !strings.Contains(body, "Tak! Du har sagt ja") {
		t.Fatalf("answer yes: %d %s", code, body)
	}
	smsCode := regexp.MustCompile(`name="from" value="(?:\+|&#43;)4520304051">\s*<button[^>]*value="JA (\d{4})"`)
	var codeMatch []string
	for deadline := time.Now().Add(30 * time.Second); codeMatch == nil; time.Sleep(200 * time.Millisecond) {
		_, box := anon.get("/dev/postkasse")
		codeMatch = smsCode.FindStringSubmatch(box)
		if codeMatch == nil && time.Now().After(deadline) {
			t.Fatalf("no SMS invitation for Søren in the mailbox: %s", box)
		}
	}
	if code, box := anon.post("/dev/postkasse", "/dev/postkasse/sms", url.Values{"from": {"+4520304051"}, "body": {"JA " + codeMatch[1]}}); code != 200 ||
		!strings.Contains(box, "Tak! Du er nu tilmeldt som Tilforordnet") {
		t.Fatalf("answer by SMS from the mailbox: %d %s", code, box)
	}
	if _, overview := admin.get("/oversigt"); !strings.Contains(overview, "Sønderå Rådhus") {
		t.Fatalf("overview: %s", overview)
	}

	// The secretary asks for an extra secretary limited to two stations; the
	// administrator approves, and the new secretary gets the account e-mail.
	_, reqForm := secretary.get("/konto/ekstra-sekretaer")
	ids := regexp.MustCompile(`name="station" value="(\d+)"`).FindAllStringSubmatch(reqForm, -1)
	if len(ids) < 2 {
		t.Fatalf("request form: %s", reqForm)
	}
	if code, body := secretary.post("/konto/ekstra-sekretaer", "/konto/ekstra-sekretaer", url.Values{"name": {"Karen Ærtebjerg"},
		"email": {"karen@parti-a.example"}, "station": {ids[0][1], ids[1][1]}}); code != 200 || !strings.Contains(body, "Anmodningen er sendt") {
		t.Fatalf("request: %d", code)
	}
	_, requests := admin.get("/admin/anmodninger")
	reqID := regexp.MustCompile(`action="/admin/anmodninger/(\d+)"`).FindStringSubmatch(requests)
	if reqID == nil || !strings.Contains(requests, "Karen Ærtebjerg") {
		t.Fatalf("requests page: %s", requests)
	}
	if code, body := admin.post("/admin/anmodninger", "/admin/anmodninger/"+reqID[1], url.Values{"decision": {"approve"}}); code != 200 || !strings.Contains(body, "godkendt") {
		t.Fatalf("approve: %d", code)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, box := anon.get("/dev/postkasse"); strings.Contains(box, "Kære Karen Ærtebjerg") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no account e-mail for the extra secretary")
		}
	}

	// Nothing personal reached the logs of the whole run: no CPR number in
	// any form, no name, no phone number, no e-mail address of a person.
	p.stop(t)
	logs := p.stderr.String()
	if len(logs) < 200 {
		t.Fatalf("suspiciously short log: %q", logs)
	}
	for _, secret := range []string{"0101704016", "010170-4016", "Frølund", "Søren Ærø", "Ærø", "+4520304050", "20304050", "+4520304051", "0101704001",
		"else@example.dk", "soeren@parti-a.example", "karen@parti-a.example", "Ærtebjerg", "en lang og hemmelig sætning", strings.TrimPrefix(path, "/konto/aktiver/"),
		strings.TrimPrefix(answerPath, "/svar/")} {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("the log contains %q: %s", secret, line)
			}
		}
	}
}
