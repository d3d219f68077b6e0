package digitalpost_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/providers/digitalpost"
)

func startFake(t *testing.T) *dpfake.Server {
	t.Helper()
	srv, err := dpfake.Start(dpfake.Options{Exempt: []string{exemptCPR}})
	if err != nil {
		t.Fatalf("dpfake.Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient makes a real Client for the fake with fast retries (RetryMax 2).
func newClient(t *testing.T, srv *dpfake.Server, change ...func(*digitalpost.Config)) *digitalpost.Client {
	t.Helper()
	cfg := srv.ClientConfig()
	cfg.RetryMax = 2
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 5 * time.Millisecond
	for _, f := range change {
		f(&cfg)
	}
	c, err := digitalpost.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// letterFor is a letter from the fake's sender (filled in by the client).
func letterFor(cpr, uuid string) digitalpost.Letter {
	l := withAttachment()
	l.SenderCVR, l.SenderLabel = "", ""
	l.RecipientCPR = cpr
	l.MessageUUID = uuid
	return l
}

func asError(t *testing.T, err error) *digitalpost.Error {
	t.Helper()
	var e *digitalpost.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, want *digitalpost.Error: %v", err, err)
	}
	return e
}

func TestSendDelivers(t *testing.T) {
	srv := startFake(t)
	var logs bytes.Buffer
	c := newClient(t, srv, func(cfg *digitalpost.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	l := letterFor(someoneCPR, letterUUID)

	rcpt, err := c.Send(context.Background(), l)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rcpt.Status != digitalpost.StatusReceived || rcpt.MessageUUID != letterUUID {
		t.Errorf("receipt = %+v, want RECEIVED for %s", rcpt, letterUUID)
	}

	got := srv.Letters()
	if len(got) != 1 {
		t.Fatalf("the fake holds %d letters, want 1", len(got))
	}
	want := l
	want.SenderCVR, want.SenderLabel = dpfake.FakeCVR, dpfake.FakeSenderLabel
	if got[0].MessageUUID != want.MessageUUID || got[0].RecipientCPR != want.RecipientCPR ||
		got[0].SenderCVR != want.SenderCVR || got[0].SenderLabel != want.SenderLabel ||
		got[0].HTML != want.HTML || got[0].Label != want.Label || !got[0].Mandatory ||
		len(got[0].Attachments) != 1 || !bytes.Equal(got[0].Attachments[0].Content, want.Attachments[0].Content) {
		t.Errorf("the fake got\n%+v\nwant\n%+v", got[0], want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/apis/v1/memos/" ||
		reqs[0].MessageUUID != letterUUID || reqs[0].ClientCN == "" {
		t.Errorf("requests = %+v", reqs)
	}

	rcpt, err = c.Receipt(context.Background(), letterUUID)
	if err != nil {
		t.Fatalf("Receipt: %v", err)
	}
	if rcpt.Status != digitalpost.StatusCompleted {
		t.Errorf("polled receipt = %+v, want COMPLETED", rcpt)
	}

	if !strings.Contains(logs.String(), `"outcome":"ok"`) || !strings.Contains(logs.String(), letterUUID) {
		t.Errorf("log lacks the outcome or the message UUID:\n%s", logs.String())
	}
	assertNoPersonalData(t, logs.String())
}

func TestSendIsIdempotent(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	l := letterFor(someoneCPR, letterUUID)

	// An activity retried after a lost answer sends the same letter again;
	// so may several workers at once.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := c.Send(context.Background(), l); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
	if n := len(srv.Letters()); n != 1 {
		t.Errorf("the fake holds %d letters, want 1", n)
	}
	if n := len(srv.Requests()); n != 8 {
		t.Errorf("the fake got %d requests, want 8", n)
	}
}

func TestSendRetriesServerErrorsWithTheSameUUID(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	srv.FailNext(2, http.StatusServiceUnavailable, 0)

	rcpt, err := c.Send(context.Background(), letterFor(someoneCPR, letterUUID))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rcpt.Status != digitalpost.StatusReceived {
		t.Errorf("receipt = %+v", rcpt)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("the fake got %d requests, want 3 (two 503s, then success)", len(reqs))
	}
	for i, r := range reqs {
		if r.MessageUUID != letterUUID {
			t.Errorf("attempt %d carried uuid %q, want %q", i+1, r.MessageUUID, letterUUID)
		}
	}
	if reqs[0].Status != 503 || reqs[1].Status != 503 || reqs[2].Status != 200 {
		t.Errorf("statuses %d %d %d, want 503 503 200", reqs[0].Status, reqs[1].Status, reqs[2].Status)
	}
	if n := len(srv.Letters()); n != 1 {
		t.Errorf("the fake holds %d letters, want exactly 1", n)
	}
}

func TestSendHonoursRetryAfter(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv) // backoff at most 5 ms of its own
	srv.FailNext(1, http.StatusTooManyRequests, time.Second)

	if _, err := c.Send(context.Background(), letterFor(someoneCPR, letterUUID)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the fake got %d requests, want 2", len(reqs))
	}
	if reqs[0].Status != http.StatusTooManyRequests {
		t.Errorf("first answer %d, want 429", reqs[0].Status)
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
		t.Errorf("the retry came %v after the 429, want at least the Retry-After of 1s", gap)
	}
	if n := len(srv.Letters()); n != 1 {
		t.Errorf("the fake holds %d letters, want 1", n)
	}
}

func TestSendGivesUpOnLongRetryAfter(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	srv.FailNext(1, http.StatusTooManyRequests, digitalpost.MaxRetryAfter+time.Minute)

	_, err := c.Send(context.Background(), letterFor(someoneCPR, letterUUID))
	e := asError(t, err)
	if e.Permanent || e.Status != http.StatusTooManyRequests || e.RetryAfter != digitalpost.MaxRetryAfter+time.Minute {
		t.Errorf("error = %+v, want a retryable 429 with RetryAfter %v", e, digitalpost.MaxRetryAfter+time.Minute)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("the fake got %d requests, want 1 (the caller waits, not the client)", n)
	}
}

func TestSendSurfacesRefusals(t *testing.T) {
	srv := startFake(t)
	var logs bytes.Buffer
	c := newClient(t, srv, func(cfg *digitalpost.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	t.Cleanup(func() {
		for _, want := range []string{"outcome=invalid", "outcome=not_allowed", "permanent=true"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %s:\n%s", want, logs.String())
			}
		}
		assertNoPersonalData(t, logs.String())
		t.Log(logs.String())
	})

	t.Run("400 INVALID", func(t *testing.T) {
		srv.Reset()
		l := letterFor(someoneCPR, letterUUID)
		l.SenderCVR = "87654321" // valid, but not a sender the fake's certificate is registered for
		_, err := c.Send(context.Background(), l)
		e := asError(t, err)
		if !digitalpost.IsPermanent(err) || e.Status != http.StatusBadRequest || e.ReceiptStatus != digitalpost.StatusInvalid {
			t.Errorf("error = %+v, want permanent 400 INVALID", e)
		}
		t.Log(err)
		if !strings.Contains(err.Error(), "is not registered for this sender system") {
			t.Errorf("error %q lacks the server's message", err)
		}
		if !strings.Contains(e.Body, `"status":"INVALID"`) {
			t.Errorf("Body %q is not the server's answer", e.Body)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("a 400 was sent %d times, want 1", n)
		}
		if n := len(srv.Deliveries()); n != 0 {
			t.Errorf("the fake stored %d letters", n)
		}
		assertNoPersonalData(t, err.Error())
	})

	t.Run("NOT_ALLOWED for an exempt citizen", func(t *testing.T) {
		srv.Reset()
		const uuid = "0b5e1d1e-8c8f-4a57-9d0e-3c3f2d2a1b10"
		_, err := c.Send(context.Background(), letterFor(exemptCPR, uuid))
		e := asError(t, err)
		if !digitalpost.IsPermanent(err) || e.ReceiptStatus != digitalpost.StatusNotAllowed {
			t.Errorf("error = %+v, want permanent NOT_ALLOWED", e)
		}
		t.Log(err)
		if !strings.Contains(err.Error(), "fritaget for Digital Post") {
			t.Errorf("error %q lacks the server's reason", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("NOT_ALLOWED was sent %d times, want 1", n)
		}
		if n := len(srv.Letters()); n != 0 {
			t.Errorf("an exempt citizen got %d letters", n)
		}
		if d := srv.Deliveries(); len(d) != 1 || d[0].Receipt.Status != digitalpost.StatusNotAllowed {
			t.Errorf("deliveries = %+v, want one NOT_ALLOWED", d)
		}
		// Asked again (a retried activity), the answer stays the same.
		_, err = c.Send(context.Background(), letterFor(exemptCPR, uuid))
		if !digitalpost.IsPermanent(err) {
			t.Errorf("second send: %v, want permanent", err)
		}
		rcpt, err := c.Receipt(context.Background(), uuid)
		if !digitalpost.IsPermanent(err) || rcpt != (digitalpost.Receipt{}) {
			t.Errorf("Receipt = %+v, %v; want a permanent NOT_ALLOWED error", rcpt, err)
		}
		assertNoPersonalData(t, err.Error())
	})

	t.Run("unknown receipt", func(t *testing.T) {
		srv.Reset()
		_, err := c.Receipt(context.Background(), "11111111-2222-4333-8444-555555555555")
		e := asError(t, err)
		if !e.Permanent || e.Status != http.StatusNotFound {
			t.Errorf("error = %+v, want permanent 404", e)
		}
	})

	t.Run("invalid letter is not sent", func(t *testing.T) {
		srv.Reset()
		l := letterFor(someoneCPR, letterUUID)
		l.HTML = ""
		_, err := c.Send(context.Background(), l)
		if !digitalpost.IsPermanent(err) || !strings.Contains(err.Error(), "HTML must not be empty") {
			t.Errorf("error = %v, want a permanent invalid-letter error", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("the fake got %d requests", n)
		}
	})
}

func TestSendGivesUpOnPersistentServerErrors(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv) // RetryMax 2: three attempts
	srv.FailNext(10, http.StatusServiceUnavailable, 0)

	_, err := c.Send(context.Background(), letterFor(someoneCPR, letterUUID))
	e := asError(t, err)
	if digitalpost.IsPermanent(err) || e.Status != http.StatusServiceUnavailable || e.Attempts != 3 {
		t.Errorf("error = %+v, want a retryable 503 after 3 attempts", e)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "scripted failure: 503 Service Unavailable") {
		t.Errorf("error %q lacks the server's body", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("the fake got %d requests, want 3", n)
	}
	if n := len(srv.Deliveries()); n != 0 {
		t.Errorf("the fake stored %d letters", n)
	}
}

func TestMutualTLSIsRequired(t *testing.T) {
	srv := startFake(t)
	other, err := localpki.NewCA("Some other CA")
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := other.Issue("Impostor system certificate", true)
	if err != nil {
		t.Fatal(err)
	}

	cfg := srv.ClientConfig()
	cfg.Certificate.Certificate = nil
	if _, err := digitalpost.NewClient(cfg); err == nil {
		t.Error("NewClient accepted a configuration without a certificate")
	}

	cases := []struct {
		name, want string // want: the TLS failure, as crypto/tls words it
		client     func(t *testing.T) *digitalpost.Client
	}{
		{"no client certificate", "handshake failure", func(t *testing.T) *digitalpost.Client {
			c := newClient(t, srv)
			digitalpost.WithoutClientCertificate(c)
			return c
		}},
		{"client certificate from another CA", "unknown certificate authority", func(t *testing.T) *digitalpost.Client {
			return newClient(t, srv, func(cfg *digitalpost.Config) { cfg.Certificate = impostor })
		}},
		{"server not trusted", "certificate signed by unknown authority", func(t *testing.T) *digitalpost.Client {
			return newClient(t, srv, func(cfg *digitalpost.Config) { cfg.RootCAs = x509.NewCertPool() })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.Reset()
			_, err := tc.client(t).Send(context.Background(), letterFor(someoneCPR, letterUUID))
			e := asError(t, err)
			if e.Status != 0 || e.Err == nil {
				t.Errorf("error = %+v, want a transport error", e)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if e.Attempts != 1 {
				t.Errorf("a TLS refusal was tried %d times, want 1", e.Attempts)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("the fake handled %d requests", n)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	srv := startFake(t)
	cases := []struct {
		name   string
		change func(*digitalpost.Config)
		want   string
	}{
		{"http", func(c *digitalpost.Config) { c.BaseURL = "http://127.0.0.1:1" }, "BaseURL"},
		{"no CVR", func(c *digitalpost.Config) { c.SenderCVR = "" }, "SenderCVR"},
		{"no label", func(c *digitalpost.Config) { c.SenderLabel = "" }, "SenderLabel"},
		{"no key", func(c *digitalpost.Config) { c.Certificate.PrivateKey = nil }, "Certificate"},
		{"MeMo 1.0", func(c *digitalpost.Config) { c.MeMoVersion = "1.0" }, "Config.MeMoVersion must be 1.1 or 1.2"},
	}
	for _, tc := range cases {
		cfg := srv.ClientConfig()
		tc.change(&cfg)
		if _, err := digitalpost.NewClient(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewClient error %v, want one about %s", tc.name, err, tc.want)
		}
	}
}

// Config.MeMoVersion chooses the version the client writes ("" the
// default, 1.2); what reaches the fake is valid against that version's
// published schema.
func TestSendWritesTheConfiguredMeMoVersion(t *testing.T) {
	srv := startFake(t)
	for i, version := range []string{"", digitalpost.MeMo11, digitalpost.MeMo12} {
		c := newClient(t, srv, func(cfg *digitalpost.Config) { cfg.MeMoVersion = version })
		uuid := []string{letterUUID, "0b5e1d1e-8c8f-4a57-9d0e-3c3f2d2a1b10", "3c9a7d2e-1f4b-4e6a-8b5c-7d9e0f1a2b3c"}[i]
		if _, err := c.Send(context.Background(), letterFor(someoneCPR, uuid)); err != nil {
			t.Fatalf("%q: Send: %v", version, err)
		}
		d := srv.Deliveries()
		got := d[len(d)-1].MeMo
		want := version
		if want == "" {
			want = digitalpost.DefaultMeMoVersion
		}
		if !bytes.Contains(got, []byte(`memoVersion="`+want+`"`)) {
			t.Errorf("%q: the fake got %s", version, got)
		}
		xsdcheck.Valid(t, schemaOf(want), got)
	}
}
