// Package sms sends text messages through Twilio's Programmable Messaging
// API (github.com/twilio/twilio-go) and reads what Twilio sends back: replies
// from citizens (ParseInbound, ParseReply, TwiML) and delivery receipts
// (ParseStatusCallback), both signed by Twilio (ValidSignature).
//
// Errors never carry a phone number nor a message body: an activity's error
// is written to the workflow's history (DOMAIN.md, "Personal data").
//
// No CPR number and no party affiliation may go by SMS (DOMAIN.md,
// "E-mail"): Send refuses a body that looks like it holds a CPR number
// (CheckBody) as a last line of defence behind the template checks.
//
// Tests and valghalla dev talk to smsfake, a local fake of Twilio's REST API:
// twilio-go has no base-URL option, so Config.HTTPClient carries a transport
// that sends api.twilio.com requests to the fake.
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// Config is the Twilio account and Messaging Service to send through.
type Config struct {
	// AccountSID ("AC" + 32 hex) and AuthToken authenticate the REST calls
	// (HTTP basic auth) and, for the AuthToken, sign Twilio's webhooks.
	AccountSID string
	AuthToken  string
	// MessagingServiceSID ("MG" + 32 hex) picks the sender: the service's
	// number pool (a phone number, so that citizens can reply; DOMAIN.md:
	// an alphanumeric sender cannot receive replies).
	MessagingServiceSID string
	// StatusCallbackURL is where Twilio posts delivery receipts for each
	// message (ParseStatusCallback). It is the public URL, exactly as the
	// webhook handler validates signatures against. Empty: no per-message
	// callback (the Messaging Service's own setting applies).
	StatusCallbackURL string
	// HTTPClient is optional. nil: a client with DefaultTimeout that does
	// not follow redirects (as twilio-go's own). Tests and valghalla dev
	// pass smsfake's client, whose transport sends api.twilio.com requests
	// to the fake. Its Transport, Timeout, CheckRedirect and Jar are used.
	HTTPClient *http.Client
}

// DefaultTimeout bounds one Send when Config.HTTPClient is nil (twilio-go's
// default).
const DefaultTimeout = 10 * time.Second

// IdempotencyHeader is the header Twilio de-duplicates message creation by:
// a retried Send with the same key does not send a second SMS.
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// Sent is Twilio's answer to a successful Send.
type Sent struct {
	SID    string // "SM" + 32 hex; status callbacks name the message by it
	Status string // normally "accepted" (sent through a Messaging Service)
}

// Client sends SMS. It holds no mutable state: one Client may be used by
// many goroutines at once.
type Client struct {
	cfg   Config
	creds *client.Credentials
	http  http.Client // the template of each call's client
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// twilio-go refuses credentials with anything but letters and digits.
	authTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// NewClient checks cfg and returns a Client for it.
func NewClient(cfg Config) (*Client, error) {
	switch {
	case !accountSIDPattern.MatchString(cfg.AccountSID):
		return nil, errors.New(`sms: AccountSID must be "AC" followed by 32 hex digits`)
	case !authTokenPattern.MatchString(cfg.AuthToken):
		return nil, errors.New("sms: AuthToken must be non-empty letters and digits")
	case !serviceSIDPattern.MatchString(cfg.MessagingServiceSID):
		return nil, errors.New(`sms: MessagingServiceSID must be "MG" followed by 32 hex digits`)
	}
	if cfg.StatusCallbackURL != "" {
		u, err := url.Parse(cfg.StatusCallbackURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("sms: StatusCallbackURL must be an absolute http(s) URL")
		}
	}
	c := &Client{cfg: cfg, creds: client.NewCredentials(cfg.AccountSID, cfg.AuthToken)}
	if cfg.HTTPClient != nil {
		c.http = http.Client{
			Transport:     cfg.HTTPClient.Transport,
			Timeout:       cfg.HTTPClient.Timeout,
			CheckRedirect: cfg.HTTPClient.CheckRedirect,
			Jar:           cfg.HTTPClient.Jar,
		}
	} else {
		c.http = http.Client{
			Timeout: DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return c, nil
}

// Config returns the configuration the Client was made with.
func (c *Client) Config() Config { return c.cfg }

// idempotencyKeyPattern keeps the key a safe header value.
var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)

// Send sends body to the E.164 number to through the Messaging Service,
// asking for status callbacks at Config.StatusCallbackURL.
//
// idempotencyKey (1–128 visible ASCII characters) identifies the message:
// make it once, store it before the first attempt and pass the same one on
// every retry, so that Twilio sends the SMS once however often a retried
// activity calls Send.
//
// The status callback URL gets the idempotency key (the app's message id)
// as CallbackMessageParam: a status that arrives before the app has
// recorded the message's SID still finds its message.
//
// Every error is an *Error; IsPermanent says whether retrying can help. A
// body with a CPR number (CheckBody), an invalid number or key, and an empty
// or oversized body are refused here, permanently, without a request.
func (c *Client) Send(ctx context.Context, to, body, idempotencyKey string) (Sent, error) {
	if !ValidE164(to) {
		return Sent{}, &Error{Code: CodeInvalidTo, Message: "the 'To' number is not an E.164 number", Permanent: true}
	}
	if body == "" {
		return Sent{}, &Error{Code: CodeBodyRequired, Message: "the message body is empty", Permanent: true}
	}
	if n := len([]rune(body)); n > MaxBodyChars {
		return Sent{}, &Error{Code: CodeBodyTooLong, Message: fmt.Sprintf("the message body has %d characters, more than %d", n, MaxBodyChars), Permanent: true}
	}
	if err := CheckBody(body); err != nil {
		return Sent{}, &Error{Message: err.Error(), Permanent: true, cause: err}
	}
	if !idempotencyKeyPattern.MatchString(idempotencyKey) {
		return Sent{}, &Error{Message: "the idempotency key must be 1-128 visible ASCII characters", Permanent: true}
	}

	// twilio-go builds its requests with context.Background() and takes no
	// per-call headers, so each call gets its own http.Client whose
	// transport adds ctx and the key. Nothing is shared between calls, so
	// concurrent Sends cannot see each other's key.
	call := &callTransport{ctx: ctx, key: idempotencyKey, base: c.http.Transport}
	hc := c.http
	hc.Transport = call
	bc := &client.Client{Credentials: c.creds, HTTPClient: &hc}
	bc.SetAccountSid(c.cfg.AccountSID)
	// The API service alone, not twilio.NewRestClientWithParams: the root
	// package links every Twilio product's API into the binary.
	svc := api.NewApiServiceWithClient(bc)

	params := (&api.CreateMessageParams{}).
		SetTo(to).
		SetBody(body).
		SetMessagingServiceSid(c.cfg.MessagingServiceSID)
	if c.cfg.StatusCallbackURL != "" {
		params.SetStatusCallback(callbackFor(c.cfg.StatusCallbackURL, idempotencyKey))
	}
	msg, err := svc.CreateMessage(params)
	if err != nil {
		return Sent{}, classify(ctx, call.status, err)
	}
	var s Sent
	if msg.Sid != nil {
		s.SID = *msg.Sid
	}
	if msg.Status != nil {
		s.Status = *msg.Status
	}
	if s.SID == "" {
		return Sent{}, &Error{Status: call.status, Message: "Twilio's answer has no message SID"}
	}
	return s, nil
}

// callTransport is one Send's transport: it puts the call's context and
// idempotency key on the request and remembers the HTTP status, which
// twilio-go drops when an error body is not Twilio's JSON (a proxy's 503).
type callTransport struct {
	ctx    context.Context
	key    string
	base   http.RoundTripper
	status int
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(t.ctx)
	req.Header.Set(IdempotencyHeader, t.key)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if resp != nil {
		t.status = resp.StatusCode
	}
	return resp, err
}

// CallbackMessageParam is the status callback URL's query parameter that
// carries the idempotency key Send was given.
const CallbackMessageParam = "message"

func callbackFor(base, key string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + CallbackMessageParam + "=" + url.QueryEscape(key)
}
