package digitalpost

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/valghalla/valghalla/providers/mtls"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultRetryMax     = 3
	DefaultRetryWaitMin = 500 * time.Millisecond
	DefaultRetryWaitMax = 8 * time.Second

	// MaxRetryAfter is the longest Retry-After the client waits out itself.
	// A longer one ends the call with a retryable *Error carrying
	// RetryAfter, so the caller (a Temporal activity) waits instead of
	// holding a connection and a worker slot.
	MaxRetryAfter = time.Minute

	// maxRetries bounds RetryMax whatever the configuration says.
	maxRetries = 10
	// maxResponse bounds what is read of a response.
	maxResponse = 1 << 20
	// maxErrorBody bounds the server text an *Error keeps.
	maxErrorBody = 2048
)

// The NgDP paths. Sending is documented (DOMAIN.md): POST
// /apis/v1/memos/?memo-message-uuid=<uuid> with the MeMo as the body. For
// polling, the client uses GET /apis/v1/memos/<uuid>/receipt (our choice, as
// the receipt path is not in the material we have; dpfake serves the same).
const (
	MemosPath      = "/apis/v1/memos/"
	receiptSuffix  = "/receipt"
	uuidQueryParam = "memo-message-uuid"
)

// Config configures a Client. BaseURL, Certificate and SenderCVR and
// SenderLabel are required.
type Config struct {
	// BaseURL is NgDP's https base URL, without the /apis/... path.
	BaseURL string

	// Certificate is the municipality's OCES3 system certificate (with its
	// private key), presented as the TLS client certificate.
	Certificate tls.Certificate

	// RootCAs verifies NgDP's server certificate; nil means the system's.
	RootCAs *x509.CertPool

	// SenderCVR (8 digits) and SenderLabel fill a Letter's empty sender.
	SenderCVR, SenderLabel string

	// MeMoVersion is the MeMo version the letters are written in, MeMo11
	// or MeMo12; "" means DefaultMeMoVersion.
	MeMoVersion string

	// RetryMax is how many times a failed attempt (connection error, 429,
	// 5xx) is retried, with exponential backoff between RetryWaitMin and
	// RetryWaitMax, or after the server's Retry-After (up to MaxRetryAfter).
	// 0 means DefaultRetryMax, negative means no retries; at most 10.
	RetryMax     int
	RetryWaitMin time.Duration // 0 means DefaultRetryWaitMin
	RetryWaitMax time.Duration // 0 means DefaultRetryWaitMax

	// Timeout bounds each attempt; 0 means DefaultTimeout.
	Timeout time.Duration

	// Logger, when set, gets one record per call: operation, message UUID,
	// outcome, HTTP status, receipt status, attempts, duration. Never the
	// CPR number, the letter's text or a server text.
	Logger *slog.Logger
}

// Client sends letters to NgDP. It is safe for concurrent use.
type Client struct {
	memosURL    string // BaseURL + MemosPath
	senderCVR   string
	senderLabel string
	memoVersion string
	http        *retryablehttp.Client
	transport   *http.Transport
	logger      *slog.Logger
	now         func() time.Time
}

// NewClient checks cfg and makes a Client.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" {
		return nil, errors.New("digitalpost: Config.BaseURL must be an https URL")
	}
	if len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, errors.New("digitalpost: Config.Certificate must hold the OCES system certificate and its private key")
	}
	if !cvrPattern.MatchString(cfg.SenderCVR) {
		return nil, errors.New("digitalpost: Config.SenderCVR must be the municipality's CVR number, 8 digits")
	}
	if strings.TrimSpace(cfg.SenderLabel) == "" {
		return nil, errors.New("digitalpost: Config.SenderLabel must name the sender")
	}
	version := cfg.MeMoVersion
	if version == "" {
		version = DefaultMeMoVersion
	}
	if !validMeMoVersion(version) {
		return nil, fmt.Errorf("digitalpost: Config.MeMoVersion must be %s or %s", MeMo11, MeMo12)
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
		memosURL:    strings.TrimRight(cfg.BaseURL, "/") + MemosPath,
		senderCVR:   cfg.SenderCVR,
		senderLabel: cfg.SenderLabel,
		memoVersion: version,
		http:        rc,
		transport:   transport,
		logger:      cfg.Logger,
		now:         time.Now,
	}, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// Send posts l to NgDP and returns the receipt (RECEIVED or COMPLETED). The
// sender fields and Created are filled from the Config and the clock when
// empty. Every attempt, and every later call with the same letter, carries
// the same MessageUUID, so NgDP delivers it once.
//
// Errors: the error is an *Error (or the context's error). It is Permanent
// for an invalid letter (found before anything is sent), a 4xx answer
// (400/INVALID, 401/403 refusal) and for a receipt INVALID or NOT_ALLOWED
// (e.g. the recipient is exempt from Digital Post); retryable for 429, 5xx
// and connection errors once the retries are used up, with the server's
// body kept.
func (c *Client) Send(ctx context.Context, l Letter) (Receipt, error) {
	if l.SenderCVR == "" {
		l.SenderCVR = c.senderCVR
	}
	if l.SenderLabel == "" {
		l.SenderLabel = c.senderLabel
	}
	if l.Created.IsZero() {
		l.Created = c.now()
	}
	body, err := BuildMeMoVersion(l, c.memoVersion)
	if err != nil {
		e := &Error{Op: "send", Permanent: true, Err: err}
		if memoUUIDPattern.MatchString(l.MessageUUID) {
			e.MessageUUID = l.MessageUUID
		}
		return Receipt{}, e
	}
	target := c.memosURL + "?" + uuidQueryParam + "=" + url.QueryEscape(l.MessageUUID)
	return c.do(ctx, "send", l.MessageUUID, http.MethodPost, target, body)
}

// Receipt asks NgDP for the current receipt of the message with uuid
// (GET /apis/v1/memos/<uuid>/receipt). Errors as for Send; an unknown
// message is a permanent *Error with Status 404.
func (c *Client) Receipt(ctx context.Context, uuid string) (Receipt, error) {
	if !uuidPattern.MatchString(uuid) {
		return Receipt{}, errors.New("digitalpost: Receipt needs a message UUID")
	}
	return c.do(ctx, "receipt", uuid, http.MethodGet, c.memosURL+uuid+receiptSuffix, nil)
}

func (c *Client) do(ctx context.Context, op, uuid, method, target string, body []byte) (Receipt, error) {
	start := time.Now()
	attempts := 0
	rcpt, status, err := c.roundTrip(context.WithValue(ctx, attemptsKey{}, &attempts), op, uuid, method, target, body, &attempts)
	c.logOutcome(ctx, op, uuid, time.Since(start), attempts, status, rcpt, err)
	return rcpt, err
}

func (c *Client) roundTrip(ctx context.Context, op, uuid, method, target string, body []byte, attempts *int) (Receipt, int, error) {
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return Receipt{}, 0, fmt.Errorf("digitalpost: building the request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return Receipt{}, 0, fmt.Errorf("digitalpost: %s %s abandoned: %w", op, uuid, ctx.Err())
		}
		return Receipt{}, 0, &Error{Op: op, MessageUUID: uuid, Attempts: *attempts, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Receipt{}, resp.StatusCode, &Error{Op: op, MessageUUID: uuid, Status: resp.StatusCode, Attempts: *attempts, Err: err}
	}
	rcpt, err := interpret(op, uuid, resp, raw)
	if e, ok := err.(*Error); ok {
		e.Attempts = *attempts
	}
	return rcpt, resp.StatusCode, err
}

// wireReceipt is NgDP's JSON receipt, and the shape of its JSON errors. The
// explanation is looked for under the names seen in REST error bodies.
type wireReceipt struct {
	MessageUUID  string `json:"messageUUID"`
	Status       string `json:"status"`
	Detail       string `json:"detail"`
	Message      string `json:"message"`
	ErrorMessage string `json:"errorMessage"`
	ErrorCode    string `json:"errorCode"`
}

func (w wireReceipt) explanation() string {
	for _, s := range []string{w.Detail, w.ErrorMessage, w.Message} {
		if s = strings.TrimSpace(s); s != "" {
			if w.ErrorCode != "" {
				return w.ErrorCode + ": " + s
			}
			return s
		}
	}
	return w.ErrorCode
}

// interpret turns the final response into a receipt or an *Error.
func interpret(op, uuid string, resp *http.Response, raw []byte) (Receipt, error) {
	var w wireReceipt
	isJSON := json.Unmarshal(raw, &w) == nil
	if !isJSON {
		w = wireReceipt{}
	}
	rcpt := Receipt{
		MessageUUID: strings.TrimSpace(w.MessageUUID),
		Status:      strings.ToUpper(strings.TrimSpace(w.Status)),
		Detail:      scrub(bounded(w.explanation())),
	}
	if rcpt.MessageUUID == "" {
		rcpt.MessageUUID = uuid
	}
	code := resp.StatusCode
	fail := func(permanent bool) (Receipt, error) {
		e := &Error{
			Op: op, MessageUUID: uuid, Permanent: permanent, Status: code,
			Body: scrub(bounded(string(raw))), Message: rcpt.Detail,
		}
		if rcpt.Status == StatusInvalid || rcpt.Status == StatusNotAllowed {
			e.ReceiptStatus = rcpt.Status
			e.Permanent = true
		}
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			e.RetryAfter, _ = retryAfter(resp)
		}
		return Receipt{}, e
	}
	switch {
	case code >= 200 && code < 300:
		if rcpt.Status == StatusInvalid || rcpt.Status == StatusNotAllowed {
			return fail(true)
		}
		if len(bytes.TrimSpace(raw)) > 0 && !isJSON {
			return fail(false) // a proxy's page, not NgDP's receipt
		}
		if rcpt.Status == "" && op == "send" {
			rcpt.Status = StatusReceived // an empty 2xx: accepted
		}
		return rcpt, nil
	case code == http.StatusTooManyRequests, code == http.StatusRequestTimeout, code >= 500:
		return fail(false)
	default: // 4xx: the request is wrong or not allowed; sending it again will not help
		return fail(true)
	}
}

func bounded(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxErrorBody {
		s = strings.ToValidUTF8(s[:maxErrorBody], "") + "…"
	}
	return s
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // its text repeats the URL, which carries nothing useful
	}
	return err
}

type attemptsKey struct{}

// countAttempt records the attempt number in the counter do put in the
// request's context.
func countAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	if n, ok := req.Context().Value(attemptsKey{}).(*int); ok {
		*n = retry + 1
	}
}

// checkRetry is the retry policy. Retrying a POST is safe because NgDP is
// idempotent by messageUUID.
//   - connection errors are retried, except TLS failures (a refused or
//     untrusted certificate does not heal by trying again);
//   - 408, 429 and 5xx are retried, unless the server asks for a wait
//     longer than MaxRetryAfter (the caller then waits);
//   - everything else is an answer.
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
	code := resp.StatusCode
	if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || (code >= 500 && code != http.StatusNotImplemented) {
		if d, ok := retryAfter(resp); ok && d > MaxRetryAfter {
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// backoff waits what the server asked for (Retry-After on 429 or 503, up to
// MaxRetryAfter), otherwise exponentially between min and max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp); ok {
			return d
		}
	}
	d := min << uint(attempt)
	if d > max || d <= 0 {
		d = max
	}
	return d
}

// retryAfter reads Retry-After: seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// isTLSError reports a TLS failure on either side: a certificate we do not
// trust, or an alert from the server (no client certificate, or one it does
// not trust).
func isTLSError(err error) bool {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var aerr tls.AlertError
	var rerr tls.RecordHeaderError
	var oerr *net.OpError
	switch {
	case errors.As(err, &verr), errors.As(err, &uerr), errors.As(err, &herr),
		errors.As(err, &aerr), errors.As(err, &rerr):
		return true
	case errors.As(err, &oerr) && oerr.Op == "remote error":
		return true // crypto/tls reports a received alert this way
	}
	return false
}

// logOutcome writes the one record a call gets: no CPR number, no letter
// text, no server text.
func (c *Client) logOutcome(ctx context.Context, op, uuid string, d time.Duration, attempts, status int, rcpt Receipt, err error) {
	if c.logger == nil {
		return
	}
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("service", "NgDP"),
		slog.String("op", op),
		slog.String("message_uuid", uuid),
		slog.Int64("duration_ms", d.Milliseconds()),
		slog.Int("attempts", attempts),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("http_status", status))
	}
	outcome := "ok"
	var e *Error
	switch {
	case err == nil:
		attrs = append(attrs, slog.String("receipt_status", rcpt.Status))
	case errors.As(err, &e):
		level = slog.LevelWarn
		switch {
		case e.ReceiptStatus != "":
			outcome = strings.ToLower(e.ReceiptStatus)
			attrs = append(attrs, slog.String("receipt_status", e.ReceiptStatus))
		case e.Status == 0 && isTLSError(e.Err):
			outcome = "tls_refused"
		case e.Status == 0:
			outcome = "unreachable"
		default:
			outcome = "http_error"
		}
		attrs = append(attrs, slog.Bool("permanent", e.Permanent))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		outcome = "abandoned"
	default:
		outcome, level = "error", slog.LevelWarn
	}
	attrs = append(attrs, slog.String("outcome", outcome))
	c.logger.LogAttrs(ctx, level, "digital post", attrs...)
}
