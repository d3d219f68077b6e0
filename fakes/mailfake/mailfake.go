// Package mailfake is an SMTP server that keeps what it receives in memory,
// for tests and for valghalla dev. It speaks real SMTP (it is built on
// github.com/emersion/go-smtp), so the real client is what gets tested, and
// it parses each message as a mail reader would: headers, the text/plain and
// text/html parts, decoded.
//
// It listens on loopback only: what it holds is personal data.
//
//	srv, _ := mailfake.Start("127.0.0.1:0")
//	defer srv.Close()
//	srv.RejectRecipient("gone@example.dk") // 550 5.1.1 on RCPT TO
//	srv.FailTemporarily(2)                 // the next 2 RCPT TO get 451 4.7.1
package mailfake

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the fake received and parsed it.
type Received struct {
	EnvelopeFrom string   // MAIL FROM
	EnvelopeTo   []string // RCPT TO
	Header       mail.Header
	From         *mail.Address
	To           []*mail.Address
	Subject      string // decoded (RFC 2047)
	MessageID    string // without the angle brackets
	Text         string // the text/plain part, decoded; line breaks as "\n"
	HTML         string // the text/html part, decoded; line breaks as "\n"
	Raw          []byte // as it came over the wire
}

// Option configures Start.
type Option func(*Server)

// WithSTARTTLS offers STARTTLS with cfg.
func WithSTARTTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.smtp.TLSConfig = cfg }
}

// WithImplicitTLS speaks TLS from the first byte (SMTPS) with cfg.
func WithImplicitTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.implicitTLS = cfg }
}

// WithAuth requires AUTH PLAIN with this username and password before MAIL
// FROM. Like a real server, the fake offers AUTH only over TLS.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.user, s.password = username, password }
}

// WithNotify calls f with each message received (valghalla dev logs them).
// f runs on the connection's goroutine before the server answers 250.
func WithNotify(f func(Received)) Option {
	return func(s *Server) { s.notify = f }
}

// Server is a running fake SMTP server.
type Server struct {
	smtp        *smtp.Server
	ln          net.Listener
	implicitTLS *tls.Config
	user        string
	password    string
	notify      func(Received)
	served      chan struct{}
	closeOnce   sync.Once

	mu       sync.Mutex
	received []Received
	rejected map[string]bool
	tempFail int
}

// Start listens on addr ("127.0.0.1:0" or ":0" for a free port; "" is
// "127.0.0.1:0") and serves until Close. A host other than a loopback
// address is refused.
func Start(addr string, opts ...Option) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("mailfake: address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("mailfake: listens on loopback only, not %q", host)
	}
	s := &Server{rejected: map[string]bool{}, served: make(chan struct{})}
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{srv: s}, nil
	}))
	s.smtp.Domain = "mailfake.localhost"
	s.smtp.MaxMessageBytes = 10 << 20
	s.smtp.MaxRecipients = 50
	s.smtp.ReadTimeout = time.Minute
	s.smtp.WriteTimeout = time.Minute
	s.smtp.ErrorLog = log.New(os.Stderr, "mailfake: ", log.LstdFlags)
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("mailfake: %w", err)
	}
	if s.implicitTLS != nil {
		ln = tls.NewListener(ln, s.implicitTLS)
	}
	s.ln = ln
	go func() {
		defer close(s.served)
		_ = s.smtp.Serve(ln)
	}()
	return s, nil
}

// Addr is the address the server listens on, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the IP address the server listens on.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Reset forgets the messages received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = nil
}

// RejectRecipient makes RCPT TO addr fail with 550 5.1.1, a permanent
// failure, from now on. Addresses compare case-insensitively.
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[strings.ToLower(addr)] = true
}

// FailTemporarily makes the next n RCPT TO commands fail with 451 4.7.1, a
// temporary failure (as greylisting does).
func (s *Server) FailTemporarily(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tempFail = n
}

// Close stops the server and closes its connections. It may be called more
// than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.smtp.Close()
		_ = s.ln.Close() // in case Serve has not registered it yet
		<-s.served
	})
	return err
}

// session is one SMTP connection's state.
type session struct {
	srv    *Server
	authed bool
	from   string
	to     []string
}

var (
	errRejected = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable"}
	errTempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Try again later"}
)

func (ss *session) AuthMechanisms() []string {
	if ss.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.srv.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username || username != ss.srv.user || password != ss.srv.password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected[strings.ToLower(to)] {
		return errRejected
	}
	if s.tempFail > 0 {
		s.tempFail--
		return errTempFail
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		// A malformed message is the sender's bug: fail loudly.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message: " + err.Error()}
	}
	m.EnvelopeFrom, m.EnvelopeTo = ss.from, append([]string(nil), ss.to...)
	if ss.srv.notify != nil {
		ss.srv.notify(m)
	}
	ss.srv.mu.Lock()
	ss.srv.received = append(ss.srv.received, m)
	ss.srv.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// parse reads a message as a mail reader would.
func parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	m := Received{Header: msg.Header, Raw: raw}
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	if m.From, err = mail.ParseAddress(msg.Header.Get("From")); err != nil {
		return Received{}, fmt.Errorf("from: %w", err)
	}
	if m.To, err = msg.Header.AddressList("To"); err != nil {
		return Received{}, fmt.Errorf("to: %w", err)
	}
	m.MessageID = strings.TrimSuffix(strings.TrimPrefix(msg.Header.Get("Message-ID"), "<"), ">")
	if err := m.walk(msg.Header, msg.Body, 0); err != nil {
		return Received{}, err
	}
	return m, nil
}

// partHeader is a message's or a part's header (mail.Header or
// textproto.MIMEHeader).
type partHeader interface{ Get(string) string }

// walk finds the first text/plain and text/html parts, descending into
// multipart containers.
func (m *Received) walk(h partHeader, body io.Reader, depth int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth > 5 {
			return errors.New("multipart nested too deep")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart() // raw: decoded below, like the top level
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := m.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil // attachments and the like are not looked at
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "us-ascii":
	default:
		return fmt.Errorf("charset %q: the fake reads UTF-8 and US-ASCII only", cs)
	}
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("content transfer encoding %q", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("%s part is not valid UTF-8", mediaType)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// String summarises m for a log line: no body.
func (m Received) String() string {
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.Address
	}
	return fmt.Sprintf("to %s: %q", strings.Join(to, ", "), m.Subject)
}
