package sms

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/twilio/twilio-go/client"
)

// SignatureHeader is the header Twilio signs its webhook requests with.
const SignatureHeader = "X-Twilio-Signature"

// TwiMLContentType is the Content-Type of a TwiML answer.
const TwiMLContentType = "text/xml; charset=utf-8"

// ValidSignature reports whether signature (the X-Twilio-Signature header)
// is Twilio's signature of a form POST to publicURL with the fields form,
// made with authToken: base64(HMAC-SHA1(authToken, publicURL + every field's
// name and value, sorted by name)), checked by twilio-go's RequestValidator.
//
// publicURL is the URL as Twilio called it (the configured public URL with
// its query string), not the address the request arrived at behind a proxy.
// A handler must answer 403 when this is false (fail closed). An empty
// signature or token is never valid.
func ValidSignature(authToken, publicURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			params[k] = v[0] // Twilio sends each field once
		}
		if len(v) > 1 {
			return false // not a request Twilio made
		}
	}
	rv := client.NewRequestValidator(authToken)
	return rv.Validate(publicURL, params, signature)
}

// MaxWebhookBytes bounds the body of a webhook request VerifiedForm reads.
const MaxWebhookBytes = 64 << 10

// MaxWebhookFields bounds the fields of a webhook request: an inbound
// message with ten pictures has about fifty.
const MaxWebhookFields = 100

// ErrBadSignature is VerifiedForm's error for a request without a valid
// X-Twilio-Signature: answer 403.
var ErrBadSignature = errors.New("sms: the webhook request's X-Twilio-Signature is missing or wrong")

// VerifiedForm reads a Twilio webhook request (inbound message or status
// callback) and returns its form fields once the signature checks out: a
// POST with an application/x-www-form-urlencoded body of at most
// MaxWebhookBytes, signed with authToken over publicURL (ValidSignature).
//
// publicURL is the endpoint's public URL as Twilio knows it (for status
// callbacks Config.StatusCallbackURL), not the address the request reached
// behind a proxy. When it has no query and the request has one, the
// request's query is appended: Twilio signs the URL it called. Only the
// body's fields are returned, never the query's.
//
// The error is ErrBadSignature (answer 403: fail closed) or says the request
// is malformed (answer 400). It reads r.Body; r.Form is left alone.
func VerifiedForm(r *http.Request, authToken, publicURL string) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, errors.New("sms: a webhook request must be a POST")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errors.New("sms: a webhook request must have a form body")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sms: reading the webhook request: %w", err)
	}
	if len(body) > MaxWebhookBytes {
		return nil, fmt.Errorf("sms: the webhook request is larger than %d bytes", MaxWebhookBytes)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("sms: the webhook request's form body is malformed")
	}
	// twilio-go's validator concatenates field by field, which is
	// quadratic: 64 KiB of empty fields cost a third of a second to
	// refuse. Twilio sends a few dozen at most.
	if len(form) > MaxWebhookFields {
		return nil, fmt.Errorf("sms: the webhook request has more than %d fields", MaxWebhookFields)
	}
	signedURL := publicURL
	if r.URL.RawQuery != "" && !strings.Contains(publicURL, "?") {
		signedURL += "?" + r.URL.RawQuery
	}
	if !ValidSignature(authToken, signedURL, form, r.Header.Get(SignatureHeader)) {
		return nil, ErrBadSignature
	}
	return form, nil
}

// TwiML is the answer to an inbound-message webhook: one reply SMS with the
// text message (XML-escaped), or, for an empty message, no reply at all:
//
//	<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tak!</Message></Response>
//	<?xml version="1.0" encoding="UTF-8"?><Response/>
//
// Serve it with TwiMLContentType.
func TwiML(message string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header[:len(xml.Header)-1]) // without its newline
	if message == "" {
		b.WriteString("<Response/>")
		return b.Bytes()
	}
	b.WriteString("<Response><Message>")
	_ = xml.EscapeText(&b, []byte(message)) // writing to a bytes.Buffer cannot fail
	b.WriteString("</Message></Response>")
	return b.Bytes()
}

// Inbound is an SMS a citizen sent to the service's number.
type Inbound struct {
	From       string // the sender, E.164
	To         string // the service's number, E.164 ("" if Twilio sent none)
	Body       string
	MessageSID string
}

// InboundError says why a webhook's form is not an inbound message. It names
// the field, never its value (a phone number, a message).
type InboundError struct {
	Field  string
	Reason string
}

func (e *InboundError) Error() string { return "sms: webhook field " + e.Field + ": " + e.Reason }

var sidPattern = regexp.MustCompile(`^[A-Z]{2}[0-9a-fA-F]{32}$`)

// ParseInbound reads the form of Twilio's incoming-message webhook (after
// ValidSignature). From must be an E.164 number; Body must be present (it
// may be empty: a picture without text) and valid UTF-8 of at most
// MaxBodyChars characters; MessageSid must be a Twilio SID; To, if present,
// must be E.164. Every error is an *InboundError.
func ParseInbound(form url.Values) (Inbound, error) {
	in := Inbound{
		From:       form.Get("From"),
		To:         form.Get("To"),
		Body:       form.Get("Body"),
		MessageSID: form.Get("MessageSid"),
	}
	switch {
	case in.From == "":
		return Inbound{}, &InboundError{"From", "missing"}
	case !ValidE164(in.From):
		return Inbound{}, &InboundError{"From", "not an E.164 phone number"}
	case in.To != "" && !ValidE164(in.To):
		return Inbound{}, &InboundError{"To", "not an E.164 phone number"}
	case !form.Has("Body"):
		return Inbound{}, &InboundError{"Body", "missing"}
	case !utf8.ValidString(in.Body):
		return Inbound{}, &InboundError{"Body", "not valid UTF-8"}
	case utf8.RuneCountInString(in.Body) > MaxBodyChars:
		return Inbound{}, &InboundError{"Body", fmt.Sprintf("longer than %d characters", MaxBodyChars)}
	case in.MessageSID == "":
		return Inbound{}, &InboundError{"MessageSid", "missing"}
	case !sidPattern.MatchString(in.MessageSID):
		return Inbound{}, &InboundError{"MessageSid", "not a Twilio SID"}
	}
	return in, nil
}

// Message statuses (Twilio's MessageStatus values).
const (
	StatusAccepted           = "accepted"
	StatusScheduled          = "scheduled"
	StatusQueued             = "queued"
	StatusSending            = "sending"
	StatusSent               = "sent"
	StatusDelivered          = "delivered"
	StatusUndelivered        = "undelivered"
	StatusFailed             = "failed"
	StatusCanceled           = "canceled"
	StatusRead               = "read"
	StatusPartiallyDelivered = "partially_delivered"
	StatusReceiving          = "receiving"
	StatusReceived           = "received"
)

var knownStatuses = map[string]bool{
	StatusAccepted: true, StatusScheduled: true, StatusQueued: true, StatusSending: true,
	StatusSent: true, StatusDelivered: true, StatusUndelivered: true, StatusFailed: true,
	StatusCanceled: true, StatusRead: true, StatusPartiallyDelivered: true,
	StatusReceiving: true, StatusReceived: true,
}

// StatusCallback is a delivery receipt Twilio posts to Config.StatusCallbackURL.
type StatusCallback struct {
	MessageSID string
	Status     string // one of the Status constants
	ErrorCode  int    // Twilio's error code for failed / undelivered, else 0
}

// Final reports whether no later callback can change the outcome: delivered,
// read, undelivered, failed or canceled. ("sent" is not final: a delivered or
// undelivered receipt may follow.)
func (s StatusCallback) Final() bool {
	switch s.Status {
	case StatusDelivered, StatusRead, StatusUndelivered, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// Failed reports whether the message did not arrive (undelivered, failed or
// canceled). PermanentCode(ErrorCode) says whether trying again is futile.
func (s StatusCallback) Failed() bool {
	return s.Status == StatusUndelivered || s.Status == StatusFailed || s.Status == StatusCanceled
}

// ParseStatusCallback reads the form of Twilio's status callback (after
// ValidSignature): MessageSid, MessageStatus (SmsStatus in older callbacks)
// and, when present, ErrorCode. Every error is an *InboundError.
func ParseStatusCallback(form url.Values) (StatusCallback, error) {
	sc := StatusCallback{MessageSID: form.Get("MessageSid"), Status: form.Get("MessageStatus")}
	if sc.Status == "" {
		sc.Status = form.Get("SmsStatus")
	}
	switch {
	case sc.MessageSID == "":
		return StatusCallback{}, &InboundError{"MessageSid", "missing"}
	case !sidPattern.MatchString(sc.MessageSID):
		return StatusCallback{}, &InboundError{"MessageSid", "not a Twilio SID"}
	case sc.Status == "":
		return StatusCallback{}, &InboundError{"MessageStatus", "missing"}
	case !knownStatuses[sc.Status]:
		return StatusCallback{}, &InboundError{"MessageStatus", "not a Twilio message status"}
	}
	if s := form.Get("ErrorCode"); s != "" {
		code, err := strconv.Atoi(s)
		if err != nil || code < 0 {
			return StatusCallback{}, &InboundError{"ErrorCode", "not a number"}
		}
		sc.ErrorCode = code
	}
	return sc, nil
}

// IsInboundError reports whether err is a malformed-webhook error (answer 400).
func IsInboundError(err error) bool {
	var e *InboundError
	return errors.As(err, &e)
}
