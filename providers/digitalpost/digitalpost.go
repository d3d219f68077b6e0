// Package digitalpost sends letters to citizens' Digital Post mailboxes
// through the Næste generation Digital Post (NgDP) REST API: a MeMo XML
// message (version 1.2 by default, 1.1 by Config.MeMoVersion) posted over
// HTTPS with mutual TLS (the municipality's OCES3 system certificate as the
// client certificate), answered with a JSON receipt.
//
// BuildMeMoVersion writes the message, Client sends it, and dpfake is a
// local NgDP that speaks the same wire format for tests and `valghalla dev`.
// The MeMo schema's rules on every value written or read are in facets.go,
// one place for the builder and for the fake, which refuses what the
// schema refuses; the conformance tests hold both to the published schemas
// with xmllint.
//
// Idempotency: the letter's MessageUUID is the NgDP idempotency key. The
// caller generates it once, stores it before the first attempt and passes the
// same letter on every retry (the client's own retries reuse it too), so a
// citizen never gets the same letter twice.
//
// Confidentiality: the recipient's CPR number and the letter's text go to
// NgDP and nowhere else. No error text or log record carries them; server
// texts kept in errors are scrubbed of anything that looks like a CPR number.
package digitalpost

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// Letter is one Digital Post letter to one citizen.
type Letter struct {
	// MessageUUID identifies the letter at NgDP; generate it once and reuse
	// it on every retry.
	MessageUUID string

	// SenderCVR (8 digits) and SenderLabel name the sending authority; the
	// Client fills them from its Config when empty.
	SenderCVR   string
	SenderLabel string

	RecipientCPR string // 10 digits, no dash

	Label             string // the title the citizen sees in the mailbox
	Mandatory         bool   // obligatorisk post: delivered even when the citizen has opted out of optional post
	LegalNotification bool   // lovpligtig meddelelse (retsvirkning)

	// Created is the letter's creation time (createdDateTime); the Client
	// uses the time of the send when it is zero.
	Created time.Time

	HTML        string // the main document, a UTF-8 HTML page
	Attachments []Attachment
}

// LogValue keeps a Letter that reaches a log down to what identifies no
// person: no CPR number, no title, no text. (fmt's %v does show them: do not
// format a Letter into a message.)
func (l Letter) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("message_uuid", l.MessageUUID),
		slog.String("sender_cvr", l.SenderCVR),
		slog.Bool("mandatory", l.Mandatory),
		slog.Bool("legal_notification", l.LegalNotification),
		slog.Int("attachments", len(l.Attachments)),
	)
}

// Attachment is an additional document (bilag), e.g. a PDF.
type Attachment struct {
	Filename string
	MIME     string // e.g. application/pdf
	Content  []byte
}

// Receipt statuses NgDP answers with.
const (
	StatusReceived   = "RECEIVED"    // accepted, delivery in progress
	StatusCompleted  = "COMPLETED"   // delivered to the mailbox
	StatusInvalid    = "INVALID"     // the message was refused (permanent)
	StatusNotAllowed = "NOT_ALLOWED" // e.g. the recipient is exempt from Digital Post (permanent)
)

// Receipt is NgDP's answer about one message.
type Receipt struct {
	MessageUUID string
	Status      string // RECEIVED, COMPLETED, INVALID, NOT_ALLOWED
	Detail      string // the server's explanation, if any (scrubbed of CPR numbers)
}

// Error is a failed call to NgDP. Permanent errors (the letter is invalid,
// NgDP answered 4xx, or a receipt said INVALID or NOT_ALLOWED, e.g. the
// recipient is exempt from Digital Post) do not heal by sending again; the
// others (429, 5xx, no answer, a TLS refusal an operator may still fix)
// may.
type Error struct {
	Op            string        // "send" or "receipt"
	MessageUUID   string        // the message concerned
	Permanent     bool          // true: do not retry; use another channel or fix the letter
	Status        int           // the last HTTP status, 0 when no response came
	ReceiptStatus string        // INVALID or NOT_ALLOWED when a receipt said so
	Body          string        // the server's answer, trimmed, bounded and scrubbed of CPR numbers
	Message       string        // the explanation taken from Body, when it is a JSON receipt or error
	Attempts      int           // how many times the request was sent
	RetryAfter    time.Duration // how long the server asked us to wait (429/503), if it did
	Err           error         // the transport error when no response came, or why the letter is invalid
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("digitalpost: " + e.Op)
	if e.MessageUUID != "" {
		b.WriteString(" " + e.MessageUUID)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.ReceiptStatus != "" {
		fmt.Fprintf(&b, " (%s)", e.ReceiptStatus)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Body != "":
		b.WriteString(": " + e.Body)
	}
	if e.Err != nil {
		b.WriteString(": " + strings.TrimPrefix(scrub(e.Err.Error()), "digitalpost: "))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is an *Error that retrying cannot fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// cprLike matches what could be a CPR number, with or without the dash, or
// a whole UUID (matched first, so the message UUID a server quotes survives).
var cprLike = regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|\d{6}-?\d{4}`)

// scrub masks anything that looks like a CPR number: servers echo what they
// were sent, and errors end up in logs and workflow histories.
func scrub(s string) string {
	return cprLike.ReplaceAllStringFunc(s, func(m string) string {
		if uuidPattern.MatchString(m) {
			return m
		}
		return "**********"
	})
}
