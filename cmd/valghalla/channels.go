package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"html"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// digitalPost builds the Næste generation Digital Post client from
// DIGITALPOST_* settings; nil (no Digital Post is tried) when
// DIGITALPOST_URL is empty.
func (c config) digitalPost(log *slog.Logger) (activities.DigitalPostSender, error) {
	if c.DigitalPostURL == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.DigitalPostCertFile, c.DigitalPostKeyFile)
	if err != nil {
		return nil, fmt.Errorf("DIGITALPOST_CERT_FILE/DIGITALPOST_KEY_FILE: %w", err)
	}
	roots, err := loadRoots(c.DigitalPostCAFile)
	if err != nil {
		return nil, fmt.Errorf("DIGITALPOST_CA_FILE: %w", err)
	}
	return digitalpost.NewClient(digitalpost.Config{BaseURL: c.DigitalPostURL, Certificate: cert, RootCAs: roots,
		SenderCVR: c.DigitalPostSenderCVR, SenderLabel: c.DigitalPostSenderLabel, MeMoVersion: c.DigitalPostMeMoVersion, Logger: log.With("component", "digitalpost")})
}

// loadRoots reads a PEM file of CA certificates; nil (the system's) for no
// file.
func loadRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return roots, nil
}

// smsSender builds the Twilio client from TWILIO_* settings; nil (no SMS is
// tried) when TWILIO_ACCOUNT_SID is empty. Delivery statuses come back to
// the web app's status webhook at BASE_URL.
func (c config) smsSender() (activities.SMSSender, error) {
	if c.TwilioAccountSID == "" {
		return nil, nil
	}
	client, err := sms.NewClient(sms.Config{AccountSID: c.TwilioAccountSID, AuthToken: c.TwilioAuthToken,
		MessagingServiceSID: c.TwilioMessagingServiceSID, StatusCallbackURL: web.SMSStatusURL(c.BaseURL)})
	if err != nil {
		return nil, fmt.Errorf("TWILIO_* settings: %w", err)
	}
	return client, nil
}

// devChannels are the fake Digital Post and Twilio `dev` runs on loopback,
// with the real clients pointed at them.
type devChannels struct {
	digitalPost *dpfake.Server
	sms         *smsfake.Server
	dpClient    *digitalpost.Client
	smsClient   *sms.Client
}

// startDevChannels starts the fakes. The fake Digital Post refuses the
// fixture people who are exempt, as the real one would; the fake Twilio
// posts status callbacks and the dev mailbox's replies to the web app at
// webURL, signed as Twilio signs them. Letters are written in memoVersion.
func startDevChannels(webURL, memoVersion string, log *slog.Logger) (*devChannels, error) {
	var exempt []string
	for _, p := range cprfake.FixturePeople("", models.Date{}) {
		if p.DigitalPostExempt {
			exempt = append(exempt, p.CPR.Digits())
		}
	}
	dp, err := dpfake.Start(dpfake.Options{Exempt: exempt})
	if err != nil {
		return nil, fmt.Errorf("start the fake Digital Post: %w", err)
	}
	dpCfg := dp.ClientConfig()
	dpCfg.Logger = log.With("component", "digitalpost")
	dpCfg.MeMoVersion = memoVersion // DIGITALPOST_MEMO_VERSION, as the worker of production reads it
	dpClient, err := digitalpost.NewClient(dpCfg)
	if err != nil {
		dp.Close()
		return nil, err
	}
	fake, err := smsfake.Start(smsfake.Options{StatusCallbackURL: web.SMSStatusURL(webURL), InboundURL: web.SMSReplyURL(webURL)})
	if err != nil {
		dp.Close()
		return nil, fmt.Errorf("start the fake Twilio: %w", err)
	}
	smsCfg := fake.Config()
	smsCfg.HTTPClient = fake.HTTPClient()
	smsClient, err := sms.NewClient(smsCfg)
	if err != nil {
		dp.Close()
		_ = fake.Close()
		return nil, err
	}
	return &devChannels{digitalPost: dp, sms: fake, dpClient: dpClient, smsClient: smsClient}, nil
}

func (d *devChannels) Close() {
	d.digitalPost.Close()
	_ = d.sms.Close()
}

// mailbox shows everything the fakes received — e-mails, SMS and Digital
// Post letters — in the web app's dev mailbox.
func (d *devChannels) mailbox(mailServer *mailfake.Server) func() []site.MailboxMessage {
	return func() []site.MailboxMessage {
		var out []site.MailboxMessage
		if mailServer != nil {
			for _, m := range mailServer.Messages() {
				to := ""
				if len(m.To) > 0 {
					to = m.To[0].Address
				}
				at, _ := m.Header.Date()
				out = append(out, site.MailboxMessage{Channel: models.ChannelEmail, To: to, Subject: m.Subject, Text: m.Text, At: at})
			}
		}
		for _, m := range d.sms.Messages() {
			if m.Direction == smsfake.DirectionInbound {
				out = append(out, site.MailboxMessage{Channel: models.ChannelSMS, From: m.From, To: m.From, Text: m.Body, At: m.Created, Inbound: true})
				continue
			}
			out = append(out, site.MailboxMessage{Channel: models.ChannelSMS, To: m.To, Text: m.Body, At: m.Created, Status: m.Status})
		}
		for _, l := range d.digitalPost.Deliveries() {
			out = append(out, site.MailboxMessage{Channel: models.ChannelDigitalPost, To: l.Letter.RecipientCPR,
				Subject: l.Letter.Label, Text: htmlText(l.Letter.HTML), At: l.Received, Status: l.Receipt.Status})
		}
		return out
	}
}

// reply sends an SMS reply from a number, through the fake Twilio, to the
// web app's real webhook; it returns the app's answer.
func (d *devChannels) reply(ctx context.Context, from, body string) (string, error) {
	twiml, err := d.sms.Reply(ctx, from, body)
	if err != nil {
		return "", err
	}
	return twimlText(twiml), nil
}

var (
	tags        = regexp.MustCompile(`<[^>]*>`)
	twimlMsg    = regexp.MustCompile(`(?s)<Message>(.*?)</Message>`)
	blankLines  = regexp.MustCompile(`\n{3,}`)
	paragraphs  = strings.NewReplacer("</p>", "\n\n", "<br>", "\n")
	headAndBody = regexp.MustCompile(`(?s)^.*<body>|</body>.*$`)
)

// htmlText shows a letter's HTML as text in the dev mailbox.
func htmlText(s string) string {
	s = headAndBody.ReplaceAllString(s, "")
	s = html.UnescapeString(tags.ReplaceAllString(paragraphs.Replace(s), ""))
	return strings.TrimSpace(blankLines.ReplaceAllString(s, "\n\n"))
}

// twimlText is the text of a TwiML answer's message, "" when it has none.
func twimlText(twiml string) string {
	m := twimlMsg.FindStringSubmatch(twiml)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
