package sms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/providers/sms"
)

// waitLimit only stops a broken test from hanging; nothing is timed.
const waitLimit = 20 * time.Second

const to = "+4520123456"

var smSID = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// callback is one status callback as the app's endpoint received it.
type callback struct {
	form      url.Values
	signature string
}

// receiver is the app's status-callback endpoint: it records what arrives,
// first failing `down` times with 503.
type receiver struct {
	srv  *httptest.Server
	got  chan callback
	down atomic.Int32
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan callback, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Add(-1) >= 0 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if err := req.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.got <- callback{form: req.PostForm, signature: req.Header.Get(sms.SignatureHeader)}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/sms/status?tenant=0370" }

func (r *receiver) next(t *testing.T) callback {
	t.Helper()
	select {
	case c := <-r.got:
		return c
	case <-time.After(waitLimit):
		t.Fatal("no status callback arrived")
		return callback{}
	}
}

// setup starts a receiver, a fake with it as status callback URL, and a
// client for the fake.
func setup(t *testing.T) (*receiver, *smsfake.Server, *sms.Client) {
	t.Helper()
	rcv := newReceiver(t)
	fake, err := smsfake.Start(smsfake.Options{StatusCallbackURL: rcv.url(), CallbackBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	c, err := sms.NewClient(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	return rcv, fake, c
}

func TestSendDeliversAndCallsBackSigned(t *testing.T) {
	rcv, fake, c := setup(t)
	body := "Du er inviteret som tilforordnet på Næstved Rådhus 18. november. Svar JA eller NEJ."
	sent, err := c.Send(context.Background(), to, body, "invitation-17-1")
	if err != nil {
		t.Fatal(err)
	}
	if !smSID.MatchString(sent.SID) || sent.Status != sms.StatusAccepted {
		t.Fatalf("Send = %+v; want an SM… SID, status accepted", sent)
	}
	msgs := fake.Sent("")
	if len(msgs) != 1 {
		t.Fatalf("the fake has %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.SID != sent.SID || m.To != to || m.Body != body || m.IdempotencyToken != "invitation-17-1" ||
		m.StatusCallback != rcv.url()+"&message=invitation-17-1" || m.From != fake.From() {
		t.Fatalf("the fake received %+v", m)
	}

	for _, want := range []string{sms.StatusSent, sms.StatusDelivered} {
		cb := rcv.next(t)
		if !sms.ValidSignature(fake.AuthToken(), m.StatusCallback, cb.form, cb.signature) {
			t.Fatalf("the %s callback's signature is not valid", want)
		}
		if sms.ValidSignature(fake.AuthToken(), rcv.srv.URL+"/sms/status", cb.form, cb.signature) {
			t.Fatal("the signature is valid for the URL without its query")
		}
		sc, err := sms.ParseStatusCallback(cb.form)
		if err != nil {
			t.Fatal(err)
		}
		if sc.MessageSID != sent.SID || sc.Status != want || sc.ErrorCode != 0 {
			t.Fatalf("callback %+v, want %s for %s", sc, want, sent.SID)
		}
	}
}

func TestSendIdempotent(t *testing.T) {
	_, fake, c := setup(t)
	ctx := context.Background()
	first, err := c.Send(ctx, to, "Påmindelse: svar JA eller NEJ", "reminder-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Send(ctx, to, "Påmindelse: svar JA eller NEJ", "reminder-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.SID != first.SID {
		t.Fatalf("the same key gave two messages: %s and %s", first.SID, again.SID)
	}
	if n := len(fake.Sent(to)); n != 1 {
		t.Fatalf("the fake sent %d messages for one key, want 1", n)
	}
	other, err := c.Send(ctx, to, "Påmindelse: svar JA eller NEJ", "reminder-2")
	if err != nil {
		t.Fatal(err)
	}
	if other.SID == first.SID || len(fake.Sent(to)) != 2 {
		t.Fatalf("a new key did not send a new message")
	}
}

// Concurrent Sends share one Client: each must carry its own key.
func TestSendConcurrentKeysDoNotMix(t *testing.T) {
	_, fake, c := setup(t)
	const n = 16
	sids := make([][2]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		for j := 0; j < 2; j++ { // each key twice, at the same time
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := c.Send(context.Background(), fmt.Sprintf("+452012%04d", i), fmt.Sprintf("besked %d", i), fmt.Sprintf("key-%d", i))
				if err != nil {
					errs <- err
					return
				}
				sids[i][j] = s.SID
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	msgs := fake.Sent("")
	if len(msgs) != n {
		t.Fatalf("%d messages for %d keys", len(msgs), n)
	}
	for _, m := range msgs {
		var i int
		fmt.Sscanf(m.IdempotencyToken, "key-%d", &i)
		if m.Body != fmt.Sprintf("besked %d", i) || m.To != fmt.Sprintf("+452012%04d", i) {
			t.Errorf("message %+v carries another call's key", m)
		}
		if sids[i][0] != m.SID || sids[i][1] != m.SID {
			t.Errorf("key-%d: SIDs %v, message %s", i, sids[i], m.SID)
		}
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		prepare   func(*smsfake.Server)
		to, body  string
		code      int
		status    int
		permanent bool
	}{
		{"invalid number at Twilio", nil, "+451234", "Hej", sms.CodeInvalidTo, 400, true},
		{"opted out", func(f *smsfake.Server) { f.OptOut(to) }, to, "Hej", sms.CodeOptedOut, 400, true},
		{"service unavailable", func(f *smsfake.Server) { f.Fail(1) }, to, "Hej", 20503, 503, false},
		{"unavailable for a while", func(f *smsfake.Server) { f.FailFor(time.Hour) }, to, "Hej", 20503, 503, false},
		{"rate limited", func(f *smsfake.Server) { f.FailWith(429, 1) }, to, "Hej", 20429, 429, false},
		{"server error", func(f *smsfake.Server) { f.FailWith(500, 1) }, to, "Hej", 20500, 500, false},
		{"not E.164: refused before sending", nil, "20123456", "Hej", sms.CodeInvalidTo, 0, true},
		{"empty body", nil, to, "", sms.CodeBodyRequired, 0, true},
		{"too long", nil, to, strings.Repeat("a", 1601), sms.CodeBodyTooLong, 0, true},
		{"CPR in body", nil, to, "Dit CPR-nummer: 010190-1234", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fake, c := setup(t)
			if tt.prepare != nil {
				tt.prepare(fake)
			}
			_, err := c.Send(context.Background(), tt.to, tt.body, "k1")
			var e *sms.Error
			if !errors.As(err, &e) {
				t.Fatalf("Send error = %v (%T), want an *sms.Error", err, err)
			}
			if e.Code != tt.code || e.Status != tt.status || e.Permanent != tt.permanent || sms.IsPermanent(err) != tt.permanent {
				t.Fatalf("Send error = %+v, want code %d, status %d, permanent %v", e, tt.code, tt.status, tt.permanent)
			}
			if strings.Contains(err.Error(), "2012") || strings.Contains(err.Error(), "451234") || strings.Contains(err.Error(), "0101") {
				t.Errorf("error %q names the number or body", err)
			}
			if len(fake.Sent("")) != 0 {
				t.Errorf("a message was sent")
			}
		})
	}
}

func TestSendRefusesCPRWithoutRequest(t *testing.T) {
	_, _, c := setup(t)
	_, err := c.Send(context.Background(), to, "CPR 0101901234", "k")
	if !errors.Is(err, sms.ErrCPRInBody) {
		t.Fatalf("error %v is not ErrCPRInBody", err)
	}
}

func TestSendRetryAfterTransientFailureSendsOnce(t *testing.T) {
	_, fake, c := setup(t)
	fake.Fail(2)
	ctx := context.Background()
	var sent sms.Sent
	var err error
	for attempt := 1; attempt <= 3; attempt++ { // as an activity's retries would
		sent, err = c.Send(ctx, to, "Hej", "retry-key")
		if err == nil || sms.IsPermanent(err) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if msgs := fake.Sent(""); len(msgs) != 1 || msgs[0].SID != sent.SID {
		t.Fatalf("after retries the fake has %+v", msgs)
	}
}

func TestSendWrongAuth(t *testing.T) {
	_, fake, _ := setup(t)
	cfg := fake.Config()
	cfg.AuthToken = "fedcba9876543210fedcba9876543210"
	c, err := sms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), to, "Hej", "k")
	var e *sms.Error
	if !errors.As(err, &e) || e.Status != 401 || e.Code != sms.CodeAuthenticate || e.Permanent {
		t.Fatalf("Send with a wrong token = %#v; want a temporary 401/20003", err)
	}
	if strings.Contains(err.Error(), cfg.AuthToken) {
		t.Error("the error names the token")
	}
	if len(fake.Sent("")) != 0 {
		t.Error("a message was sent")
	}
}

func TestSendNetworkAndContextErrors(t *testing.T) {
	_, fake, c := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Send(ctx, to, "Hej", "k")
	if !errors.Is(err, context.Canceled) || sms.IsPermanent(err) {
		t.Fatalf("Send with a cancelled context = %v", err)
	}
	fake.Close()
	_, err = c.Send(context.Background(), to, "Hej", "k")
	var e *sms.Error
	if !errors.As(err, &e) || e.Status != 0 || e.Permanent {
		t.Fatalf("Send to a closed server = %#v; want a temporary error without status", err)
	}
}

func TestUndeliverableCallsBackWithCode(t *testing.T) {
	rcv, fake, c := setup(t)
	fake.Undeliverable(to, sms.CodeUnreachableHandset)
	sent, err := c.Send(context.Background(), to, "Hej", "k")
	if err != nil {
		t.Fatal(err)
	}
	var got []sms.StatusCallback
	for range 2 {
		cb := rcv.next(t)
		if !sms.ValidSignature(fake.AuthToken(), rcv.url()+"&message=k", cb.form, cb.signature) {
			t.Fatal("invalid signature")
		}
		sc, err := sms.ParseStatusCallback(cb.form)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sc)
	}
	want := []sms.StatusCallback{
		{MessageSID: sent.SID, Status: sms.StatusSent},
		{MessageSID: sent.SID, Status: sms.StatusUndelivered, ErrorCode: sms.CodeUnreachableHandset},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("callbacks %+v, want %+v", got, want)
	}
	if !got[1].Failed() || !sms.PermanentCode(got[1].ErrorCode) {
		t.Error("an unreachable handset is not a permanent failure")
	}
}

func TestCallbacksRetriedWhileReceiverDown(t *testing.T) {
	rcv, fake, c := setup(t)
	rcv.down.Store(3) // the first three posts get 503
	sent, err := c.Send(context.Background(), to, "Hej", "k")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sms.StatusSent, sms.StatusDelivered} {
		sc, err := sms.ParseStatusCallback(rcv.next(t).form)
		if err != nil || sc.Status != want || sc.MessageSID != sent.SID {
			t.Fatalf("callback %+v, %v; want %s", sc, err, want)
		}
	}
	waitFor(t, func() bool { return fake.Sent(to)[0].Status == sms.StatusDelivered })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never became true")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	good := sms.Config{
		AccountSID:          "AC0123456789abcdef0123456789abcdef",
		AuthToken:           "0123456789abcdef0123456789abcdef",
		MessagingServiceSID: "MG0123456789abcdef0123456789abcdef",
		StatusCallbackURL:   "https://valg.example.dk/sms/status",
	}
	if _, err := sms.NewClient(good); err != nil {
		t.Fatal(err)
	}
	noCallback := good
	noCallback.StatusCallbackURL = ""
	if _, err := sms.NewClient(noCallback); err != nil {
		t.Fatalf("without a callback URL: %v", err)
	}
	for name, change := range map[string]func(*sms.Config){
		"account SID":   func(c *sms.Config) { c.AccountSID = "AC123" },
		"service SID":   func(c *sms.Config) { c.MessagingServiceSID = "PN0123456789abcdef0123456789abcdef" },
		"empty token":   func(c *sms.Config) { c.AuthToken = "" },
		"token symbols": func(c *sms.Config) { c.AuthToken = "abc/def" },
		"relative URL":  func(c *sms.Config) { c.StatusCallbackURL = "/sms/status" },
		"other scheme":  func(c *sms.Config) { c.StatusCallbackURL = "ftp://x/y" },
	} {
		cfg := good
		change(&cfg)
		if _, err := sms.NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient accepted a bad config", name)
		} else if strings.Contains(err.Error(), good.AuthToken) {
			t.Errorf("%s: error names the token", name)
		}
	}
}

func TestSendRefusesBadIdempotencyKey(t *testing.T) {
	_, fake, c := setup(t)
	for _, key := range []string{"", "has space", "line\nbreak", strings.Repeat("k", 129)} {
		if _, err := c.Send(context.Background(), to, "Hej", key); !sms.IsPermanent(err) {
			t.Errorf("key %q: error %v, want permanent", key, err)
		}
	}
	if len(fake.Sent("")) != 0 {
		t.Error("a message was sent")
	}
}
