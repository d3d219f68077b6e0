package smsfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/providers/sms"
)

const (
	citizen   = "+4520123456"
	publicURL = "https://valg.example.dk/sms/inbound"
)

// app is a minimal inbound webhook as the web handler will be: it checks the
// signature against its public URL (403 otherwise), parses the message and
// answers with TwiML.
type app struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	received []sms.Inbound
}

func newApp(t *testing.T, token string) *app {
	a := &app{token: token}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, err := sms.VerifiedForm(r, a.token, publicURL)
		if errors.Is(err, sms.ErrBadSignature) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		in, err := sms.ParseInbound(form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.received = append(a.received, in)
		a.mu.Unlock()
		var answer string
		switch reply := sms.ParseReply(in.Body); reply.Answer {
		case sms.Yes:
			answer = "Tak! Du er tilmeldt (" + reply.Code + ")."
		case sms.No:
			answer = "Tak for dit svar."
		case sms.OptOut:
			answer = ""
		default:
			answer = "Svar JA eller NEJ."
		}
		w.Header().Set("Content-Type", sms.TwiMLContentType)
		w.Write(sms.TwiML(answer))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func start(t *testing.T, opts smsfake.Options) *smsfake.Server {
	t.Helper()
	f, err := smsfake.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReplyRoundTrip(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	a := newApp(t, token)
	f := start(t, smsfake.Options{AuthToken: token, InboundURL: a.srv.URL + "/sms/inbound", PublicInboundURL: publicURL})

	twiml, err := f.Reply(context.Background(), citizen, "Ja 4821")
	if err != nil {
		t.Fatal(err)
	}
	if want := string(sms.TwiML("Tak! Du er tilmeldt (4821).")); twiml != want {
		t.Fatalf("Reply = %s, want %s", twiml, want)
	}
	a.mu.Lock()
	got := a.received
	a.mu.Unlock()
	if len(got) != 1 || got[0].From != citizen || got[0].To != f.From() || got[0].Body != "Ja 4821" || !strings.HasPrefix(got[0].MessageSID, "SM") {
		t.Fatalf("the app received %+v", got)
	}
	msgs := f.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages %+v, want the inbound one and the reply", msgs)
	}
	if msgs[0].Direction != smsfake.DirectionInbound || msgs[0].SID != got[0].MessageSID || msgs[0].Body != "Ja 4821" {
		t.Errorf("inbound message %+v", msgs[0])
	}
	if msgs[1].Direction != smsfake.DirectionOutboundReply || msgs[1].To != citizen || msgs[1].Body != "Tak! Du er tilmeldt (4821)." {
		t.Errorf("reply message %+v", msgs[1])
	}
}

func TestReplyRefusedWithWrongSignature(t *testing.T) {
	a := newApp(t, "0123456789abcdef0123456789abcdef")
	// The fake signs with another token, and in a second case over the
	// loopback URL instead of the public one: the app must refuse both.
	other := start(t, smsfake.Options{AuthToken: "fedcba9876543210fedcba9876543210", InboundURL: a.srv.URL + "/sms/inbound", PublicInboundURL: publicURL})
	loopback := start(t, smsfake.Options{AuthToken: a.token, InboundURL: a.srv.URL + "/sms/inbound"})
	for name, f := range map[string]*smsfake.Server{"other token": other, "loopback URL": loopback} {
		_, err := f.Reply(context.Background(), citizen, "ja")
		var he *smsfake.HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusForbidden {
			t.Errorf("%s: Reply error = %v, want the app's 403", name, err)
		}
	}
	if len(a.received) != 0 {
		t.Error("the app accepted a message with a bad signature")
	}
}

func TestReplyStopOptsOutAsTwilio(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	a := newApp(t, token)
	f := start(t, smsfake.Options{AuthToken: token, InboundURL: a.srv.URL, PublicInboundURL: publicURL})
	c, err := sms.NewClient(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := f.Reply(ctx, citizen, "stop venligst"); err != nil {
		t.Fatal(err)
	}
	if f.OptedOut(citizen) {
		t.Fatal("a two-word message opted the number out; Twilio does not")
	}
	twiml, err := f.Reply(ctx, citizen, "STOP")
	if err != nil {
		t.Fatal(err)
	}
	if twiml != string(sms.TwiML("")) || !f.OptedOut(citizen) {
		t.Fatalf("after STOP: answer %s, opted out %v", twiml, f.OptedOut(citizen))
	}
	_, err = c.Send(ctx, citizen, "Påmindelse", "k1")
	var e *sms.Error
	if !errors.As(err, &e) || e.Code != sms.CodeOptedOut || !e.Permanent {
		t.Fatalf("Send after STOP = %v, want permanent 21610", err)
	}
	if _, err := f.Reply(ctx, citizen, "START"); err != nil {
		t.Fatal(err)
	}
	if f.OptedOut(citizen) {
		t.Fatal("START did not opt the number in")
	}
	if _, err := c.Send(ctx, citizen, "Påmindelse", "k2"); err != nil {
		t.Fatalf("Send after START: %v", err)
	}
}

func TestReplyNeedsInboundURL(t *testing.T) {
	f := start(t, smsfake.Options{})
	if _, err := f.Reply(context.Background(), citizen, "ja"); err == nil {
		t.Fatal("Reply without InboundURL succeeded")
	}
}

// The wire format, without twilio-go: what any Twilio client would see.
func TestCreateMessageWire(t *testing.T) {
	f := start(t, smsfake.Options{StatusCallbackURL: "https://valg.example.dk/sms/status"})
	cfg := f.Config()
	post := func(form url.Values, user, pass, token string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "https://api.twilio.com/2010-04-01/Accounts/"+cfg.AccountSID+"/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		if token != "" {
			req.Header.Set(sms.IdempotencyHeader, token)
		}
		resp, err := f.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	form := url.Values{"To": {citizen}, "Body": {"Hej"}, "MessagingServiceSid": {cfg.MessagingServiceSID}}

	status, body := post(form, cfg.AccountSID, cfg.AuthToken, "t1")
	if status != http.StatusCreated || body["status"] != "accepted" || body["to"] != citizen || body["messaging_service_sid"] != cfg.MessagingServiceSID || body["account_sid"] != cfg.AccountSID {
		t.Fatalf("create: %d %v", status, body)
	}
	sid, _ := body["sid"].(string)
	if len(sid) != 34 || !strings.HasPrefix(sid, "SM") {
		t.Fatalf("sid %q", sid)
	}

	for name, tc := range map[string]struct {
		form       url.Values
		user, pass string
		status     int
		code       float64
	}{
		"wrong token":     {form, cfg.AccountSID, "fedcba9876543210fedcba9876543210", 401, 20003},
		"no credentials":  {form, "", "", 401, 20003},
		"invalid number":  {url.Values{"To": {"+45123"}, "Body": {"Hej"}, "MessagingServiceSid": {cfg.MessagingServiceSID}}, cfg.AccountSID, cfg.AuthToken, 400, 21211},
		"no To":           {url.Values{"Body": {"Hej"}, "MessagingServiceSid": {cfg.MessagingServiceSID}}, cfg.AccountSID, cfg.AuthToken, 400, 21604},
		"no Body":         {url.Values{"To": {citizen}, "MessagingServiceSid": {cfg.MessagingServiceSID}}, cfg.AccountSID, cfg.AuthToken, 400, 21602},
		"no sender":       {url.Values{"To": {citizen}, "Body": {"Hej"}}, cfg.AccountSID, cfg.AuthToken, 400, 21603},
		"unknown service": {url.Values{"To": {citizen}, "Body": {"Hej"}, "MessagingServiceSid": {"MG00000000000000000000000000000000"}}, cfg.AccountSID, cfg.AuthToken, 400, 21705},
		"body over 1600":  {url.Values{"To": {citizen}, "Body": {strings.Repeat("a", 1601)}, "MessagingServiceSid": {cfg.MessagingServiceSID}}, cfg.AccountSID, cfg.AuthToken, 400, 21617},
	} {
		status, body := post(tc.form, tc.user, tc.pass, "")
		if status != tc.status || body["code"] != tc.code || body["status"] != float64(tc.status) || body["message"] == "" || !strings.HasPrefix(body["more_info"].(string), "https://www.twilio.com/docs/errors/") {
			t.Errorf("%s: %d %v; want %d with code %v", name, status, body, tc.status, tc.code)
		}
	}
	if n := len(f.Sent("")); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

func TestHTTPClientRefusesOtherHosts(t *testing.T) {
	f := start(t, smsfake.Options{})
	for _, u := range []string{"https://example.com/", "https://twilio.com.evil.example/x", "http://127.0.0.1:1/"} {
		resp, err := f.HTTPClient().Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s went through", u)
		}
	}
}

func TestCallbackAddrPostsElsewhereSignsPublicURL(t *testing.T) {
	got := make(chan *http.Request, 4)
	forms := make(chan url.Values, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got <- r
		forms <- r.PostForm
	}))
	defer rcv.Close()
	const public = "https://valg.example.dk/sms/status"
	f := start(t, smsfake.Options{StatusCallbackURL: public, CallbackAddr: strings.TrimPrefix(rcv.URL, "http://")})
	c, err := sms.NewClient(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), citizen, "Hej", "k"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		form := <-forms
		if r.URL.Path != "/sms/status" {
			t.Errorf("posted to %s", r.URL.Path)
		}
		// Send puts the message's id in the callback URL; Twilio signs the
		// URL as given.
		if !sms.ValidSignature(f.AuthToken(), public+"?message=k", form, r.Header.Get(sms.SignatureHeader)) {
			t.Error("the signature is not over the public URL")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no callback")
	}
}

func TestFailDeliveryAndMessagesAreCopies(t *testing.T) {
	f := start(t, smsfake.Options{})
	f.FailDelivery(citizen, 30001)
	c, err := sms.NewClient(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), citizen, "Hej", "k"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for f.Messages()[0].Status != sms.StatusFailed {
		if time.Now().After(deadline) {
			t.Fatal("the message never failed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	m := f.Messages()
	if m[0].ErrorCode != 30001 {
		t.Errorf("error code %d", m[0].ErrorCode)
	}
	m[0].Body = "changed"
	if f.Messages()[0].Body != "Hej" {
		t.Error("Messages returns the fake's own records")
	}
}

func TestSignMatchesTwilioExample(t *testing.T) {
	// twilio.com/docs/usage/webhooks/webhooks-security
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"},
	}
	if got := smsfake.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Fatalf("Sign = %s", got)
	}
}
