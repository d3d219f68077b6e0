// Package smsfake is a local fake of Twilio's Programmable Messaging API for
// tests and valghalla dev. It speaks Twilio's wire protocol, so the real
// twilio-go client (through package sms) is what gets tested:
//
//   - POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic
//     auth, form fields To, Body, MessagingServiceSid (or From) and
//     StatusCallback; Twilio's JSON message resource in answer (status
//     "accepted"), Twilio's JSON errors otherwise (21211 invalid number,
//     21610 opted out, 20003 wrong credentials, ...);
//   - de-duplication by the I-Twilio-Idempotency-Token header;
//   - status callbacks (sent, then delivered; or undelivered / failed with
//     an ErrorCode) posted asynchronously to each message's StatusCallback,
//     signed with X-Twilio-Signature, retried while the receiver is down;
//   - inbound messages (Reply) posted, signed, to the app's webhook, with
//     Twilio's own STOP / START handling.
//
// It listens on loopback only: what it holds is personal data.
//
//	srv, _ := smsfake.Start(smsfake.Options{StatusCallbackURL: ..., InboundURL: ...})
//	defer srv.Close()
//	c, _ := sms.NewClient(srv.Config())
package smsfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valghalla/valghalla/providers/sms"
)

// Options configures Start. Every field is optional.
type Options struct {
	// AccountSID, AuthToken and MessagingServiceSID: empty ones are made up
	// at random ("AC"/"MG" + 32 hex digits; 32 hex digits).
	AccountSID          string
	AuthToken           string
	MessagingServiceSID string
	// From is the Messaging Service's phone number: the sender of outbound
	// messages and the To of inbound ones. Default DefaultFrom.
	From string
	// StatusCallbackURL goes into Config: the URL the app's status-callback
	// handler is reachable at, as the app validates signatures against.
	StatusCallbackURL string
	// CallbackAddr, if set ("127.0.0.1:8080"), is where callbacks are really
	// posted (over plain HTTP, same path and query): for when the public URL
	// in StatusCallbackURL does not resolve to the app from here. The
	// signature is always over the URL as the message gave it, as Twilio's.
	CallbackAddr string
	// InboundURL is where Reply posts inbound messages (the app's webhook).
	InboundURL string
	// PublicInboundURL is the URL Reply signs over: the public URL the app
	// validates against. Default InboundURL.
	PublicInboundURL string
	// CallbackAttempts is how often a callback is tried while the receiver
	// answers with an error or is down (default 5); CallbackBackoff is the
	// first wait between tries, doubled each time (default 100ms).
	CallbackAttempts int
	CallbackBackoff  time.Duration
	// Logf, if set, gets one line per request and callback (no bodies, no
	// numbers).
	Logf func(format string, args ...any)
}

// DefaultFrom is the fake Messaging Service's number (a fictitious Danish
// number).
const DefaultFrom = "+4570000000"

// The directions of a Message (Twilio's values).
const (
	DirectionOutboundAPI   = "outbound-api"   // sent through the REST API
	DirectionOutboundReply = "outbound-reply" // the app's TwiML answer to an inbound message
	DirectionInbound       = "inbound"        // sent by the citizen (Reply)
)

// Message is one SMS the fake has seen.
type Message struct {
	SID              string
	Direction        string
	From, To, Body   string
	IdempotencyToken string // outbound-api only; "" if the request had none
	StatusCallback   string // outbound-api only
	Status           string // the last status: accepted, sent, delivered, undelivered, failed, received
	ErrorCode        int    // for undelivered and failed
	Segments         int
	Created          time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	opts      Options
	listener  net.Listener
	http      *http.Server
	baseURL   string
	client    *http.Client // for callbacks and inbound posts
	apiClient *http.Client // HTTPClient's: one, so its idle connections are reused

	ctx    context.Context // ends with Close: stops callbacks in flight
	cancel context.CancelFunc
	wg     sync.WaitGroup // the deliver goroutines; Add only under mu while !closed

	mu           sync.Mutex
	closed       bool
	messages     []*Message
	byToken      map[string]*Message
	optedOut     map[string]bool
	undeliver    map[string]int // number → error code for "undelivered"
	failDelivery map[string]int // number → error code for "failed"
	failCount    int
	failStatus   int
	failUntil    time.Time
}

// Start listens on 127.0.0.1 at a free port and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.AccountSID == "" {
		opts.AccountSID = "AC" + randomHex(16)
	}
	if opts.AuthToken == "" {
		opts.AuthToken = randomHex(16)
	}
	if opts.MessagingServiceSID == "" {
		opts.MessagingServiceSID = "MG" + randomHex(16)
	}
	if opts.From == "" {
		opts.From = DefaultFrom
	}
	if opts.PublicInboundURL == "" {
		opts.PublicInboundURL = opts.InboundURL
	}
	if opts.CallbackAttempts <= 0 {
		opts.CallbackAttempts = 5
	}
	if opts.CallbackBackoff <= 0 {
		opts.CallbackBackoff = 100 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smsfake: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:         opts,
		listener:     ln,
		baseURL:      "http://" + ln.Addr().String(),
		client:       &http.Client{Timeout: 10 * time.Second},
		ctx:          ctx,
		cancel:       cancel,
		byToken:      make(map[string]*Message),
		optedOut:     make(map[string]bool),
		undeliver:    make(map[string]int),
		failDelivery: make(map[string]int),
	}
	s.apiClient = s.newAPIClient()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", s.createMessage)
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}", s.fetchMessage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	})
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s, nil
}

// Close stops the server and any callbacks still being tried.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.http.Close()
	s.wg.Wait()
	s.apiClient.CloseIdleConnections()
	s.client.CloseIdleConnections()
	return err
}

// URL is the fake's base URL ("http://127.0.0.1:port").
func (s *Server) URL() string { return s.baseURL }

// AuthToken is the token the fake checks and signs with.
func (s *Server) AuthToken() string { return s.opts.AuthToken }

// From is the Messaging Service's number.
func (s *Server) From() string { return s.opts.From }

// Config is an sms.Config that reaches this fake.
func (s *Server) Config() sms.Config {
	return sms.Config{
		AccountSID:          s.opts.AccountSID,
		AuthToken:           s.opts.AuthToken,
		MessagingServiceSID: s.opts.MessagingServiceSID,
		StatusCallbackURL:   s.opts.StatusCallbackURL,
		HTTPClient:          s.HTTPClient(),
	}
}

// HTTPClient is a client whose transport sends every request for
// https://*.twilio.com/... to the fake instead (same path and query) and
// refuses any other host, so nothing leaves the machine. It does not follow
// redirects, like twilio-go's own.
func (s *Server) HTTPClient() *http.Client { return s.apiClient }

func (s *Server) newAPIClient() *http.Client {
	base := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
	}
	return &http.Client{
		Transport: rewriteTransport{base: base, target: s.listener.Addr().String()},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type rewriteTransport struct {
	base   http.RoundTripper
	target string
}

func (t rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if host != "twilio.com" && !strings.HasSuffix(host, ".twilio.com") {
		return nil, fmt.Errorf("smsfake: refusing a request to %s: only *.twilio.com goes to the fake", host)
	}
	req = req.Clone(req.Context())
	req.URL.Scheme = "http"
	req.URL.Host = t.target
	req.Host = t.target
	return t.base.RoundTrip(req)
}

// Fail makes the next n message requests fail with 503 (after the
// credentials check).
func (s *Server) Fail(n int) { s.FailWith(http.StatusServiceUnavailable, n) }

// FailWith makes the next n message requests fail with the HTTP status
// (429, 500, 503, ...) and a Twilio JSON error.
func (s *Server) FailWith(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus, s.failCount = status, n
}

// FailFor makes every message request fail with 503 for d.
func (s *Server) FailFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus, s.failUntil = http.StatusServiceUnavailable, time.Now().Add(d)
}

// OptOut marks number as opted out (as if it had replied STOP): sends to it
// get error 21610.
func (s *Server) OptOut(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optedOut[number] = true
}

// OptIn lifts OptOut (as if number had replied START).
func (s *Server) OptIn(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.optedOut, number)
}

// OptedOut reports whether number is opted out.
func (s *Server) OptedOut(number string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.optedOut[number]
}

// Undeliverable makes messages to number be accepted and sent, and then end
// "undelivered" with errorCode (e.g. 30003 handset unreachable).
func (s *Server) Undeliverable(number string, errorCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.undeliver[number] = errorCode
}

// FailDelivery makes messages to number be accepted and then end "failed"
// with errorCode (e.g. 30001 queue overflow), without a "sent" callback.
func (s *Server) FailDelivery(number string, errorCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failDelivery[number] = errorCode
}

// Messages returns copies of every message so far, oldest first: those sent
// through the API, inbound ones (Reply) and the app's TwiML replies.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// Sent returns copies of the messages sent through the API (outbound-api)
// to number, oldest first; every number for "".
func (s *Server) Sent(number string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.Direction == DirectionOutboundAPI && (number == "" || m.To == number) {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// createMessage is POST /2010-04-01/Accounts/{AccountSid}/Messages.json.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || !hmac.Equal([]byte(user), []byte(s.opts.AccountSID)) || !hmac.Equal([]byte(pass), []byte(s.opts.AuthToken)) {
		s.logf("smsfake: create message: 401")
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.PathValue("AccountSid") != s.opts.AccountSID {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if status := s.injectedFailure(); status != 0 {
		s.logf("smsfake: create message: injected %d", status)
		writeError(w, status, twilioCodeFor(status), http.StatusText(status))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Invalid form body")
		return
	}
	token := r.Header.Get(sms.IdempotencyHeader)
	to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
	service, from := r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("From")
	callback := r.PostForm.Get("StatusCallback")

	s.mu.Lock()
	if m, ok := s.byToken[token]; ok && token != "" {
		// The same request again (a retry after a lost answer): the same
		// message, not a second SMS.
		resp := s.resource(m)
		s.mu.Unlock()
		s.logf("smsfake: create message: idempotent repeat of %s", m.SID)
		writeJSON(w, http.StatusCreated, resp)
		return
	}
	s.mu.Unlock()

	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !validNumber(to):
		writeError(w, http.StatusBadRequest, 21211, "The 'To' number "+to+" is not a valid phone number.")
		return
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case utf8.RuneCountInString(body) > sms.MaxBodyChars:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	case service == "" && from == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case service != "" && service != s.opts.MessagingServiceSID:
		writeError(w, http.StatusBadRequest, 21705, "The Messaging Service Sid "+service+" is invalid.")
		return
	case callback != "" && !validCallbackURL(callback):
		writeError(w, http.StatusBadRequest, 21609, "Invalid StatusCallback url")
		return
	}
	_, segments := sms.Segments(body)
	s.mu.Lock()
	if s.optedOut[to] {
		s.mu.Unlock()
		s.logf("smsfake: create message: 21610 opted out")
		writeError(w, http.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
		return
	}
	if m, ok := s.byToken[token]; ok && token != "" { // a concurrent twin won the race
		resp := s.resource(m)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, resp)
		return
	}
	m := &Message{
		SID:              "SM" + randomHex(16),
		Direction:        DirectionOutboundAPI,
		From:             s.opts.From,
		To:               to,
		Body:             body,
		IdempotencyToken: token,
		StatusCallback:   callback,
		Status:           sms.StatusAccepted,
		Segments:         segments,
		Created:          time.Now().UTC(),
	}
	s.messages = append(s.messages, m)
	if token != "" {
		s.byToken[token] = m
	}
	var steps []step
	if code, ok := s.failDelivery[to]; ok {
		steps = []step{{sms.StatusFailed, code}}
	} else if code, ok := s.undeliver[to]; ok {
		steps = []step{{sms.StatusSent, 0}, {sms.StatusUndelivered, code}}
	} else {
		steps = []step{{sms.StatusSent, 0}, {sms.StatusDelivered, 0}}
	}
	resp := s.resource(m)
	closed := s.closed
	if !closed {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	s.logf("smsfake: create message: accepted %s (%d segments)", m.SID, segments)
	writeJSON(w, http.StatusCreated, resp)
	if !closed {
		go s.deliver(m, steps)
	}
}

// fetchMessage is GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json.
func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.opts.AccountSID || pass != s.opts.AuthToken {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	sid := strings.TrimSuffix(r.PathValue("Sid"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.SID == sid {
			writeJSON(w, http.StatusOK, s.resource(m))
			return
		}
	}
	writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
}

func (s *Server) injectedFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCount > 0 {
		s.failCount--
		return s.failStatus
	}
	if time.Now().Before(s.failUntil) {
		return s.failStatus
	}
	return 0
}

func twilioCodeFor(status int) int {
	switch status {
	case http.StatusTooManyRequests:
		return 20429
	case http.StatusServiceUnavailable:
		return 20503
	default:
		return 20500
	}
}

// validNumber is E.164 and, for Denmark (+45), the national plan's 8 digits,
// as Twilio checks a number against its country's plan.
func validNumber(n string) bool {
	if !sms.ValidE164(n) {
		return false
	}
	return !strings.HasPrefix(n, "+45") || len(n) == len("+45")+8
}

func validCallbackURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

type step struct {
	status    string
	errorCode int
}

// deliver plays a message's life after "accepted": each step updates the
// message and, if it has a StatusCallback, is posted there in order.
func (s *Server) deliver(m *Message, steps []step) {
	defer s.wg.Done()
	for _, st := range steps {
		s.mu.Lock()
		m.Status, m.ErrorCode = st.status, st.errorCode
		form := url.Values{
			"MessageSid":          {m.SID},
			"SmsSid":              {m.SID},
			"SmsStatus":           {st.status},
			"MessageStatus":       {st.status},
			"AccountSid":          {s.opts.AccountSID},
			"MessagingServiceSid": {s.opts.MessagingServiceSID},
			"From":                {m.From},
			"To":                  {m.To},
			"ApiVersion":          {"2010-04-01"},
		}
		if st.errorCode != 0 {
			form.Set("ErrorCode", strconv.Itoa(st.errorCode))
		}
		if st.status == sms.StatusDelivered {
			form.Set("RawDlrDoneDate", time.Now().UTC().Format("0601021504"))
		}
		callback := m.StatusCallback
		s.mu.Unlock()
		if callback == "" {
			continue
		}
		if err := s.postSigned(callback, form); err != nil {
			s.logf("smsfake: status callback %s %s: %v", m.SID, st.status, err)
			return // Twilio gives up too; later steps would arrive out of order
		}
		s.logf("smsfake: status callback %s %s: delivered", m.SID, st.status)
	}
}

// postSigned posts form to rawURL as Twilio posts status callbacks: signed
// over rawURL, retried while the receiver is down or answers 5xx or 429,
// until Close.
func (s *Server) postSigned(rawURL string, form url.Values) error {
	ctx := s.ctx
	target := rawURL
	if s.opts.CallbackAddr != "" {
		if u, err := url.Parse(rawURL); err == nil {
			u.Scheme, u.Host = "http", s.opts.CallbackAddr
			target = u.String()
		}
	}
	signature := Sign(s.opts.AuthToken, rawURL, form)
	encoded := form.Encode()
	wait := s.opts.CallbackBackoff
	var lastErr error
	for attempt := 1; attempt <= s.opts.CallbackAttempts; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(encoded))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.Header.Set(sms.SignatureHeader, signature)
		req.Header.Set("User-Agent", "TwilioProxy/1.1")
		resp, err := s.client.Do(req)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			lastErr = fmt.Errorf("HTTP %d", resp.StatusCode)
		default:
			// 4xx (403 for a bad signature, 400): trying again cannot help.
			return &HTTPError{Status: resp.StatusCode, Body: string(body)}
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", s.opts.CallbackAttempts, lastErr)
}

// HTTPError is a 4xx answer from the app to a callback or an inbound post.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("smsfake: the app answered HTTP %d", e.Status) }

// Reply delivers an SMS from the number from, with body, to the app as
// Twilio would: a signed form POST to Options.InboundURL (signed over
// PublicInboundURL) with From, To, Body, MessageSid, AccountSid,
// MessagingServiceSid, NumMessages, NumMedia and the rest, and returns the
// TwiML the app answered. A <Message> in it is recorded as an outbound-reply.
//
// As Twilio does, a single-word opt-out keyword (STOP, ...) opts the number
// out before the webhook is called, and START, UNSTOP or YES opt it back in.
// A 4xx answer is an *HTTPError (a 403 says the app refused the signature).
func (s *Server) Reply(ctx context.Context, from, body string) (twiml string, err error) {
	if s.opts.InboundURL == "" {
		return "", errors.New("smsfake: Options.InboundURL is not set")
	}
	if !sms.ValidE164(from) {
		return "", errors.New("smsfake: Reply: from must be an E.164 number")
	}
	_, segments := sms.Segments(body)
	in := &Message{
		SID:       "SM" + randomHex(16),
		Direction: DirectionInbound,
		From:      from,
		To:        s.opts.From,
		Body:      body,
		Status:    sms.StatusReceived,
		Segments:  segments,
		Created:   time.Now().UTC(),
	}
	s.mu.Lock()
	s.messages = append(s.messages, in)
	switch keyword(body) {
	case "optout":
		s.optedOut[from] = true
	case "optin":
		delete(s.optedOut, from)
	}
	s.mu.Unlock()

	form := url.Values{
		"ToCountry":           {"DK"},
		"FromCountry":         {"DK"},
		"SmsMessageSid":       {in.SID},
		"NumMedia":            {"0"},
		"SmsSid":              {in.SID},
		"SmsStatus":           {sms.StatusReceived},
		"Body":                {body},
		"To":                  {s.opts.From},
		"NumSegments":         {strconv.Itoa(segments)},
		"NumMessages":         {strconv.Itoa(segments)},
		"MessageSid":          {in.SID},
		"AccountSid":          {s.opts.AccountSID},
		"MessagingServiceSid": {s.opts.MessagingServiceSID},
		"From":                {from},
		"ApiVersion":          {"2010-04-01"},
	}
	// One try, as Twilio's (which has a fallback URL instead of retries).
	answer, err := s.postOnce(ctx, s.opts.InboundURL, s.opts.PublicInboundURL, form)
	if err != nil {
		return "", err
	}
	if text := twimlMessages(answer); text != "" {
		s.mu.Lock()
		if !s.optedOut[from] {
			_, n := sms.Segments(text)
			s.messages = append(s.messages, &Message{
				SID:       "SM" + randomHex(16),
				Direction: DirectionOutboundReply,
				From:      s.opts.From,
				To:        from,
				Body:      text,
				Status:    sms.StatusDelivered,
				Segments:  n,
				Created:   time.Now().UTC(),
			})
		}
		s.mu.Unlock()
	}
	return string(answer), nil
}

func (s *Server) postOnce(ctx context.Context, postURL, signedURL string, form url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, postURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("smsfake: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set(sms.SignatureHeader, Sign(s.opts.AuthToken, signedURL, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("smsfake: inbound webhook: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("smsfake: inbound webhook: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil, &HTTPError{Status: resp.StatusCode, Body: string(body)}
	}
	return body, nil
}

// keyword says what Twilio's default keyword handling does with a message:
// "optout", "optin" or "" (only a single-word message counts).
func keyword(body string) string {
	w := strings.ToUpper(strings.TrimFunc(body, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || strings.ContainsRune(".!?,;:", r)
	}))
	switch w {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT":
		return "optout"
	case "START", "UNSTOP", "YES":
		return "optin"
	}
	return ""
}

// twimlMessages is the text of the <Message> elements of a TwiML answer,
// joined by newlines; "" for none or for something that is not TwiML.
func twimlMessages(doc []byte) string {
	var resp struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []struct {
			Text string `xml:",chardata"`
			Body string `xml:"Body"`
		} `xml:"Message"`
	}
	if err := xml.Unmarshal(doc, &resp); err != nil {
		return ""
	}
	var parts []string
	for _, m := range resp.Messages {
		text := strings.TrimSpace(m.Text)
		if m.Body != "" {
			text = m.Body
		}
		if text != "" {
			parts = append(parts, text)
		}
	}
	return strings.Join(parts, "\n")
}

// Sign is Twilio's webhook signature: base64(HMAC-SHA1(authToken, url +
// each form field's name and value, sorted by name)). Written here
// independently of twilio-go's validator, so each checks the other.
func Sign(authToken, rawURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString(rawURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write(b.Bytes())
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// resource is Twilio's JSON message resource for m (s.mu held).
func (s *Server) resource(m *Message) map[string]any {
	created := m.Created.Format(time.RFC1123Z)
	var errorCode, errorMessage any
	if m.ErrorCode != 0 {
		errorCode = m.ErrorCode
	}
	var from any
	if m.Status != sms.StatusAccepted {
		from = m.From
	}
	uri := "/2010-04-01/Accounts/" + s.opts.AccountSID + "/Messages/" + m.SID
	return map[string]any{
		"account_sid":           s.opts.AccountSID,
		"api_version":           "2010-04-01",
		"body":                  m.Body,
		"date_created":          created,
		"date_sent":             nil,
		"date_updated":          created,
		"direction":             m.Direction,
		"error_code":            errorCode,
		"error_message":         errorMessage,
		"from":                  from,
		"messaging_service_sid": s.opts.MessagingServiceSID,
		"num_media":             "0",
		"num_segments":          strconv.Itoa(m.Segments),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                m.Status,
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    m.To,
		"uri":                   uri + ".json",
	}
}

// writeError writes Twilio's JSON error.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		"status":    status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
