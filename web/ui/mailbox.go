package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The dev mailbox: everything `valghalla dev`'s fake providers received —
// e-mails, SMS and Digital Post letters — per recipient, with buttons that
// answer as the person would: by opening the real link, or by an SMS reply
// that goes through the fake Twilio to the real, signed webhook.

// appLinks finds the app's answer, activation and password reset links in a
// message.
var appLinks = regexp.MustCompile(`https?://[^\s/]+/(svar|konto/aktiver|login/nulstil|minside/log-ind)/[0-9A-Za-z_-]+`)

// mailLinks is the app's links in a message's text, each once (the Min side
// mail gives its link in Danish and again in English).
func mailLinks(text string) []string {
	var links []string
	for _, l := range appLinks.FindAllString(text, -1) {
		if !slices.Contains(links, l) {
			links = append(links, l)
		}
	}
	return links
}

// smsCodes finds the reply code an SMS invitation carries ("JA 4821").
var smsCodes = regexp.MustCompile(`\b(?:JA|NEJ) (\d{4})\b`)

// mailboxEntry is a message as the page shows it.
type mailboxEntry struct {
	site.MailboxMessage
	Links []string
	Code  string // the SMS's reply code
}

// mailboxPerson is one recipient's messages, newest first.
type mailboxPerson struct {
	Name, Address string
	Channel       models.Channel
	Messages      []mailboxEntry
	Latest        time.Time
}

// mailbox shows what the fake providers received: in `valghalla dev` it
// stands in for everyone's inbox.
func (s *server) mailbox(c *gin.Context) {
	if s.Mailbox == nil {
		s.notFound(c)
		return
	}
	ctx := c.Request.Context()
	byKey := map[string]*mailboxPerson{}
	for _, m := range s.Mailbox() {
		key := string(m.Channel) + "|" + m.To
		p := byKey[key]
		if p == nil {
			p = &mailboxPerson{Name: s.People.RecipientName(ctx, m.Channel, m.To), Address: mailboxAddress(m), Channel: m.Channel}
			byKey[key] = p
		}
		e := mailboxEntry{MailboxMessage: m, Links: mailLinks(m.Text)}
		if m.Channel == models.ChannelSMS && !m.Inbound {
			if code := smsCodes.FindStringSubmatch(m.Text); code != nil {
				e.Code = code[1]
			}
		}
		p.Messages = append(p.Messages, e)
		if m.At.After(p.Latest) {
			p.Latest = m.At
		}
	}
	people := make([]*mailboxPerson, 0, len(byKey))
	for _, p := range byKey {
		sort.SliceStable(p.Messages, func(i, j int) bool { return p.Messages[i].At.After(p.Messages[j].At) })
		people = append(people, p)
	}
	sort.SliceStable(people, func(i, j int) bool { return people[i].Latest.After(people[j].Latest) })
	s.render(c, http.StatusOK, "mailbox.html", "mailbox.title", map[string]any{"People": people,
		"CanReply": s.SMSReply != nil, "Reply": c.Query("svar"), "Self": c.Request.URL.Path})
}

// mailboxAddress shows where a message went; a CPR number masked, even in
// dev, as everywhere else.
func mailboxAddress(m site.MailboxMessage) string {
	if m.Channel == models.ChannelDigitalPost && len(m.To) == 10 {
		return m.To[:6] + "-XXXX"
	}
	return m.To
}

// mailboxReply sends an SMS reply as the person would: through the fake
// Twilio to the app's signed webhook. The app's answer is shown.
func (s *server) mailboxReply(c *gin.Context) {
	if s.SMSReply == nil {
		s.notFound(c)
		return
	}
	from, body := strings.TrimSpace(c.PostForm("from")), strings.TrimSpace(c.PostForm("body"))
	answer, err := s.SMSReply(c.Request.Context(), from, body)
	T := site.T(c)
	if err != nil {
		answer = T("mailbox.reply.failed", err.Error())
	}
	if answer == "" {
		answer = T("mailbox.reply.none")
	}
	c.Redirect(http.StatusSeeOther, "/dev/postkasse?svar="+url.QueryEscape(answer))
}
