package cpr

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mtls"
)

// Defaults for the zero values of ClientConfig.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultRetryMax     = 3
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 4 * time.Second

	// maxRetries bounds RetryMax whatever the configuration says.
	maxRetries = 10
)

// ClientConfig configures a Client. Everything but Logger, AccountingInfo,
// Timeout and the retry settings is required.
type ClientConfig struct {
	// Endpoint is the https URL of the service, e.g.
	// https://prod.serviceplatformen.dk/service/CPR/PersonBaseDataExtended/5.
	Endpoint string

	// Certificate is the municipality's OCES system certificate (with its
	// private key), presented as the TLS client certificate.
	Certificate tls.Certificate

	// RootCAs verifies Serviceplatformen's server certificate; nil means the
	// system's roots.
	RootCAs *x509.CertPool

	// CVR is the municipality's CVR number (8 digits), sent as
	// AuthorityContext/MunicipalityCVR.
	CVR string

	// The InvocationContext (UUIDs from Serviceplatformen's administration
	// module): the service agreement, the user system (this IT system), the
	// user (the municipality) and the service (ServiceUUID for SF1520).
	ServiceAgreementUUID string
	UserSystemUUID       string
	UserUUID             string
	ServiceUUID          string
	AccountingInfo       string // optional

	// Timeout bounds each attempt; 0 means DefaultTimeout.
	Timeout time.Duration

	// RetryMax is how many times a failed attempt (connection error, 429,
	// 502, 503, 504, or a 500 that is not a SOAP fault) is retried, with
	// exponential backoff between RetryWaitMin and RetryWaitMax. 0 means
	// DefaultRetryMax, a negative number means no retries; at most 10.
	RetryMax     int
	RetryWaitMin time.Duration // 0 means DefaultRetryWaitMin
	RetryWaitMax time.Duration // 0 means DefaultRetryWaitMax

	// Logger, when set, gets one record per lookup: outcome, duration,
	// attempts, HTTP status, fault code. Never the CPR number, a name or a
	// server text.
	Logger *slog.Logger
}

// Client is the SF1520 PersonBaseDataExtended client. It is safe for
// concurrent use.
type Client struct {
	endpoint   string
	cvr        string
	invocation invocationContext
	http       *retryablehttp.Client
	transport  *http.Transport
	logger     *slog.Logger
}

var _ Register = (*Client)(nil)

var (
	cvrPattern  = regexp.MustCompile(`^[0-9]{8}$`)
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// NewClient checks cfg and makes a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("cpr: ClientConfig.Endpoint must be an https URL")
	}
	if v, ok := endpointVersion(u.Path); ok && v != "5" {
		return nil, fmt.Errorf("cpr: ClientConfig.Endpoint points at PersonBaseDataExtended version %.8q; this client speaks version 5 (%s)", v, EndpointPath)
	}
	if len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, errors.New("cpr: ClientConfig.Certificate must hold the OCES system certificate and its private key")
	}
	if !cvrPattern.MatchString(cfg.CVR) {
		return nil, errors.New("cpr: ClientConfig.CVR must be the municipality's CVR number, 8 digits")
	}
	// The Serviceplatformen InvocationContext schema (UUIDtype) allows
	// lower-case hex only; the administration module may show them in upper
	// case, so they are accepted in either and sent in lower case.
	for _, f := range []struct {
		name  string
		value *string
	}{
		{"ServiceAgreementUUID", &cfg.ServiceAgreementUUID},
		{"UserSystemUUID", &cfg.UserSystemUUID},
		{"UserUUID", &cfg.UserUUID},
		{"ServiceUUID", &cfg.ServiceUUID},
	} {
		v := strings.ToLower(strings.TrimSpace(*f.value))
		if !uuidPattern.MatchString(v) {
			return nil, fmt.Errorf("cpr: ClientConfig.%s must be a UUID", f.name)
		}
		*f.value = v
	}
	if len(cfg.AccountingInfo) > 255 {
		return nil, errors.New("cpr: ClientConfig.AccountingInfo is too long")
	}

	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retry := mtls.Retry{Max: cfg.RetryMax, WaitMin: cfg.RetryWaitMin, WaitMax: cfg.RetryWaitMax}.Within(
		mtls.Retry{Max: DefaultRetryMax, WaitMin: DefaultRetryWaitMin, WaitMax: DefaultRetryWaitMax}, maxRetries)
	rc, transport := mtls.NewClient(mtls.Config{Certificate: cfg.Certificate, RootCAs: cfg.RootCAs, Timeout: timeout,
		Retry: retry, CheckRetry: checkRetry, Backoff: backoff, RequestLogHook: countAttempt})
	return &Client{
		endpoint: cfg.Endpoint,
		cvr:      cfg.CVR,
		invocation: invocationContext{
			ServiceAgreementUUID: cfg.ServiceAgreementUUID,
			UserSystemUUID:       cfg.UserSystemUUID,
			UserUUID:             cfg.UserUUID,
			ServiceUUID:          cfg.ServiceUUID,
			AccountingInfo:       cfg.AccountingInfo,
		},
		http:      rc,
		transport: transport,
		logger:    cfg.Logger,
	}, nil
}

// endpointVersion is the version in a path ending in
// /PersonBaseDataExtended/<version>, if it does.
func endpointVersion(path string) (string, bool) {
	path = strings.TrimSuffix(path, "/")
	i := strings.LastIndex(path, "/PersonBaseDataExtended/")
	if i < 0 {
		return "", false
	}
	v := path[i+len("/PersonBaseDataExtended/"):]
	return v, !strings.Contains(v, "/")
}

// backoff is go-retryablehttp's, which honours Retry-After without a
// bound: here bounded by max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	return boundedBackoff(retryablehttp.DefaultBackoff(min, max, attempt, resp), max)
}

func boundedBackoff(d, max time.Duration) time.Duration {
	if d > max || d < 0 {
		return max
	}
	return d
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

type attemptsKey struct{}

// countAttempt records the attempt number in the counter Lookup put in the
// request's context.
func countAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	if n, ok := req.Context().Value(attemptsKey{}).(*int); ok {
		*n = retry + 1
	}
}

// checkRetry is the retry policy:
//   - connection errors are retried, except TLS failures (a refused or
//     untrusted certificate does not heal by trying again);
//   - 429, 502, 503, 504 are retried, with a SOAP fault in the body or not;
//   - a 500 that holds a SOAP fault is an answer (SOAP 1.1 sends every fault
//     with 500) and is not retried; a 500 without one is;
//   - everything else is not retried.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if isTLSError(err) {
			return false, nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		return true, nil
	case code >= 500 && code != http.StatusNotImplemented:
		body, rerr := bufferBody(resp)
		if rerr != nil {
			return true, nil
		}
		if isFault(body) {
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// isFault reports whether body is a SOAP envelope holding a fault.
func isFault(body []byte) bool {
	_, err := decodeResponse(models.CPR{}, http.StatusInternalServerError, body)
	var fe *FaultError
	return errors.As(err, &fe)
}

// bufferBody reads the body (bounded) and puts it back, so the policy can
// look at it and Lookup can still read it.
func bufferBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// isTLSError reports a TLS failure on either side: a certificate we do not
// trust, or an alert from the server (no client certificate, one it does not
// trust).
func isTLSError(err error) bool {
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return true
	}
	var uerr x509.UnknownAuthorityError
	if errors.As(err, &uerr) {
		return true
	}
	var herr x509.HostnameError
	if errors.As(err, &herr) {
		return true
	}
	var aerr tls.AlertError
	if errors.As(err, &aerr) {
		return true
	}
	var oerr *net.OpError
	if errors.As(err, &oerr) && oerr.Op == "remote error" {
		return true // crypto/tls reports a received alert this way
	}
	var rerr tls.RecordHeaderError
	return errors.As(err, &rerr)
}

// Lookup asks the register about c. errors.Is(err, ErrNotFound) when the
// register does not know the number; otherwise the error is a *FaultError,
// *HTTPError, *ResponseError or *TransportError, or the context's error.
// No error text contains the CPR number.
func (c *Client) Lookup(ctx context.Context, cpr models.CPR) (Person, error) {
	if cpr.IsZero() {
		return Person{}, errors.New("cpr: no CPR number to look up")
	}
	start := time.Now()
	attempts := 0
	p, status, err := c.lookup(context.WithValue(ctx, attemptsKey{}, &attempts), cpr, &attempts)
	c.logOutcome(ctx, time.Since(start), attempts, status, err)
	return p, err
}

func (c *Client) lookup(ctx context.Context, cpr models.CPR, attempts *int) (Person, int, error) {
	body, err := encodeRequest(c.cvr, c.invocation, cpr.Digits())
	if err != nil {
		return Person{}, 0, err
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, body)
	if err != nil {
		return Person{}, 0, fmt.Errorf("cpr: building the request: %s", scrub(err.Error()))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("SOAPAction", `"`+SOAPAction+`"`)

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return Person{}, 0, fmt.Errorf("cpr: lookup abandoned: %w", ctx.Err())
		}
		return Person{}, 0, &TransportError{Attempts: *attempts, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return Person{}, resp.StatusCode, &TransportError{Attempts: *attempts, Err: err}
	}
	if len(raw) > maxBody {
		return Person{}, resp.StatusCode, &ResponseError{HTTPStatus: resp.StatusCode, Reason: "the body is larger than 1 MiB"}
	}
	p, err := decodeResponse(cpr, resp.StatusCode, raw)
	var fe *FaultError
	var he *HTTPError
	switch {
	case errors.As(err, &fe):
		fe.Attempts = *attempts
	case errors.As(err, &he):
		he.Attempts = *attempts
	}
	return p, resp.StatusCode, err
}

// logOutcome writes the one record a lookup gets. It names no person and
// quotes no server text.
func (c *Client) logOutcome(ctx context.Context, d time.Duration, attempts, status int, err error) {
	if c.logger == nil {
		return
	}
	level := slog.LevelInfo
	outcome := Outcome(err)
	attrs := []slog.Attr{
		slog.String("service", "SF1520 PersonBaseDataExtended"),
		slog.Int64("duration_ms", d.Milliseconds()),
		slog.Int("attempts", attempts),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("http_status", status))
	}
	switch outcome {
	case "found", "not_found", "abandoned":
	default:
		level = slog.LevelWarn
	}
	if fe := (*FaultError)(nil); errors.As(err, &fe) && !fe.NotFound() && fe.Code != "" {
		attrs = append(attrs, slog.String("fault_code", scrub(fe.Code)))
	}
	attrs = append(attrs, slog.String("outcome", outcome))
	c.logger.LogAttrs(ctx, level, "cpr lookup", attrs...)
}
