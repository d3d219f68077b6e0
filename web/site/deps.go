package site

import (
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/valghalla/valghalla/metrics"

	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/usecases"
)

// Deps is what the handlers need from the rest of the product: the use
// cases, and the few settings the pages show.
type Deps struct {
	// UseCases are what every handler calls: web imports no store, gorm or
	// provider client.
	usecases.UseCases
	Log *slog.Logger
	Now func() time.Time
	// TemporalUIURL is linked from the pages for operators; empty hides it.
	TemporalUIURL string
	// SecureCookies marks cookies Secure and sends HSTS: on whenever the
	// site is served over https (everywhere but `valghalla dev` and a local
	// trial on a loopback http BASE_URL).
	SecureCookies bool
	// Mailbox lists the e-mails the dev SMTP server received; nil outside
	// `valghalla dev`, and then /dev/postkasse does not exist.
	Mailbox func() []MailboxMessage
	// SMSReply sends an SMS reply from a number through the fake Twilio to
	// the webhook and returns the app's answer; nil outside `valghalla dev`.
	SMSReply func(ctx context.Context, from, body string) (string, error)
	// PublicURL is the site's address as the outside world (Twilio) sees
	// it; webhook signatures are checked against it.
	PublicURL string
	// TrustedProxies are the addresses (IPs or CIDRs) of the reverse
	// proxies in front of the app, whose X-Forwarded-For is believed; none:
	// the peer's address is the client's.
	TrustedProxies []string
	// SMSAuthToken checks the signature of Twilio's webhooks; empty refuses
	// them all.
	SMSAuthToken string
	// Metrics counts the requests by route pattern; nil counts nothing.
	Metrics *metrics.Metrics
	// MitIDPurposes are handlers of finished MitID logins by purpose,
	// besides the pages' own (web/ui/mitid.go): a test registers its own
	// here. nil is none.
	MitIDPurposes map[string]MitIDHandler
}

// MitIDHandler takes a person on after a MitID login for one purpose
// (mitid.Result.Purpose): it owns the answer (a session, a page, a
// redirect). The CPR number in r is for it alone: never into a session,
// a cookie, a URL or a log.
type MitIDHandler func(c *gin.Context, r mitid.Result)

// MailboxMessage is one message a fake provider received (or, for SMS,
// one reply a person sent).
type MailboxMessage struct {
	Channel       models.Channel
	To            string // e-mail address, mobile number or CPR number (Digital Post)
	From          string // the sender of an inbound SMS
	Subject, Text string
	At            time.Time
	Status        string // the provider's status, if it reports one
	Inbound       bool   // an SMS reply from the person
}
