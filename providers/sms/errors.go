package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/twilio/twilio-go/client"
)

// Twilio error codes this package names (https://www.twilio.com/docs/api/errors).
const (
	CodeAuthenticate       = 20003 // wrong AccountSID or AuthToken
	CodeInvalidTo          = 21211 // the 'To' number is not a valid phone number
	CodeToUnreachable      = 21214 // the 'To' number cannot be reached
	CodeRegionNotEnabled   = 21408 // the account may not send to the number's country
	CodeBodyRequired       = 21602 // no body
	CodeToRequired         = 21604 // no 'To' number
	CodeOptedOut           = 21610 // the recipient replied STOP
	CodeNotSMSReachable    = 21612 // the 'To' number cannot get SMS from this sender
	CodeNotMobile          = 21614 // the 'To' number is not a mobile number
	CodeBodyTooLong        = 21617 // the body exceeds 1600 characters
	CodeLandline           = 21635 // the 'To' number is a landline
	CodeUnreachableHandset = 30003 // delivery: handset off or out of coverage
	CodeMessageBlocked     = 30004 // delivery: blocked by the recipient or carrier
	CodeUnknownHandset     = 30005 // delivery: the number does not exist
	CodeLandlineCarrier    = 30006 // delivery: landline or unreachable carrier
	CodeFiltered           = 30007 // delivery: filtered by the carrier
)

// MaxBodyChars is Twilio's limit on a message body, in characters.
const MaxBodyChars = 1600

// permanentCodes are the codes that say this message to this number cannot
// succeed however often it is retried: the number is invalid, not a mobile,
// opted out or unreachable, or the body is refused.
var permanentCodes = map[int]string{
	CodeInvalidTo:          "the 'To' number is not a valid phone number",
	CodeToUnreachable:      "the 'To' number cannot be reached",
	21265:                  "the 'To' number is a short code",
	CodeRegionNotEnabled:   "sending to the number's region is not enabled",
	21421:                  "the phone number is invalid",
	CodeBodyRequired:       "the message body is required",
	CodeToRequired:         "a 'To' number is required",
	CodeOptedOut:           "the recipient has opted out (replied STOP)",
	CodeNotSMSReachable:    "the 'To' number cannot receive SMS from this sender",
	CodeNotMobile:          "the 'To' number is not a mobile number",
	CodeBodyTooLong:        "the message body exceeds 1600 characters",
	CodeLandline:           "the 'To' number is a landline",
	CodeUnreachableHandset: "the handset is unreachable",
	CodeMessageBlocked:     "the message was blocked",
	CodeUnknownHandset:     "the destination handset is unknown",
	CodeLandlineCarrier:    "landline or unreachable carrier",
	CodeFiltered:           "the message was filtered by the carrier",
}

// PermanentCode reports whether a Twilio error code, from an API error or a
// status callback's ErrorCode, says that this message to this number cannot
// succeed (see IsPermanent). Unknown codes are not permanent.
func PermanentCode(code int) bool {
	_, ok := permanentCodes[code]
	return ok
}

// Error is every error Send returns. Its text never holds the phone number
// nor the body: Twilio's own messages often quote the number, so a known
// code gets this package's description and any other message has its digit
// runs masked.
type Error struct {
	// Code is Twilio's error code (e.g. 21610), 0 if there is none (a
	// network error, a refused body, a 503 from a proxy).
	Code int
	// Status is the HTTP status, 0 if there was no response or Send refused
	// the message before any request.
	Status int
	// Message says what went wrong, without personal data.
	Message string
	// Permanent: retrying the same message cannot succeed. See IsPermanent.
	Permanent bool

	cause error // the context's error or ErrCPRInBody; nothing else
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sms: ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "Twilio error %d: ", e.Code)
	}
	b.WriteString(e.Message)
	if e.Permanent {
		b.WriteString(" (permanent)")
	} else {
		b.WriteString(" (temporary)")
	}
	return b.String()
}

// Unwrap gives context.Canceled or context.DeadlineExceeded when the context
// ended the Send, ErrCPRInBody when CheckBody refused the body, and nothing
// else (Temporal records the whole chain in the workflow history).
func (e *Error) Unwrap() error { return e.cause }

// IsPermanent reports whether err says that retrying the same message cannot
// succeed, so the caller should give up on SMS for it (and move on to another
// channel): a Twilio error with a PermanentCode (invalid or non-mobile
// number, opted out, region not enabled, body refused), or a message Send
// refused before sending it.
//
// Everything else is temporary: 429 and 5xx responses, network errors and
// timeouts, and also 401/403/404 and unknown 4xx codes. Those say that
// Twilio or our configuration is wrong (a rotated auth token, a deleted
// Messaging Service), not the recipient; once an operator has fixed it the
// retry succeeds, so the recipient must not be written off.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// classify turns twilio-go's error into an *Error. status is the HTTP status
// the transport saw (0: none).
func classify(ctx context.Context, status int, err error) *Error {
	e := &Error{Status: status}
	var re *client.TwilioRestError
	var v1 *client.RestErrorV1
	switch {
	case errors.As(err, &re):
		e.Code = re.Code
		if re.Status != 0 {
			e.Status = re.Status
		}
		e.Message = describe(re.Code, re.Message)
	case errors.As(err, &v1):
		e.Code = v1.Code
		if v1.HttpStatusCode != 0 {
			e.Status = v1.HttpStatusCode
		}
		e.Message = describe(v1.Code, v1.Message)
	case status != 0:
		// An error status whose body is not Twilio's JSON (a proxy, a load
		// balancer): twilio-go's error only says it could not decode it.
		e.Message = http.StatusText(status)
		if e.Message == "" {
			e.Message = "unexpected response"
		}
	default:
		// No response: DNS, refused connection, TLS, timeout. The text
		// names the API URL (account SID) but neither number nor body.
		e.Message = "request failed: " + err.Error()
	}
	e.Permanent = PermanentCode(e.Code)
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.cause = ctxErr
		e.Permanent = false
	}
	return e
}

// describe is the text for a Twilio error: this package's own for a code it
// knows, otherwise Twilio's with anything that could be a phone number masked.
func describe(code int, twilioMessage string) string {
	if d, ok := permanentCodes[code]; ok {
		return d
	}
	if code == CodeAuthenticate {
		return "authentication failed (check AccountSID and AuthToken)"
	}
	return maskDigits(twilioMessage)
}

var digitRun = regexp.MustCompile(`\+?[0-9][0-9 ()-]{4,}[0-9]`)

// maskDigits replaces runs of six or more digits (phone numbers, with their
// usual separators) by "[number]".
func maskDigits(s string) string {
	return digitRun.ReplaceAllString(s, "[number]")
}
