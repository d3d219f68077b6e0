package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"html"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/models"
)

// Markers that must never show up in an error.
const (
	secretBody    = "HEMMELIG-BRØDTEKST-7f3a"
	secretSubject = "HEMMELIGT-EMNE-91c2"
	secretTo      = "anna.oestergaard@example.dk"
)

func startFake(t *testing.T, opts ...mailfake.Option) *mailfake.Server {
	t.Helper()
	srv, err := mailfake.Start("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func fakeConfig(srv *mailfake.Server) Config {
	return Config{
		Host:     "127.0.0.1",
		Port:     srv.Port(),
		From:     "valg@naestved.example",
		FromName: "Valgsekretariatet, Næstved Kommune",
		TLS:      TLSNone,
		Timeout:  5 * time.Second,
	}
}

func mustSender(t *testing.T, cfg Config) *Sender {
	t.Helper()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s
}

func testMessage() Message {
	return Message{
		To:        secretTo,
		ToName:    "Anna Ærø Østergård",
		Subject:   "Din vagt på Åbyskolen – ÆØÅ æøå " + secretSubject,
		Text:      "Kære Anna\n\nÆØÅ æøå " + secretBody + "\n",
		HTML:      "<p>Kære Anna</p><p>ÆØÅ æøå " + secretBody + "</p>",
		MessageID: "c0ffee-0001@naestved.example",
	}
}

func TestSendDelivers(t *testing.T) {
	srv := startFake(t)
	s := mustSender(t, fakeConfig(srv))

	tpl, err := models.ParseTemplate("<p>Kære [participant:name]</p>\n<p>Mødested: [station:address]</p>", []string{"participant:name", "station:address"})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"participant:name": `Åse <script>alert("x")</script>`, "station:address": "Ærøvej 1 & 3"}
	body, err := tpl.Render(values, html.EscapeString)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Æbleø på Åbyskolen, ", 12) // longer than a quoted-printable line
	m := Message{
		To:        "anna@example.dk",
		ToName:    "Anna Ærø Østergård",
		Subject:   "Din vagt på Åbyskolen – ÆØÅ æøå",
		Text:      "Kære Anna\n\nÆØÅ æøå\n" + long + "\nMed venlig hilsen\n",
		HTML:      body,
		MessageID: "<c0ffee-0001@naestved.example>",
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages received, want 1", len(got))
	}
	r := got[0]
	checks := []struct{ what, got, want string }{
		{"envelope from", r.EnvelopeFrom, "valg@naestved.example"},
		{"envelope to", strings.Join(r.EnvelopeTo, ","), "anna@example.dk"},
		{"From address", r.From.Address, "valg@naestved.example"},
		{"From name", r.From.Name, "Valgsekretariatet, Næstved Kommune"},
		{"To address", r.To[0].Address, "anna@example.dk"},
		{"To name", r.To[0].Name, "Anna Ærø Østergård"},
		{"Subject", r.Subject, "Din vagt på Åbyskolen – ÆØÅ æøå"},
		{"Message-ID", r.MessageID, "c0ffee-0001@naestved.example"},
		{"Message-ID header", r.Header.Get("Message-ID"), "<c0ffee-0001@naestved.example>"},
		{"Auto-Submitted", r.Header.Get("Auto-Submitted"), "auto-generated"},
		{"text", r.Text, m.Text},
		{"HTML", r.HTML, "<p>Kære Åse &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>\n<p>Mødested: Ærøvej 1 &amp; 3</p>"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(r.To) != 1 {
		t.Errorf("To has %d addresses", len(r.To))
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if _, err := r.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	if ua := r.Header.Get("User-Agent") + r.Header.Get("X-Mailer"); ua != "" {
		t.Errorf("the mailer announces itself: %q", ua)
	}
	for _, line := range strings.Split(string(r.Raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d bytes on the wire", len(line))
		}
	}
}

func TestSendTextOnly(t *testing.T) {
	srv := startFake(t)
	m := testMessage()
	m.HTML = ""
	if err := mustSender(t, fakeConfig(srv)).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := srv.Messages()[0]
	if r.Text != m.Text || r.HTML != "" {
		t.Errorf("text %q, HTML %q", r.Text, r.HTML)
	}
}

func TestSendIsSafeForConcurrentUse(t *testing.T) {
	srv := startFake(t)
	s := mustSender(t, fakeConfig(srv))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := testMessage()
			m.MessageID = fmt.Sprintf("msg-%d@naestved.example", i)
			errs <- s.Send(context.Background(), m)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(srv.Messages()); n != 8 {
		t.Errorf("%d messages received, want 8", n)
	}
}

// checkErrorHidesContent fails if err, anything it unwraps to, or its %+v
// names the recipient or shows the subject or body.
func checkErrorHidesContent(t *testing.T, err error) {
	t.Helper()
	texts := []string{fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error())
	}
	for _, s := range texts {
		for _, secret := range []string{secretBody, secretSubject, secretTo, "Anna", "Ærø"} {
			if strings.Contains(s, secret) {
				t.Errorf("error text %q contains %q", s, secret)
			}
		}
	}
}

func TestSendErrorClassification(t *testing.T) {
	t.Run("550 unknown mailbox is permanent", func(t *testing.T) {
		srv := startFake(t)
		srv.RejectRecipient(strings.ToUpper(secretTo))
		err := mustSender(t, fakeConfig(srv)).Send(context.Background(), testMessage())
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		if !IsPermanent(err) || e.Stage != "rcpt" || e.Code != 550 || e.Enhanced != "5.1.1" {
			t.Errorf("got %+v (%v), want permanent rcpt 550 5.1.1", *e, err)
		}
		if !IsPermanent(fmt.Errorf("activity: %w", err)) {
			t.Error("IsPermanent does not see through wrapping")
		}
		checkErrorHidesContent(t, err)
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages received", n)
		}
	})

	t.Run("451 is temporary and the retry with the same Message-ID delivers once", func(t *testing.T) {
		srv := startFake(t)
		srv.FailTemporarily(2)
		s := mustSender(t, fakeConfig(srv))
		m := testMessage()
		for attempt := 1; attempt <= 2; attempt++ {
			err := s.Send(context.Background(), m)
			var e *Error
			if !errors.As(err, &e) || IsPermanent(err) || e.Code != 451 || e.Enhanced != "4.7.1" || e.Stage != "rcpt" {
				t.Fatalf("attempt %d: %v, want temporary rcpt 451 4.7.1", attempt, err)
			}
			checkErrorHidesContent(t, err)
		}
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatalf("attempt 3: %v", err)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].MessageID != m.MessageID {
			t.Fatalf("received %d messages, want one with Message-ID %s", len(got), m.MessageID)
		}
	})

	t.Run("connection refused is temporary", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := Config{Host: "127.0.0.1", Port: port, From: "valg@naestved.example", TLS: TLSNone, Timeout: 2 * time.Second}
		err = mustSender(t, cfg).Send(context.Background(), testMessage())
		var e *Error
		if !errors.As(err, &e) || IsPermanent(err) || e.Stage != "connect" || e.Code != 0 {
			t.Fatalf("got %v, want a temporary connect error", err)
		}
		checkErrorHidesContent(t, err)
	})

	t.Run("5xx before the message is temporary: the relay or our config is at fault", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) { fmt.Fprint(c, "554 5.7.1 No service for you\r\n") })
		err := mustSender(t, rawConfig(addr, 2*time.Second)).Send(context.Background(), testMessage())
		var e *Error
		if !errors.As(err, &e) || IsPermanent(err) || e.Code != 554 || e.Stage != "connect" {
			t.Fatalf("got %v, want a temporary connect error with code 554", err)
		}
		if !strings.Contains(err.Error(), "No service for you") {
			t.Errorf("%q lacks the server's greeting", err)
		}
	})

	t.Run("5xx to MAIL FROM is temporary: the sender, not the recipient, is refused", func(t *testing.T) {
		srv := startFake(t, mailfake.WithAuth("valg", "x")) // 502 to MAIL FROM without AUTH
		err := mustSender(t, fakeConfig(srv)).Send(context.Background(), testMessage())
		var e *Error
		if !errors.As(err, &e) || IsPermanent(err) || e.Stage != "mail" || e.Code/100 != 5 {
			t.Fatalf("got %v, want a temporary 5xx at mail", err)
		}
		checkErrorHidesContent(t, err)
	})

	for _, tc := range []struct {
		reply     string
		permanent bool
	}{
		{"554 5.7.1 Message rejected as spam", true},
		{"452 4.3.1 Insufficient system storage", false},
	} {
		t.Run("after DATA: "+tc.reply, func(t *testing.T) {
			addr := rawServer(t, func(c net.Conn) { go scriptedSMTP(c, tc.reply) })
			err := mustSender(t, rawConfig(addr, 2*time.Second)).Send(context.Background(), testMessage())
			var e *Error
			if !errors.As(err, &e) || IsPermanent(err) != tc.permanent || e.Stage != "data" || fmt.Sprint(e.Code) != tc.reply[:3] {
				t.Fatalf("got %v, want stage data, code %s, permanent %v", err, tc.reply[:3], tc.permanent)
			}
			checkErrorHidesContent(t, err)
			if strings.Contains(err.Error(), "spam") || strings.Contains(err.Error(), "storage") {
				t.Errorf("%q repeats the server's text after the message", err)
			}
		})
	}

	t.Run("a server that never answers: Send returns within Timeout", func(t *testing.T) {
		addr := rawServer(t, func(net.Conn) {})
		timeout := 300 * time.Millisecond
		start := time.Now()
		err := mustSender(t, rawConfig(addr, timeout)).Send(context.Background(), testMessage())
		elapsed := time.Since(start)
		if err == nil || IsPermanent(err) {
			t.Fatalf("got %v, want a temporary error", err)
		}
		if elapsed > timeout+time.Second {
			t.Errorf("Send took %s with a timeout of %s", elapsed, timeout)
		}
		checkErrorHidesContent(t, err)
	})

	t.Run("cancelling the context stops a Send that waits", func(t *testing.T) {
		addr := rawServer(t, func(net.Conn) {})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := mustSender(t, rawConfig(addr, time.Minute)).Send(ctx, testMessage())
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %s after the context ended", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
			t.Errorf("got %v, want a temporary error that is context.DeadlineExceeded", err)
		}
	})

	t.Run("a context already cancelled sends nothing", func(t *testing.T) {
		srv := startFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := mustSender(t, fakeConfig(srv)).Send(ctx, testMessage())
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("got %v, want context.Canceled, temporary", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages received", n)
		}
	})

	t.Run("IsPermanent of other errors", func(t *testing.T) {
		if IsPermanent(nil) || IsPermanent(errors.New("550 looks permanent")) {
			t.Error("IsPermanent is true for an error that is not an *Error")
		}
	})
}

// rawServer accepts connections, hands each to serve and keeps it open until
// the test ends.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// scriptedSMTP plays a server that accepts everything up to the message
// and answers dataReply to it.
func scriptedSMTP(c net.Conn, dataReply string) {
	r := bufio.NewReader(c)
	fmt.Fprint(c, "220 scripted ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			fmt.Fprint(c, "250-scripted\r\n250 8BITMIME\r\n")
		case cmd == "DATA":
			fmt.Fprint(c, "354 go ahead\r\n")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			fmt.Fprint(c, dataReply+"\r\n")
		case cmd == "QUIT":
			fmt.Fprint(c, "221 bye\r\n")
			return
		default: // MAIL, RCPT, NOOP, RSET
			fmt.Fprint(c, "250 OK\r\n")
		}
	}
}

func rawConfig(addr string, timeout time.Duration) Config {
	_, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	return Config{Host: "127.0.0.1", Port: p, From: "valg@naestved.example", TLS: TLSNone, Timeout: timeout}
}

func TestSendRefusesInvalidMessages(t *testing.T) {
	srv := startFake(t)
	s := mustSender(t, fakeConfig(srv))
	tests := []struct {
		name   string
		change func(*Message)
	}{
		{"no recipient", func(m *Message) { m.To = "" }},
		{"recipient with a name", func(m *Message) { m.To = "Anna <" + secretTo + ">" }},
		{"two recipients", func(m *Message) { m.To = secretTo + ", b@example.dk" }},
		{"not an address", func(m *Message) { m.To = "anna" }},
		{"header injection in the subject", func(m *Message) { m.Subject += "\r\nBcc: x@example.dk" }},
		{"header injection in the name", func(m *Message) { m.ToName = "Anna\nBcc: x@example.dk" }},
		{"no subject", func(m *Message) { m.Subject = " " }},
		{"no text", func(m *Message) { m.Text = "\n" }},
		{"no Message-ID", func(m *Message) { m.MessageID = "" }},
		{"Message-ID without @", func(m *Message) { m.MessageID = "abc" }},
		{"Message-ID with a space", func(m *Message) { m.MessageID = "a b@naestved.example" }},
		{"Message-ID with two @", func(m *Message) { m.MessageID = "a@b@c" }},
		{"Message-ID with a bracket inside", func(m *Message) { m.MessageID = "<a>@b" }},
		{"Message-ID with a line break", func(m *Message) { m.MessageID = "a@b\r\nBcc: x@example.dk" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testMessage()
			tc.change(&m)
			err := s.Send(context.Background(), m)
			var e *Error
			if !errors.As(err, &e) || e.Stage != "validate" || !IsPermanent(err) {
				t.Fatalf("got %v, want a permanent validate error", err)
			}
			checkErrorHidesContent(t, err)
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d invalid messages were sent", n)
	}
}

func TestNewSenderValidation(t *testing.T) {
	valid := Config{Host: "smtp.example.dk", From: "valg@kommune.example", TLS: TLSStartTLS}
	bad := []struct {
		name   string
		change func(*Config)
	}{
		{"no host", func(c *Config) { c.Host = "" }},
		{"host with a scheme", func(c *Config) { c.Host = "smtp://smtp.example.dk" }},
		{"host with a port", func(c *Config) { c.Host = "smtp.example.dk:587" }},
		{"host with a space", func(c *Config) { c.Host = "smtp example.dk" }},
		{"no TLS mode", func(c *Config) { c.TLS = "" }},
		{"unknown TLS mode", func(c *Config) { c.TLS = "ssl" }},
		{"plain text to a remote host", func(c *Config) { c.TLS = TLSNone }},
		{"plain text to a private address", func(c *Config) { c.TLS, c.Host = TLSNone, "10.0.0.5" }},
		{"negative port", func(c *Config) { c.Port = -1 }},
		{"port too large", func(c *Config) { c.Port = 65536 }},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }},
		{"no from", func(c *Config) { c.From = "" }},
		{"from with a name", func(c *Config) { c.From = "Valg <valg@kommune.example>" }},
		{"from not an address", func(c *Config) { c.From = "valg" }},
		{"line break in from name", func(c *Config) { c.FromName = "Valg\r\nBcc: x@example.dk" }},
		{"password without username", func(c *Config) { c.Password = "hemmelig" }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.change(&cfg)
			if s, err := NewSender(cfg); err == nil {
				t.Errorf("NewSender accepted %v as %+v", cfg, s.cfg)
			}
		})
	}

	defaults := []struct {
		mode TLSMode
		host string
		port int
	}{
		{TLSStartTLS, "smtp.example.dk", 587},
		{TLSImplicit, "smtp.example.dk", 465},
		{TLSNone, "localhost", 25},
		{TLSNone, "127.0.0.1", 25},
		{TLSNone, "::1", 25},
	}
	for _, d := range defaults {
		cfg := valid
		cfg.TLS, cfg.Host = d.mode, d.host
		s, err := NewSender(cfg)
		if err != nil {
			t.Errorf("%s to %s: %v", d.mode, d.host, err)
			continue
		}
		if s.cfg.Port != d.port || s.cfg.Timeout != DefaultTimeout {
			t.Errorf("%s: port %d, timeout %s; want %d, %s", d.mode, s.cfg.Port, s.cfg.Timeout, d.port, DefaultTimeout)
		}
		if s.tls.ServerName != d.host || s.tls.MinVersion < tls.VersionTLS12 {
			t.Errorf("%s: TLS server name %q, min version %x", d.mode, s.tls.ServerName, s.tls.MinVersion)
		}
	}

	t.Run("the password is never printed", func(t *testing.T) {
		cfg := valid
		cfg.Username, cfg.Password = "valg", "Sup3r-hemmelig"
		for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprint(&cfg)} {
			if strings.Contains(s, "Sup3r-hemmelig") {
				t.Errorf("%q shows the password", s)
			}
		}
	})
}

func TestNewMessageID(t *testing.T) {
	a, b := NewMessageID("naestved.example"), NewMessageID("naestved.example")
	if a == b {
		t.Error("two equal Message-IDs")
	}
	if id, ok := normaliseMessageID(a); !ok || id != a || !strings.HasSuffix(a, "@naestved.example") {
		t.Errorf("NewMessageID gave %q", a)
	}
}

// testCA makes a self-signed certificate for 127.0.0.1 and localhost, and
// the pool that trusts it.
func testCA(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailfake"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSendTLS(t *testing.T) {
	serverTLS, roots := testCA(t)

	t.Run("STARTTLS and AUTH", func(t *testing.T) {
		srv := startFake(t, mailfake.WithSTARTTLS(serverTLS), mailfake.WithAuth("valg", "Sup3r-hemmelig"))
		cfg := fakeConfig(srv)
		cfg.TLS, cfg.TLSConfig = TLSStartTLS, &tls.Config{RootCAs: roots}
		cfg.Username, cfg.Password = "valg", "Sup3r-hemmelig"
		if err := mustSender(t, cfg).Send(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages received", n)
		}

		cfg.Password = "forkert"
		err := mustSender(t, cfg).Send(context.Background(), testMessage())
		var e *Error
		if !errors.As(err, &e) || IsPermanent(err) || e.Code != 535 || e.Stage != "connect" {
			t.Errorf("wrong password: got %v, want a temporary 535 at connect", err)
		}
		if err != nil && strings.Contains(err.Error(), "forkert") {
			t.Errorf("the error shows the password: %v", err)
		}
	})

	t.Run("implicit TLS", func(t *testing.T) {
		srv := startFake(t, mailfake.WithImplicitTLS(serverTLS), mailfake.WithAuth("valg", "Sup3r-hemmelig"))
		cfg := fakeConfig(srv)
		cfg.TLS, cfg.TLSConfig = TLSImplicit, &tls.Config{RootCAs: roots}
		cfg.Username, cfg.Password = "valg", "Sup3r-hemmelig"
		if err := mustSender(t, cfg).Send(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages received", n)
		}
	})

	t.Run("STARTTLS required: no fallback to plain text", func(t *testing.T) {
		srv := startFake(t) // offers no STARTTLS
		cfg := fakeConfig(srv)
		cfg.TLS, cfg.TLSConfig = TLSStartTLS, &tls.Config{RootCAs: roots}
		err := mustSender(t, cfg).Send(context.Background(), testMessage())
		if err == nil || IsPermanent(err) {
			t.Fatalf("got %v, want a temporary error", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages went in plain text", n)
		}
	})

	t.Run("an untrusted certificate is refused", func(t *testing.T) {
		srv := startFake(t, mailfake.WithSTARTTLS(serverTLS))
		cfg := fakeConfig(srv)
		cfg.TLS = TLSStartTLS // system roots: the test CA is unknown
		err := mustSender(t, cfg).Send(context.Background(), testMessage())
		if err == nil || IsPermanent(err) {
			t.Fatalf("got %v, want a temporary error", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages received", n)
		}
	})

	t.Run("no password over plain text", func(t *testing.T) {
		srv := startFake(t, mailfake.WithAuth("valg", "Sup3r-hemmelig")) // offers AUTH over TLS only
		cfg := fakeConfig(srv)
		cfg.Username, cfg.Password = "valg", "Sup3r-hemmelig"
		err := mustSender(t, cfg).Send(context.Background(), testMessage())
		if err == nil || IsPermanent(err) {
			t.Fatalf("got %v, want a temporary error", err)
		}
	})
}

// TestAccountInvitationEndToEnd renders the default account invitation
// (models, merge fields) and sends it through the real client to the fake.
func TestAccountInvitationEndToEnd(t *testing.T) {
	srv := startFake(t)
	s := mustSender(t, fakeConfig(srv))

	parse := func(text string) *models.Template {
		tpl, err := models.ParseTemplate(text, models.AccountInvitationFields)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.CheckChannelFields(tpl, "email"); err != nil {
			t.Fatal(err)
		}
		return tpl
	}
	body, subject := parse(models.AccountInvitationDefault), parse(models.AccountInvitationSubjectDefault)
	values := map[string]string{
		"user:name":               "Mette <Ø> Ødegård",
		"site:name":               "Aarhus Kommune",
		"user:one-time-login-url": "https://valg.aarhus.example/bruger/engang/42/9f3c?x=1&y=2",
		"site:login-url":          "https://valg.aarhus.example/login",
	}
	subj, err := subject.Render(values, models.PlainText)
	if err != nil {
		t.Fatal(err)
	}
	text, err := body.Render(values, models.PlainText)
	if err != nil {
		t.Fatal(err)
	}
	htmlBody, err := body.HTML().Render(values, html.EscapeString)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{To: "mette@example.dk", ToName: values["user:name"], Subject: subj, Text: text, HTML: htmlBody,
		MessageID: NewMessageID("aarhus.example")}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages received", len(got))
	}
	r := got[0]
	if r.Subject != "Din konto til Valghalla – Aarhus Kommune" || r.MessageID != m.MessageID || r.To[0].Name != "Mette <Ø> Ødegård" {
		t.Errorf("subject %q, Message-ID %q, To %v", r.Subject, r.MessageID, r.To[0])
	}
	if r.Text != text {
		t.Errorf("the text part changed on the way:\n%q\n%q", r.Text, text)
	}
	for _, want := range []string{
		"Kære Mette <Ø> Ødegård,\n",
		"dit parti og Aarhus Kommune med",
		"\nhttps://valg.aarhus.example/bruger/engang/42/9f3c?x=1&y=2\n",
		"logger du fremover ind på https://valg.aarhus.example/login med",
		"Brugernavn: Mette <Ø> Ødegård",
		"Valgsekretariatet\nAarhus Kommune\n",
		"følsomme personoplysninger",
	} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the text lacks %q", want)
		}
	}
	for _, want := range []string{
		"<p>Kære Mette &lt;Ø&gt; Ødegård,</p>",
		`<a href="https://valg.aarhus.example/bruger/engang/42/9f3c?x=1&amp;y=2">https://valg.aarhus.example/bruger/engang/42/9f3c?x=1&amp;y=2</a>`,
		`<a href="https://valg.aarhus.example/login">`,
		"Valgsekretariatet<br>\nAarhus Kommune</p>",
	} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	for _, part := range []string{r.Subject, r.Text, r.HTML} {
		if strings.Contains(part, "[") {
			t.Errorf("a '[' is left in %q", part)
		}
		for _, f := range models.AccountInvitationFields {
			if strings.Contains(part, "["+f+"]") {
				t.Errorf("[%s] is left", f)
			}
		}
	}
}
