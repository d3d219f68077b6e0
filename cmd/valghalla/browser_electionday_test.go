package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/valghalla/valghalla/models"
)

// The election day in a real browser: staff copy the demo election to
// today and make it active, two people take a slot at Sønderå Rådhus
// through a claim sign-up link (confirmed at once), a third goes on the
// station's reserve list with a mobile number. Staff name the first
// station leader; she signs in to Min side on a phone, marks the other
// absent, and the reserve, asked by SMS, says JA from the dev mailbox: the
// slot is his and the leader is told. axe-core checks the staff check-in
// pages and the leader's page.
func TestBrowserElectionDay(t *testing.T) {
	// Check-in is allowed on the task day only, and a copy of the demo
	// election made for today must still be today at the end.
	now := time.Now().In(models.Copenhagen)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, models.Copenhagen)
	if left := midnight.Sub(now); left < 10*time.Minute {
		t.Skipf("only %v left of today in Copenhagen: the election day would end during the journey", left.Round(time.Second))
	}
	today := models.DateOf(now).String()
	newBrowser, _ := startBrowserJourney(t, "electionday")

	staff := newBrowser("staff")
	staff.open("/login", "#email")
	staffSignIn(staff)

	// The demo election copied to today (a copy keeps the stations, task
	// types and slots), and made active.
	demo := firstElectionPath(staff)
	staff.open(demo, "#dup_title")
	staff.do("fill in the copy", chromedp.SendKeys(chromedp.CSS("#dup_title"), "Folketingsvalg i dag"),
		chromedp.SetValue(chromedp.CSS("#dup_day"), today))
	staff.submit(`form[action="`+demo+`/dupliker"] button[type=submit]`, "h1")
	election := staff.eval("the copy's address", `location.pathname`)
	if election == demo || !regexp.MustCompile(`^/valg/\d+$`).MatchString(election) {
		t.Fatalf("copy of the demo election to %s: %s %s", today, election, staff.body())
	}
	staff.open("/valg", "h1")
	staff.submit(`form[action="`+election+`/tilstand"]:has(input[name=state][value=active]) button[type=submit]`, "h1")
	staff.open(election, "h1")
	if body := staff.body(); !strings.Contains(body, "Aktivt") {
		t.Fatalf("the copy is not active: %s", body)
	}
	staff.screenshot("election-today")

	// A claim link for party A's tilforordnede at Sønderå Rådhus: who
	// signs up takes a vacant slot, confirmed at once.
	staff.open(election+"/tilmelding", "#ends_on")
	staff.do("fill in the sign-up link", chromedp.SendKeys(chromedp.CSS("#name"), "Valgdagens hjælpere"),
		chromedp.SetValue(chromedp.CSS("#ends_on"), today), chromedp.SetValue(chromedp.CSS("#max_signups"), "5"))
	partyA := staff.setSelect("#party_id", "Socialdemokratiet")
	staff.tick("task_type_ids", "Tilforordnet")
	staff.tick("station_ids", "Sønderå Rådhus")
	staff.tick("claim", "")
	staff.screenshot("claim-link-form")
	staff.submit(`form[action="`+election+`/tilmelding"] button[type=submit]`, "h1")
	signupLink := staff.eval("the sign-up link", `(() => {
		const i = [...document.querySelectorAll("input[readonly]")].find(i => i.value.includes("/tilmeld/"));
		return i ? new URL(i.value).pathname : "";
	})()`)
	if !strings.HasPrefix(signupLink, "/tilmeld/") {
		t.Fatalf("no sign-up link on the links page: %s", staff.body())
	}

	// Else (e-mail, and a mobile: she will lead the station, and a leader
	// is told of a replacement by SMS) and Søren (SMS) sign up.
	signUp := func(who, cpr, mobile, email, channel string) {
		t.Helper()
		b := newBrowser(who)
		b.open(signupLink, "#cpr")
		b.do("fill in the sign-up", chromedp.SendKeys(chromedp.CSS("#cpr"), cpr))
		if mobile != "" {
			b.do("mobile", chromedp.SendKeys(chromedp.CSS("#mobile"), mobile))
		}
		if email != "" {
			b.do("email", chromedp.SendKeys(chromedp.CSS("#email"), email))
		}
		b.do("channel and consent", chromedp.Click(chromedp.CSS("#channel-"+channel)), chromedp.Click(chromedp.CSS("#consent")))
		b.submit(`form button[type=submit]`, "h1")
		if body := b.body(); !strings.Contains(body, "Du har fået en plads, og den er bekræftet") {
			t.Fatalf("%s signs up through the claim link: %s", who, body)
		}
		b.screenshot("claimed")
	}
	signUp("else", "010170-4016", "+4520304050", "else@example.dk", "email")
	signUp("soeren", "010170-4001", "+4520304051", "", "sms")

	// Henrik on the station's reserve list, with a mobile number: the
	// first the day's replacement asks.
	staff.open(election+"/indstilling?parti="+partyA, "#participant_id")
	staff.do("choose the station's reserve list", chromedp.Click(chromedp.CSS(`input[name=target][value=reserve]`)))
	staff.setSelect("#reserve_station", "Sønderå Rådhus")
	staff.do("a new person", chromedp.SetValue(chromedp.CSS("#participant_id"), ""),
		chromedp.SendKeys(chromedp.CSS("#cpr"), "010170-4015"), chromedp.SendKeys(chromedp.CSS("#mobile"), "+4520304060"))
	staff.submit(`form[method=post][action="`+election+`/indstilling"] button[type=submit]`, "h1")
	if body := staff.body(); !strings.Contains(body, "Personen er sat på reservelisten") {
		t.Fatalf("Henrik on the reserve list: %s", body)
	}
	staff.screenshot("reserve")

	// Staff's check-in: every station, then Sønderå Rådhus, where both are
	// confirmed and not yet marked.
	staff.open(election+"/fremmoede", "table")
	station := staff.eval("the station's check-in", `(() => {
		const a = [...document.querySelectorAll("table a")].find(a => a.textContent.includes("Sønderå Rådhus"));
		return a ? a.getAttribute("href") : "";
	})()`)
	if station == "" {
		t.Fatalf("no Sønderå Rådhus on the check-in page: %s", staff.body())
	}
	// The page follows the day by reloading itself; a reader may stop it
	// (and axe needs a page that stays).
	staff.do("stop the automatic update", chromedp.WaitVisible(chromedp.CSS("#auto-refresh")), chromedp.Click(chromedp.CSS("#auto-refresh")))
	staff.screenshot("checkin-stations")
	staff.axe(election + "/fremmoede")
	staff.open(station, "h1")
	for _, name := range []string{"Else Frølund", "Søren Ærø"} {
		if mark := personMark(staff, name); !strings.Contains(mark, "Bekræftet · Ikke registreret") {
			t.Fatalf("%s on the station's check-in list: %q\n%s", name, mark, staff.body())
		}
	}
	staff.screenshot("checkin-station")
	staff.axe(election + "/fremmoede/<station>")

	// Else is named station leader.
	staff.setSelect("#leader-person", "Else Frølund")
	staff.submit(`form[action="`+station+`/ledere"] button[type=submit]`, "h1")
	if body := staff.body(); !strings.Contains(body, "Valgstedslederen er udpeget") {
		t.Fatalf("name the station leader: %s", body)
	}
	staff.screenshot("leader-named")

	// She signs in to Min side on her phone with the link from her e-mail
	// and opens her station.
	leader := newBrowser("leader")
	leader.do("a phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	leader.open("/minside/log-ind", "#adresse")
	leader.do("type the address", chromedp.SendKeys(chromedp.CSS("#adresse"), "else@example.dk"))
	leader.submit(`form[action="/minside/log-ind"] button[type=submit]`, ".alert-success")
	mailbox := newBrowser("mailbox")
	signIn := mailbox.mailboxLink("Log ind på Min side")
	leader.open(signIn, "form button[type=submit]")
	leader.submit("form button[type=submit]", "h1")
	leaderStation := leader.eval("the leader's link", `(() => {
		const a = document.querySelector('a[href^="/minside/valgsted/"]');
		return a ? a.getAttribute("href") : "";
	})()`)
	if leaderStation == "" {
		t.Fatalf("Min side has no station for the leader: %s", leader.body())
	}
	leader.screenshot("minside")
	leader.submit(`a[href="`+leaderStation+`"]`, "li.checkin-person")
	if body := leader.body(); !strings.Contains(body, "Sønderå Rådhus") || !strings.Contains(body, "Søren Ærø") {
		t.Fatalf("the leader's station without its people: %s", body)
	}
	if phone := leader.eval("Søren's number", `(() => { const a = document.querySelector('li.checkin-person a[href^="tel:"]'); return a ? a.textContent : ""; })()`); phone == "" {
		t.Errorf("no phone number on the leader's list: %s", leader.body())
	}
	leader.screenshot("leader-station")
	leader.axe("/minside/valgsted/<election>/<station>")

	// Søren has not come: Ikke mødt.
	if leader.eval("Søren's absent button", `(() => {
		const li = [...document.querySelectorAll("li.checkin-person")].find(li => li.querySelector("h3").textContent.includes("Søren Ærø"));
		const b = li && li.querySelector("button[value=ikke-moedt]");
		if (!b) return "";
		b.id = "valghalla-absent";
		return "ok";
	})()`) != "ok" {
		t.Fatalf("no Ikke mødt button for Søren: %s", leader.body())
	}
	leader.submit("#valghalla-absent", "h1")
	if body := leader.body(); !strings.Contains(body, "Registreret som ikke mødt. Vi leder efter en afløser") {
		t.Fatalf("mark Søren absent: %s", body)
	}
	leader.screenshot("marked-absent")
	leader.axe("/minside/valgsted/<election>/<station> marked")

	// Henrik is asked by SMS and says JA from the mailbox.
	reply := mailbox.replySMS("+4520304060", "Kan du møde som Tilforordnet på Sønderå Rådhus", "JA")
	mailbox.screenshot("day-offer-answered")
	if strings.Contains(reply, "allerede taget") {
		t.Fatalf("Henrik's JA was refused: %s", reply)
	}
	// The leader is told who comes, by SMS. Henrik has name and address
	// protection in the register: his number is kept from the leader.
	if told := mailbox.mailboxText("Afløser til Sønderå Rådhus"); !strings.Contains(told, "Henrik Bæk") || !strings.Contains(told, "tlf. "+models.ProtectedPhone) {
		t.Fatalf("the leader's message does not name the replacement: %s", told)
	} else if strings.Contains(told, "+4520304060") {
		t.Errorf("the leader is told a protected person's number: %s", told)
	}
	mailbox.screenshot("leader-told")

	// Henrik is on the leader's list, confirmed; Søren did not come.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		leader.open(leaderStation, "h1")
		if strings.Contains(personMark(leader, "Henrik Bæk"), "Bekræftet") {
			break
		}
		if time.Now().After(deadline) {
			leader.screenshot("failed-replacement")
			t.Fatalf("the replacement is not on the leader's list: %s", leader.body())
		}
	}
	if phone := leader.eval("Henrik's number", `(() => {
		const li = [...document.querySelectorAll("li.checkin-person")].find(li => li.querySelector("h3").textContent.includes("Henrik Bæk"));
		const a = li && li.querySelector('a[href^="tel:"]');
		return a ? a.textContent : "";
	})()`); phone != "" {
		t.Errorf("the leader's list shows a protected person's number %s", phone)
	}
	if mark := personMark(leader, "Søren Ærø"); mark != "" && !strings.Contains(mark, "Mødte ikke") {
		t.Errorf("Søren on the leader's list: %q", mark)
	}
	leader.screenshot("replaced")

	// Staff's overview of the day counts the absence; the automatic
	// update stays off as the reader left it.
	staff.open(election+"/fremmoede", "table")
	if on := staff.eval("the automatic update", `String(document.querySelector("#auto-refresh").checked)`); on != "false" {
		t.Errorf("the automatic update the reader stopped is on again")
	}
	row := staff.eval("the station's counts", `(() => {
		const tr = [...document.querySelectorAll("tbody tr")].find(tr => tr.textContent.includes("Sønderå Rådhus"));
		return tr ? [...tr.querySelectorAll("td")].map(td => td.textContent.trim()).join(" ") : "";
	})()`)
	var present, absent, unknown int
	if _, err := fmt.Sscan(row, &present, &absent, &unknown); err != nil || present != 0 || absent != 1 || unknown != 2 {
		t.Errorf("Sønderå Rådhus's counts %q: want one absent, Else and Henrik not yet marked", row)
	}
	staff.screenshot("checkin-stations-after")
}

// personMark is the state and mark line of a person on a check-in list,
// or "" when they are not on it.
func personMark(b *browser, name string) string {
	b.t.Helper()
	return b.eval("the mark of "+name, fmt.Sprintf(`(() => {
		const li = [...document.querySelectorAll("li.checkin-person")].find(li => li.querySelector("h3").textContent.includes(%q));
		const p = li && li.querySelector("p[id^=mark-]");
		return p ? p.textContent.trim() : "";
	})()`, name))
}

// tick checks the checkbox named name whose label contains label.
func (b *browser) tick(name, label string) {
	b.t.Helper()
	if b.eval("tick "+label, fmt.Sprintf(`(() => {
		const i = [...document.querySelectorAll("input[type=checkbox][name=%s]")].find(i => i.closest("label").textContent.includes(%q));
		if (!i) return "";
		if (!i.checked) i.click();
		return String(i.checked);
	})()`, name, label)) != "true" {
		b.screenshot("failed-tick")
		b.t.Fatalf("no checkbox %s %q", name, label)
	}
}
