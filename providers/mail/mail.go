// Package mail sends the product's e-mail over SMTP, built on
// github.com/wneessen/go-mail.
//
// A Sender sends one Message per connection: dial, EHLO, STARTTLS or implicit
// TLS, AUTH, MAIL, RCPT, DATA, QUIT. Its errors say whether retrying can help
// (IsPermanent) and never carry the message body nor the recipient's address,
// because an activity's error is written to the workflow's history.
//
// No CPR number and no party affiliation may go by e-mail (DOMAIN.md,
// "E-mail"): check a template with models.CheckChannelFields(t, "email")
// before rendering it into a Message.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail: HTML with a plain-text alternative.
type Message struct {
	To      string // a bare address, e.g. "anna@example.dk"
	ToName  string // optional display name
	Subject string
	Text    string // the text/plain part; required
	HTML    string // the text/html part; optional (empty: a text-only e-mail)

	// MessageID becomes the Message-ID header: "<local@domain>" or
	// "local@domain". The caller makes it once (NewMessageID), stores it
	// before the first attempt and passes the same one on every retry, so
	// a retry after a lost reply is recognisable as the same e-mail.
	MessageID string

	// FromName is the sender's display name; empty: Config.FromName.
	FromName string
}

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

const (
	// TLSStartTLS connects in plain text and requires STARTTLS before
	// anything else is sent; a server that does not offer it is an error,
	// never a fallback to plain text. The default; port 587 by default.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS); port 465 by default.
	TLSImplicit TLSMode = "tls"
	// TLSNone sends in plain text, for development against a local server
	// (valghalla dev's fake): only a loopback host is accepted. Port 25 by
	// default.
	TLSNone TLSMode = "none"
)

// Config is how to reach the SMTP server (a relay such as the
// municipality's or a provider's) and whom the e-mail is from.
type Config struct {
	Host     string
	Port     int    // 0: the TLS mode's standard port
	Username string // empty: no SMTP AUTH
	Password string
	From     string // a bare address, e.g. "valg@kommune.dk"
	FromName string // e.g. "Valgsekretariatet, Næstved Kommune"
	TLS      TLSMode
	// Timeout bounds one Send from dial to QUIT; 0 means 30 seconds.
	Timeout time.Duration
	// TLSConfig is optional (nil: the system's roots). ServerName defaults
	// to Host and the minimum version is raised to TLS 1.2.
	TLSConfig *tls.Config
}

// DefaultTimeout is Config.Timeout when it is 0.
const DefaultTimeout = 30 * time.Second

// String shows the configuration without the password.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "***"
	}
	return fmt.Sprintf("mail.Config{Host:%q Port:%d Username:%q Password:%q From:%q FromName:%q TLS:%q Timeout:%s}",
		c.Host, c.Port, c.Username, pw, c.From, c.FromName, c.TLS, c.Timeout)
}

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return c.String() }

// Sender sends e-mail. It is safe for concurrent use; each Send uses its own
// connection.
type Sender struct {
	cfg Config
	tls *tls.Config
}

// NewSender checks cfg and fills in its defaults.
func NewSender(cfg Config) (*Sender, error) {
	bad := func(format string, args ...any) (*Sender, error) {
		return nil, fmt.Errorf("mail: "+format, args...)
	}
	if cfg.TLS == "" {
		return bad("TLS mode missing (starttls, tls or none)")
	}
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " \t\r\n/:@") && net.ParseIP(cfg.Host) == nil {
		return bad("host %q is not a host name or IP address (no scheme, no port)", cfg.Host)
	}
	switch cfg.TLS {
	case TLSStartTLS:
		cfg.Port = cmp0(cfg.Port, 587)
	case TLSImplicit:
		cfg.Port = cmp0(cfg.Port, 465)
	case TLSNone:
		cfg.Port = cmp0(cfg.Port, 25)
		if !isLoopback(cfg.Host) {
			return bad("TLS mode none sends in plain text and is for a local development server only, not %q", cfg.Host)
		}
	default:
		return bad("unknown TLS mode %q (starttls, tls or none)", cfg.TLS)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return bad("port %d is out of range", cfg.Port)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < 0 {
		return bad("timeout %s is negative", cfg.Timeout)
	}
	if err := checkAddress(cfg.From); err != nil {
		return bad("from address: %v", err)
	}
	if hasControl(cfg.FromName) {
		return bad("from name contains a line break or control character")
	}
	if cfg.Username == "" && cfg.Password != "" {
		return bad("a password without a username")
	}
	if hasControl(cfg.Username) || hasControl(cfg.Password) {
		return bad("username or password contains a line break or control character")
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	tc.MinVersion = max(tc.MinVersion, tls.VersionTLS12)
	cfg.TLSConfig = nil
	return &Sender{cfg: cfg, tls: tc}, nil
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkAddress accepts a bare address ("a@b.dk"), nothing more.
func checkAddress(s string) error {
	if s == "" {
		return errors.New("missing")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return errors.New("not a bare e-mail address")
	}
	return nil
}

// hasControl reports a control character (CR, LF, NUL, …), which has no
// place in a header.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// Send sends m and returns when the server has accepted it (250 after DATA)
// or has failed; within Config.Timeout or when ctx ends, whichever is first.
// Once the server has accepted the message Send reports success even if the
// goodbye (QUIT) fails, so an accepted message is not sent again.
//
// Every error is an *Error; IsPermanent says whether to give up.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	var conns connSet
	defer conns.closeAll()
	client, err := gomail.NewClient(s.cfg.Host, s.options(ctx, &conns)...)
	if err != nil {
		return &Error{Stage: "config", msg: err.Error()}
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		return nil
	}
	if err == nil { // cannot happen: go-mail marks every sent message delivered
		return &Error{Stage: "send", msg: "the server did not confirm the message"}
	}
	return classify(ctx, err)
}

// compose validates m and builds the go-mail message. Its errors name the
// problem, never the content.
func (s *Sender) compose(m Message) (*gomail.Msg, error) {
	invalid := func(what string) error {
		return &Error{Stage: "validate", Permanent: true, msg: "invalid message: " + what}
	}
	if err := checkAddress(m.To); err != nil {
		return nil, invalid("recipient address " + err.Error())
	}
	if hasControl(m.ToName) {
		return nil, invalid("recipient name contains a line break or control character")
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, invalid("subject missing")
	}
	if hasControl(m.Subject) {
		return nil, invalid("subject contains a line break or control character")
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, invalid("plain-text part missing")
	}
	id, ok := normaliseMessageID(m.MessageID)
	if !ok {
		return nil, invalid("Message-ID missing or not of the form local@domain")
	}

	fromName := s.cfg.FromName
	if m.FromName != "" {
		if hasControl(m.FromName) {
			return nil, invalid("sender name contains a line break or control character")
		}
		fromName = m.FromName
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(fromName, s.cfg.From); err != nil {
		return nil, &Error{Stage: "config", msg: "from address rejected"}
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return nil, invalid("recipient address rejected")
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	// RFC 3834: no out-of-office replies to the system's messages.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// normaliseMessageID accepts "<local@domain>" or "local@domain" and returns
// it without the angle brackets.
func normaliseMessageID(id string) (string, bool) {
	if strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") {
		id = id[1 : len(id)-1]
	}
	local, domain, ok := strings.Cut(id, "@")
	if !ok || local == "" || domain == "" || len(id) > 250 {
		return "", false
	}
	for _, r := range id {
		// printable ASCII without the specials that would end or split the header
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", false
		}
	}
	return id, strings.Count(id, "@") == 1
}

// options are the go-mail client options for one Send. The dial function
// records each connection so that ctx ending closes it at once: go-mail
// itself only bounds each command by the timeout.
func (s *Sender) options(ctx context.Context, conns *connSet) []gomail.Option {
	implicit := s.cfg.TLS == TLSImplicit
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		conns.add(ctx, conn)
		if implicit {
			tc := tls.Client(conn, s.tls.Clone())
			if err := tc.HandshakeContext(dctx); err != nil {
				return nil, err
			}
			return tc, nil
		}
		return conn, nil
	}
	policy := gomail.NoTLS // for TLSNone, and for TLSImplicit, whose dial already did TLS
	if s.cfg.TLS == TLSStartTLS {
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(s.tls.Clone()),
	}
	if s.cfg.Username != "" {
		// PLAIN and LOGIN refuse to send the password over a connection
		// without TLS (except to localhost).
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

// connSet holds the connections of one Send.
type connSet struct {
	mu    sync.Mutex
	conns []net.Conn
	stops []func() bool
}

func (c *connSet) add(ctx context.Context, conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conns = append(c.conns, conn)
	c.stops = append(c.stops, context.AfterFunc(ctx, func() { conn.Close() }))
}

func (c *connSet) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, conn := range c.conns {
		c.stops[i]()
		conn.Close() // go-mail has said QUIT; a second Close is harmless
	}
}

// NewMessageID returns a new Message-ID, random@domain, for Message.MessageID.
// Use the domain of the From address.
func NewMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "@" + domain
}

// Error is a failed Send. Its message holds the stage, the SMTP reply code
// and enhanced status code and, for connection problems, the network or TLS
// error; never the body, the subject or the recipient's address, nor the
// server's free text after MAIL, RCPT or DATA, which often repeats the
// address.
type Error struct {
	// Stage is where it failed: "validate" (the Message), "config",
	// "connect" (dial, greeting, EHLO, STARTTLS, AUTH), "mail", "rcpt",
	// "data" or "send" (anything else while sending).
	Stage string
	// Code is the SMTP reply code, 0 if the server gave none (a network
	// error, a timeout).
	Code int
	// Enhanced is the RFC 3463 status code, e.g. "5.1.1", if the server
	// gave one.
	Enhanced string
	// Permanent: retrying the same message cannot succeed. See IsPermanent.
	Permanent bool

	msg   string
	cause error // the context's error, if it ended the Send; nothing else
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mail: ")
	b.WriteString(e.Stage)
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %d", e.Code)
		if e.Enhanced != "" {
			b.WriteString(" " + e.Enhanced)
		}
	}
	if e.msg != "" {
		b.WriteString(": " + e.msg)
	}
	if e.Permanent {
		b.WriteString(" (permanent)")
	} else {
		b.WriteString(" (temporary)")
	}
	return b.String()
}

// Unwrap gives context.Canceled or context.DeadlineExceeded when the context
// ended the Send, and nothing else: go-mail's own errors name the recipient,
// and Temporal records a whole chain of Unwrap in the workflow history.
func (e *Error) Unwrap() error { return e.cause }

// IsPermanent reports whether err says that retrying the same message cannot
// succeed, so the caller should give up on e-mail for this message (and, say,
// fall back to another channel):
//
//   - a 5xx reply to RCPT TO (unknown mailbox, recipient rejected) or to
//     DATA or the message content (rejected as spam, too large);
//   - a Message that Send refuses (bad address, no subject, no Message-ID).
//
// Everything else is temporary: 4xx replies (greylisting, mailbox busy),
// refused connections, timeouts, TLS failures, and also 5xx replies before
// the message (greeting, EHLO, AUTH, MAIL FROM). Those say the relay or our
// configuration is wrong (a changed password, a sender the relay does not
// allow), not the message; once an operator has fixed it the retry succeeds,
// so the recipient must not be written off.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// classify turns go-mail's error into an *Error.
func classify(ctx context.Context, err error) *Error {
	e := &Error{Stage: "connect"}
	var se *gomail.SendError
	var te *textproto.Error
	switch {
	case errors.As(err, &se):
		e.Code, e.Enhanced = se.ErrorCode(), se.EnhancedStatusCode()
		e.msg = se.Reason.String()
		switch se.Reason {
		case gomail.ErrSMTPMailFrom:
			e.Stage = "mail"
		case gomail.ErrSMTPRcptTo:
			e.Stage = "rcpt"
		case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
			e.Stage = "data"
		default:
			e.Stage = "send"
		}
		e.Permanent = e.Code >= 500 && e.Code < 600 && (e.Stage == "rcpt" || e.Stage == "data")
	default:
		// Before the message (dial, greeting, EHLO, STARTTLS, AUTH): the
		// network, TLS or server text is kept, as none of it can name the
		// recipient yet.
		if errors.As(err, &te) {
			e.Code = te.Code
		}
		e.msg = err.Error()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.cause = ctxErr
		e.Permanent = false
		if e.Code == 0 {
			e.msg = ctxErr.Error()
		}
	}
	return e
}
