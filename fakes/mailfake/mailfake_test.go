package mailfake

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
)

func start(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, err := Start("", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// send hands raw (with \n line breaks) to the server with the standard
// library's client.
func send(s *Server, to string, raw string) error {
	return smtp.SendMail(s.Addr(), nil, "valg@naestved.example", []string{to}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

const mixedBase64 = `From: Valg <valg@naestved.example>
To: =?utf-8?q?S=C3=B8ren?= <soeren@example.dk>, b@example.dk
Subject: =?utf-8?b?w4Z2bGVza2l2ZXIgcMOlIMOGcsO4?=
Message-ID: <id-1@naestved.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

w4bDmMOFIMOmw7jDpQo=
--inner
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: 8bit

<p>ÆØÅ æøå</p>
--inner--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename="a.pdf"
Content-Transfer-Encoding: base64

JVBERi0=
--outer--
`

func TestParsesWhatAMailReaderWould(t *testing.T) {
	var notified []Received
	s := start(t, WithNotify(func(r Received) { notified = append(notified, r) }))
	if err := send(s, "soeren@example.dk", mixedBase64); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || len(notified) != 1 {
		t.Fatalf("%d messages, %d notified", len(got), len(notified))
	}
	r := got[0]
	checks := []struct{ what, got, want string }{
		{"envelope from", r.EnvelopeFrom, "valg@naestved.example"},
		{"envelope to", strings.Join(r.EnvelopeTo, ","), "soeren@example.dk"},
		{"from", r.From.String(), `"Valg" <valg@naestved.example>`},
		{"to 1", r.To[0].Name + " " + r.To[0].Address, "Søren soeren@example.dk"},
		{"to 2", r.To[1].Address, "b@example.dk"},
		{"subject", r.Subject, "Ævleskiver på Ærø"},
		{"message id", r.MessageID, "id-1@naestved.example"},
		{"text", r.Text, "ÆØÅ æøå\n"},
		{"html", r.HTML, "<p>ÆØÅ æøå</p>"},
		{"summary", r.String(), `to soeren@example.dk, b@example.dk: "Ævleskiver på Ærø"`},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}

	s.Reset()
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

func TestRefusesMalformedMessages(t *testing.T) {
	s := start(t)
	for name, raw := range map[string]string{
		"latin-1 part":  "From: a@b.dk\nTo: c@d.dk\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n\xe6\xf8\xe5\n",
		"invalid UTF-8": "From: a@b.dk\nTo: c@d.dk\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n\xff\n",
		"no From":       "To: c@d.dk\nSubject: x\n\nhej\n",
		"bad boundary":  "From: a@b.dk\nTo: c@d.dk\nSubject: x\nContent-Type: multipart/alternative\n\nhej\n",
	} {
		err := send(s, "c@d.dk", raw)
		var te *textproto.Error
		if !errors.As(err, &te) || te.Code != 554 {
			t.Errorf("%s: got %v, want 554", name, err)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d malformed messages kept", n)
	}
}

func TestRejectAndTemporaryFailure(t *testing.T) {
	s := start(t)
	s.RejectRecipient("Gone@Example.dk")
	s.FailTemporarily(1)
	msg := "From: a@b.dk\nTo: c@d.dk\nSubject: x\n\nhej\n"
	code := func(err error) int {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code
		}
		return 0
	}
	if c := code(send(s, "gone@example.DK", msg)); c != 550 {
		t.Errorf("rejected recipient: code %d, want 550", c)
	}
	if c := code(send(s, "c@d.dk", msg)); c != 451 {
		t.Errorf("first try: code %d, want 451", c)
	}
	if err := send(s, "c@d.dk", msg); err != nil {
		t.Errorf("second try: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "10.0.0.1:0", "[::]:0", "example.dk:25", "nonsense"} {
		if s, err := Start(addr); err == nil {
			s.Close()
			t.Errorf("Start(%q) accepted", addr)
		}
	}
	for _, addr := range []string{"", ":0", "localhost:0", "127.0.0.1:0"} {
		s, err := Start(addr)
		if err != nil {
			t.Errorf("Start(%q): %v", addr, err)
			continue
		}
		if s.Host() != "127.0.0.1" || s.Port() == 0 || s.Addr() != "127.0.0.1:"+strings.Split(s.Addr(), ":")[1] {
			t.Errorf("Start(%q) listens on %s", addr, s.Addr())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		s.Close() // a second Close is harmless
	}
}
