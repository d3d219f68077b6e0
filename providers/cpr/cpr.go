// Package cpr looks people up in the CPR register through Serviceplatformen's
// SF1520 "PersonBaseDataExtended" version 5 (Udvidet person stamdata, lokal): SOAP 1.1
// over HTTPS with mutual TLS, the municipality's OCES system certificate as
// the client certificate.
//
// Client is the real thing. fakes/cprfake is a local register that speaks the
// same wire format behind real mutual TLS, so tests and `valghalla dev` use
// the real Client against it.
//
// Confidentiality: a CPR number is sent to the register and nowhere else.
// Errors never contain one (every error text is scrubbed of ten-digit runs,
// see scrub), and the logger gets the outcome and duration of a call, never
// the CPR number, a name or a server text.
//
// What is verified about the wire format and what is assumed is written down
// in wire.go.
package cpr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/valghalla/valghalla/models"
)

// Register looks people up in the CPR register.
type Register interface {
	Lookup(ctx context.Context, c models.CPR) (Person, error)
}

// Person is what the register says: the eligibility facts plus what the
// product shows and uses.
//
// The facts follow the register's own codes as models.CheckEligibility wants
// them: Status is two digits ("01", "90"), Citizenship and MunicipalityCode
// four ("5100", "0607"). ResidentSince is the date of the current (active)
// CPR status, zero when the status is not active or the register gives no
// date (see wire.go for why that is the closest SF1520 has).
//
// slog shows a Person without CPR number or name (LogValue); fmt's %v does
// show the names, so do not format a Person into a message.
type Person struct {
	models.PersonFacts // CPR, Status, Citizenship, MunicipalityCode, Full/PartialGuardianship, ResidentSince

	GivenName string // fornavn(e), with any mellemnavn appended
	Surname   string // efternavn

	ProtectedAddress  bool   // adressebeskyttelse
	DigitalPostExempt bool   // fritaget for Digital Post (tilmeldtDigitalpost = false)
	PollingDistrict   string // the person's own afstemningsområde (valgdistriktKode), when known
}

// LogValue keeps a Person that reaches a log down to what identifies nobody:
// no CPR number, no name.
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("status", p.Status),
		slog.String("citizenship", p.Citizenship),
		slog.String("municipality", p.MunicipalityCode),
		slog.Bool("full_guardianship", p.FullGuardianship),
		slog.Bool("partial_guardianship", p.PartialGuardianship),
		slog.Bool("protected_address", p.ProtectedAddress),
		slog.Bool("digital_post_exempt", p.DigitalPostExempt),
	)
}

// Outcome names how a lookup went, in a word fit for a log or a metric's
// label (never the number): found, not_found, fault, http_error,
// bad_response, unreachable, tls_refused, abandoned or error.
func Outcome(err error) string {
	var fe *FaultError
	switch {
	case err == nil:
		return "found"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.As(err, &fe):
		return "fault"
	case errors.As(err, new(*HTTPError)):
		return "http_error"
	case errors.As(err, new(*ResponseError)):
		return "bad_response"
	case errors.As(err, new(*TransportError)):
		if isTLSError(err) {
			return "tls_refused"
		}
		return "unreachable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "abandoned"
	}
	return "error"
}

// Counted wraps a register so that count hears the Outcome of every
// lookup: the one place the product's lookups are counted, whoever asks
// (registration, re-validation). A nil register stays nil.
func Counted(r Register, count func(outcome string)) Register {
	if r == nil || count == nil {
		return r
	}
	return counted{r, count}
}

type counted struct {
	Register
	count func(string)
}

func (c counted) Lookup(ctx context.Context, n models.CPR) (Person, error) {
	p, err := c.Register.Lookup(ctx, n)
	c.count(Outcome(err))
	return p, err
}

// ErrNotFound: the register does not know the number. Test with errors.Is;
// the error Lookup returns may be a *FaultError that wraps it.
var ErrNotFound = errors.New("cpr: CPR-registret kender ikke CPR-nummeret")

// FaultError is a SOAP fault from Serviceplatformen. Every text in it has
// been scrubbed of CPR numbers before it was stored.
type FaultError struct {
	HTTPStatus int           // the status the fault came with (SOAP 1.1 uses 500)
	Code       string        // faultcode, e.g. "soap:Client"
	Message    string        // faultstring
	Details    []FaultDetail // detail/ServiceplatformFault/ErrorList/Error
	Attempts   int           // requests made, retries included
	notFound   bool
}

// FaultDetail is one Error of a ServiceplatformFault.
type FaultDetail struct {
	Code string // ErrorCode
	Text string // ErrorText
}

// NotFound reports whether the fault says the register does not know the
// number; errors.Is(err, ErrNotFound) says the same.
func (e *FaultError) NotFound() bool { return e.notFound }

func (e *FaultError) Unwrap() error {
	if e.notFound {
		return ErrNotFound
	}
	return nil
}

func (e *FaultError) Error() string {
	var b strings.Builder
	if e.notFound {
		b.WriteString(ErrNotFound.Error())
		b.WriteString(" (SF1520: ")
	} else {
		fmt.Fprintf(&b, "cpr: SF1520 answered with a SOAP fault (HTTP %d", e.HTTPStatus)
		if e.Attempts > 1 {
			fmt.Fprintf(&b, ", after %d attempts", e.Attempts)
		}
		b.WriteString("): ")
	}
	b.WriteString(e.summary())
	if e.notFound {
		b.WriteString(")")
	}
	return scrub(b.String())
}

func (e *FaultError) summary() string {
	parts := make([]string, 0, 2+len(e.Details))
	if e.Code != "" {
		parts = append(parts, e.Code)
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	for _, d := range e.Details {
		switch {
		case d.Code != "" && d.Text != "":
			parts = append(parts, d.Code+": "+d.Text)
		case d.Code != "":
			parts = append(parts, d.Code)
		case d.Text != "":
			parts = append(parts, d.Text)
		}
	}
	if len(parts) == 0 {
		return "(no fault text)"
	}
	return strings.Join(parts, "; ")
}

// HTTPError is an HTTP error status without a SOAP fault in the body (a
// gateway's error page, say). Body is the start of the server's body,
// scrubbed of CPR numbers.
type HTTPError struct {
	StatusCode int
	Body       string
	Attempts   int
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("cpr: SF1520 answered HTTP %d", e.StatusCode)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Body != "" {
		s += ": " + e.Body
	}
	return scrub(s)
}

// ResponseError is an answer that cannot be used: not XML, not a SOAP
// envelope, the wrong namespace, truncated, or a field that is not what the
// schema promises.
type ResponseError struct {
	HTTPStatus int
	Reason     string // scrubbed
}

func (e *ResponseError) Error() string {
	return scrub(fmt.Sprintf("cpr: unusable answer from SF1520 (HTTP %d): %s", e.HTTPStatus, e.Reason))
}

// TransportError is a request that never got an HTTP answer: connection
// refused, timeout, TLS handshake refused (no or a wrong client
// certificate), an untrusted server certificate. It wraps the cause, so
// errors.As finds *tls.CertificateVerificationError, *net.OpError, ... .
type TransportError struct {
	Attempts int
	Err      error
}

func (e *TransportError) Error() string {
	s := "cpr: SF1520 could not be reached"
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return scrub(s + ": " + e.Err.Error())
}

func (e *TransportError) Unwrap() error { return e.Err }

// cprLike is ten digits, optionally DDMMYY-SSSS or DDMMYY SSSS: anything that
// could be a CPR number inside a server text.
var cprLike = regexp.MustCompile(`[0-9]{6}[- ]?[0-9]{4}`)

// scrub replaces everything that could be a CPR number with "[CPR]". It is
// applied to every error text this package makes, so a server that echoes
// the number back in a fault cannot leak it into a log.
func scrub(s string) string { return cprLike.ReplaceAllString(s, "[CPR]") }
