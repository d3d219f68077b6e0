// Package dpfake is a local Næste generation Digital Post: an HTTPS server on
// 127.0.0.1 behind mutual TLS (a generated CA; client certificates required)
// that takes MeMo 1.1 and 1.2 letters the way NgDP does, for tests and for
// `valghalla dev`.
//
//   - POST /apis/v1/memos/?memo-message-uuid=<uuid> with a MeMo body: the
//     message is parsed and validated with digitalpost.ParseMeMo, which
//     checks every facet of the MeMo schema on the elements a letter has
//     (the rules the builder's Validate uses, digitalpost/facets.go: a
//     version-4 messageUUID, no text over 256 characters — a MIME type
//     neither —, the version's required elements and attributes, …), in Go,
//     so `valghalla dev` needs no xmllint. A message the schema or NgDP
//     would refuse gets NgDP's fault: 400 and a JSON receipt with status
//     INVALID and the reason, never a success. A good one gets 200 and a
//     receipt RECEIVED, or NOT_ALLOWED when the recipient is exempt from
//     Digital Post (Options.Exempt, Exempt).
//   - It is idempotent by messageUUID: posting a uuid again answers with the
//     first receipt and stores nothing new.
//   - GET /apis/v1/memos/<uuid>/receipt answers with the current receipt:
//     COMPLETED for a delivered letter (the fake delivers at once),
//     NOT_ALLOWED for a refused one, 404 for an unknown uuid.
//
// FailNext scripts failures (503s, 429 with Retry-After) ahead of that.
// Every request that passed the TLS handshake is recorded (Requests), with
// its arrival time, so tests can see retries and their spacing.
//
// Server is safe for concurrent use.
package dpfake

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/providers/digitalpost"
)

// Fictitious sender the fake's ClientConfig uses: obviously not a real
// authority's CVR number.
const (
	FakeCVR         = "12345678"
	FakeSenderLabel = "Valghalla (lokal test)"
)

// MaxBody is the largest MeMo the fake accepts (413 above it).
const MaxBody = 16 << 20

// Options configure the fake.
type Options struct {
	// Exempt lists CPR numbers (10 digits) of citizens exempt from Digital
	// Post; letters to them get the receipt NOT_ALLOWED.
	Exempt []string

	// SenderCVRs are the senders the fake's client certificate may send
	// for, as NgDP registers a sender system per authority; a MeMo from
	// another senderID gets 400 INVALID. Empty means just FakeCVR.
	SenderCVRs []string

	// OnDelivery, when set, is called (outside the fake's lock, on the
	// request's goroutine, before the answer is written) for every letter
	// the fake stores, refused ones included, e.g. to put it in
	// `valghalla dev`'s mailbox. It is not called for repeats of a uuid.
	OnDelivery func(Delivery)

	// Addr is the listen address; empty means 127.0.0.1:0 (a free port).
	// Keep it on loopback: the fake trusts whoever holds its certificate.
	Addr string

	// Now is the fake's clock for Received and request times; nil means
	// time.Now.
	Now func() time.Time
}

// Delivery is a letter the fake stored: what was sent, when it arrived and
// the receipt it got.
type Delivery struct {
	Letter   digitalpost.Letter
	Received time.Time
	Receipt  digitalpost.Receipt
	MeMo     []byte // the MeMo message as it arrived
}

// Request is one HTTP request the fake handled.
type Request struct {
	Method      string
	Path        string
	MessageUUID string // the memo-message-uuid query parameter or the uuid in the receipt path
	At          time.Time
	Status      int    // the HTTP status the fake answered with
	ClientCN    string // the subject CN of the client certificate
}

// Server is the running fake.
type Server struct {
	// BaseURL is https://127.0.0.1:<port>, what Config.BaseURL takes.
	BaseURL string

	clientConfig digitalpost.Config
	server       *http.Server
	done         chan struct{}
	now          func() time.Time
	onDelivery   func(Delivery)

	mu         sync.Mutex
	exempt     map[string]bool
	senders    map[string]bool
	deliveries []Delivery
	byUUID     map[string]int // messageUUID → index in deliveries
	requests   []Request
	script     []failure
}

type failure struct {
	status     int
	retryAfter time.Duration
}

// Start runs a fake NgDP on 127.0.0.1 (a free port unless Options.Addr says
// otherwise) with a fresh CA. Close it when done.
func Start(opts Options) (*Server, error) {
	ca, err := localpki.NewCA("Valghalla fake NgDP CA")
	if err != nil {
		return nil, fmt.Errorf("dpfake: %w", err)
	}
	serverCert, err := ca.Issue("127.0.0.1", false)
	if err != nil {
		return nil, fmt.Errorf("dpfake: %w", err)
	}
	clientCert, err := ca.Issue("Valghalla dev (fictitious OCES3 system certificate)", true)
	if err != nil {
		return nil, fmt.Errorf("dpfake: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dpfake: %w", err)
	}
	s := &Server{
		BaseURL:    "https://" + ln.Addr().String(),
		done:       make(chan struct{}),
		now:        opts.Now,
		onDelivery: opts.OnDelivery,
		exempt:     make(map[string]bool),
		senders:    make(map[string]bool),
		byUUID:     make(map[string]int),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.Exempt(opts.Exempt...)
	if len(opts.SenderCVRs) == 0 {
		opts.SenderCVRs = []string{FakeCVR}
	}
	for _, cvr := range opts.SenderCVRs {
		s.senders[strings.TrimSpace(cvr)] = true
	}
	s.clientConfig = digitalpost.Config{
		BaseURL:     s.BaseURL,
		Certificate: clientCert,
		RootCAs:     ca.Pool(),
		SenderCVR:   FakeCVR,
		SenderLabel: FakeSenderLabel,
	}
	s.server = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // refused handshakes are expected in tests
		TLSConfig: &tls.Config{
			// TLS 1.2 only: a refused client certificate then fails the
			// handshake itself. In TLS 1.3 the refusal reaches the client
			// after its side of the handshake is done and may surface as a
			// broken pipe on the first write instead of a TLS alert.
			MinVersion:   tls.VersionTLS12,
			MaxVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{serverCert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    ca.Pool(),
		},
	}
	go func() {
		defer close(s.done)
		_ = s.server.ServeTLS(ln, "", "")
	}()
	return s, nil
}

// ClientConfig is a configuration under which digitalpost.NewClient talks
// to this fake: its base URL, a client certificate it accepts, roots that
// trust it, and the fictitious sender. Retry settings are left at zero.
func (s *Server) ClientConfig() digitalpost.Config { return s.clientConfig }

// Close stops the server and waits for it.
func (s *Server) Close() {
	_ = s.server.Close()
	<-s.done
}

// Exempt adds CPR numbers of citizens exempt from Digital Post.
func (s *Server) Exempt(cprs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cprs {
		s.exempt[strings.ReplaceAll(strings.TrimSpace(c), "-", "")] = true
	}
}

// FailNext answers the next n requests with status (e.g. 503 or 429) and a
// short JSON error, with Retry-After (whole seconds, rounded up) when
// retryAfter > 0. Failed requests store nothing.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, failure{status: status, retryAfter: retryAfter})
	}
}

// Letters returns the letters delivered to a mailbox (receipt RECEIVED or
// COMPLETED), in the order they arrived. Refused ones (NOT_ALLOWED) are in
// Deliveries only.
func (s *Server) Letters() []digitalpost.Letter {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []digitalpost.Letter
	for _, d := range s.deliveries {
		if d.Receipt.Status != digitalpost.StatusNotAllowed {
			out = append(out, cloneLetter(d.Letter))
		}
	}
	return out
}

// Deliveries returns every letter the fake stored, refused ones included,
// in the order they arrived, with arrival time and receipt.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		d.Letter = cloneLetter(d.Letter)
		d.MeMo = slices.Clone(d.MeMo)
		out[i] = d
	}
	return out
}

// Requests returns the requests handled so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Reset forgets letters, requests and scripted failures (not the exempt
// list).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries, s.requests, s.script = nil, nil, nil
	s.byUUID = make(map[string]int)
}

func cloneLetter(l digitalpost.Letter) digitalpost.Letter {
	l.Attachments = slices.Clone(l.Attachments)
	for i := range l.Attachments {
		l.Attachments[i].Content = slices.Clone(l.Attachments[i].Content)
	}
	return l
}

// ServeHTTP is the NgDP API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path, At: s.now()}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		rec.ClientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	status := http.StatusInternalServerError
	defer func() {
		rec.Status = status
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()

	post := r.URL.Path == digitalpost.MemosPath || r.URL.Path == strings.TrimSuffix(digitalpost.MemosPath, "/")
	var receiptUUID string
	if rest, ok := strings.CutPrefix(r.URL.Path, digitalpost.MemosPath); ok {
		receiptUUID, _ = strings.CutSuffix(rest, "/receipt")
		if receiptUUID == rest || strings.Contains(receiptUUID, "/") {
			receiptUUID = ""
		}
	}
	if post {
		rec.MessageUUID = r.URL.Query().Get("memo-message-uuid")
	} else {
		rec.MessageUUID = receiptUUID
	}

	if f, ok := s.nextFailure(); ok {
		status = f.status
		if f.retryAfter > 0 {
			secs := (f.retryAfter + time.Second - 1) / time.Second
			w.Header().Set("Retry-After", strconv.Itoa(int(secs)))
		}
		writeJSON(w, status, map[string]string{
			"status":  "ERROR",
			"message": fmt.Sprintf("NgDP (fake) scripted failure: %d %s", f.status, http.StatusText(f.status)),
		})
		return
	}

	switch {
	case post && r.Method == http.MethodPost:
		status = s.receive(w, r, rec.MessageUUID)
	case post:
		status = http.StatusMethodNotAllowed
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, status, map[string]string{"status": "ERROR", "message": "Use POST"})
	case receiptUUID != "" && r.Method == http.MethodGet:
		status = s.receipt(w, receiptUUID)
	default:
		status = http.StatusNotFound
		writeJSON(w, status, map[string]string{"status": "ERROR", "message": "Unknown path"})
	}
}

func (s *Server) nextFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return failure{}, false
	}
	f := s.script[0]
	s.script = s.script[1:]
	return f, true
}

// receive handles POST /apis/v1/memos/ and returns the status it answered.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, uuid string) int {
	invalid := func(status int, msg string) int {
		writeJSON(w, status, wireReceipt{MessageUUID: uuid, Status: digitalpost.StatusInvalid, Detail: msg})
		return status
	}
	if uuid == "" {
		return invalid(http.StatusBadRequest, "The query parameter memo-message-uuid is required")
	}
	if !isUUID(uuid) {
		return invalid(http.StatusBadRequest, "memo-message-uuid is not a UUID")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/xml" && mt != "text/xml") {
		return invalid(http.StatusUnsupportedMediaType, "Content-Type must be application/xml")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return invalid(http.StatusBadRequest, "The body could not be read")
	}
	if len(body) > MaxBody {
		return invalid(http.StatusRequestEntityTooLarge, "The MeMo is too large")
	}

	// Idempotency first: a uuid seen before gets its first receipt back,
	// whatever the body is this time.
	s.mu.Lock()
	if i, ok := s.byUUID[uuid]; ok {
		rcpt := s.deliveries[i].Receipt
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, toWire(rcpt))
		return http.StatusOK
	}
	s.mu.Unlock()

	letter, err := digitalpost.ParseMeMo(body)
	if err != nil {
		return invalid(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "digitalpost: "))
	}
	if letter.MessageUUID != uuid {
		return invalid(http.StatusBadRequest, "memo-message-uuid differs from the MeMo's messageUUID")
	}
	if !s.senders[letter.SenderCVR] { // read-only after Start
		return invalid(http.StatusBadRequest, "Sender/senderID "+letter.SenderCVR+" is not registered for this sender system")
	}

	s.mu.Lock()
	if i, ok := s.byUUID[uuid]; ok { // a concurrent twin got here first
		rcpt := s.deliveries[i].Receipt
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, toWire(rcpt))
		return http.StatusOK
	}
	rcpt := digitalpost.Receipt{MessageUUID: uuid, Status: digitalpost.StatusReceived}
	if s.exempt[letter.RecipientCPR] {
		rcpt.Status = digitalpost.StatusNotAllowed
		rcpt.Detail = "Modtageren er fritaget for Digital Post"
	}
	d := Delivery{Letter: letter, Received: s.now(), Receipt: rcpt, MeMo: body}
	s.byUUID[uuid] = len(s.deliveries)
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()

	if s.onDelivery != nil {
		d.Letter = cloneLetter(d.Letter)
		d.MeMo = slices.Clone(d.MeMo)
		s.onDelivery(d)
	}
	writeJSON(w, http.StatusOK, toWire(rcpt))
	return http.StatusOK
}

// receipt handles GET /apis/v1/memos/<uuid>/receipt. The fake delivers at
// once, so a RECEIVED letter is COMPLETED when asked about.
func (s *Server) receipt(w http.ResponseWriter, uuid string) int {
	s.mu.Lock()
	i, ok := s.byUUID[uuid]
	var rcpt digitalpost.Receipt
	if ok {
		if s.deliveries[i].Receipt.Status == digitalpost.StatusReceived {
			s.deliveries[i].Receipt.Status = digitalpost.StatusCompleted
		}
		rcpt = s.deliveries[i].Receipt
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"status": "ERROR", "message": "Unknown message UUID"})
		return http.StatusNotFound
	}
	writeJSON(w, http.StatusOK, toWire(rcpt))
	return http.StatusOK
}

// wireReceipt is the JSON receipt the fake answers with; the client reads
// the same names.
type wireReceipt struct {
	MessageUUID string `json:"messageUUID"`
	Status      string `json:"status"`
	Detail      string `json:"detail,omitempty"`
}

func toWire(r digitalpost.Receipt) wireReceipt {
	return wireReceipt{MessageUUID: r.MessageUUID, Status: r.Status, Detail: r.Detail}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
