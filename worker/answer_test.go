package worker_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/visitor"

	"github.com/valghalla/valghalla/models"
)

// page is one answer-page visitor with their own cookies.
type page struct {
	t  *testing.T
	hc *http.Client
}

func newVisitor(t *testing.T) *page {
	return &page{t, visitor.New()}
}

func (p *page) get(link string) (int, string) {
	p.t.Helper()
	resp, err := p.hc.Get(link)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post answers on the page at link, following the redirect.
func (p *page) post(link, choice string) (int, string) {
	p.t.Helper()
	_, body := p.get(link)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		p.t.Fatalf("no form on the answer page:\n%s", body)
	}
	resp, err := p.hc.PostForm(link, url.Values{"csrf_token": {m[1]}, "svar": {choice}})
	if err != nil {
		p.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		return p.get(link + "?" + strings.SplitN(resp.Header.Get("Location"), "?", 2)[1])
	}
	return resp.StatusCode, string(b)
}

func (s *stack) invitationLinks(t *testing.T, want int) map[int]string {
	t.Helper()
	links := map[int]string{}
	waitFor(t, time.Minute, "the invitations", func() bool {
		for _, m := range s.smtp.Messages() {
			if strings.HasPrefix(m.Subject, "Vil du hjælpe") {
				links[personOf(m)] = answerLink.FindString(m.Text)
			}
		}
		return len(links) >= want
	})
	return links
}

// The answer page on a real server: it shows the task and no personal
// data; a yes is thanked; a second yes and a later no are refused with the
// reason; an answer after the deadline is refused; forged and truncated
// links get a clear page; withdrawing works outside the lock period.
func TestAnswerPage(t *testing.T) {
	s := newStack(t, 4, 4, dayInSeconds)
	s.launch(t, 3)
	links := s.invitationLinks(t, 3)
	v := newVisitor(t)

	status, body := v.get(links[0])
	if status != http.StatusOK || !strings.Contains(body, "Tilforordnet") || !strings.Contains(body, "Skole 1, Skolevej 1, 9990 Testrup") ||
		!strings.Contains(body, "1320 kr.") || !strings.Contains(body, "dkfds-borgerdk.min.css") {
		t.Fatalf("answer page %d:\n%s", status, body)
	}
	var p models.Participant
	s.db.First(&p, s.seed.People[0].ID)
	for _, secret := range []string{p.CPR.Reveal(), p.Name, p.Email.Reveal(), "Socialdemokratiet"} {
		if strings.Contains(body, secret) {
			t.Errorf("the answer page shows %q", secret)
		}
	}

	checkAccessibleForm(t, body)
	if _, en := v.get(links[0] + "?lang=en"); !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "Yes, I will") {
		t.Fatalf("English answer page:\n%s", en)
	}
	v.get(links[0] + "?lang=da")

	if status, body = v.post(links[0], "ja"); status != http.StatusOK || !strings.Contains(body, "Tak! Du har sagt ja") {
		t.Fatalf("yes: %d\n%s", status, body)
	}
	// A second yes: refused with the reason, and the page offers to cancel.
	if status, body = v.post(links[0], "ja"); status != http.StatusConflict || !strings.Contains(body, "Du har allerede sagt ja") ||
		!strings.Contains(body, "Meld afbud") {
		t.Fatalf("second yes: %d\n%s", status, body)
	}
	// A no from an old tab: refused with the reason.
	_, form := v.get(links[1])
	token := csrfField.FindStringSubmatch(form)[1]
	resp, err := v.hc.PostForm(links[0], url.Values{"csrf_token": {token}, "svar": {"nej"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "Du har allerede sagt ja") {
		t.Fatalf("no after yes: %d\n%s", resp.StatusCode, b)
	}
	// Withdraw: 60 days before the election, outside the lock period.
	if status, body = v.post(links[0], "afbud"); status != http.StatusOK || !strings.Contains(body, "Dit afbud er registreret") {
		t.Fatalf("withdraw: %d\n%s", status, body)
	}
	// An unknown choice and a missing one: 400, nothing sent.
	resp, _ = v.hc.PostForm(links[1], url.Values{"csrf_token": {token}, "svar": {"måske"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown choice: %d", resp.StatusCode)
	}

	// No answer from person 3 until the deadline (30 s): then refused.
	waitFor(t, time.Minute, "person 3's invitation to expire", func() bool {
		var a models.Assignment
		s.db.Where("participant_id = ?", s.seed.People[2].ID).First(&a)
		return a.State == models.StateExpired
	})
	resp, _ = v.hc.PostForm(links[2], url.Values{"csrf_token": {token}, "svar": {"ja"}})
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "Fristen for at svare er overskredet") {
		t.Fatalf("late answer: %d\n%s", resp.StatusCode, b)
	}

	// Forged and truncated links.
	for _, bad := range []string{strings.Repeat("0", 64), links[1][len(links[1])-64 : len(links[1])-10], "x'><script>"} {
		status, body = v.get(s.web.URL + "/svar/" + url.PathEscape(bad))
		if status != http.StatusNotFound || !strings.Contains(body, "Linket er ikke gyldigt") {
			t.Errorf("link %q: %d", bad, status)
		}
	}
}

// checkAccessibleForm checks the structure WCAG 2.1 AA needs of the answer
// form (the full axe-core run is part of the browser tests): a language, a
// title, one h1, a working skip link, a viewport for phones, and every
// radio button labelled and grouped under a legend.
func checkAccessibleForm(t *testing.T, page string) {
	t.Helper()
	for _, want := range []string{`<html lang="da">`, `<title>Dit svar · Valghalla</title>`, `name="viewport"`,
		`href="#main-content"`, `id="main-content"`, `<fieldset>`, `<legend class="form-label">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the answer page lacks %s", want)
		}
	}
	if n := strings.Count(page, "<h1"); n != 1 {
		t.Errorf("%d h1 headings, want 1", n)
	}
	radios := regexp.MustCompile(`<input type="radio" id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(radios) != 3 {
		t.Fatalf("%d answer choices, want 3", len(radios))
	}
	for _, r := range radios {
		if !strings.Contains(page, `<label class="form-label" for="`+r[1]+`">`) {
			t.Errorf("radio %s has no label", r[1])
		}
	}
	if strings.Contains(page, "style=") {
		t.Error("inline styles (the CSP blocks them)")
	}
}
