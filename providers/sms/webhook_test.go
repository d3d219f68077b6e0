package sms_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/providers/sms"
)

const testToken = "0123456789abcdef0123456789abcdef"

func inboundForm() url.Values {
	return url.Values{
		"From":       {"+4520123456"},
		"To":         {"+4570000000"},
		"Body":       {"Ja 4821"},
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"},
		"AccountSid": {"AC0123456789abcdef0123456789abcdef"},
	}
}

func TestValidSignature(t *testing.T) {
	const publicURL = "https://valg.example.dk/sms/inbound"
	form := inboundForm()
	sig := smsfake.Sign(testToken, publicURL, form)

	// Twilio's documented example (twilio.com/docs/usage/webhooks/webhooks-security).
	twilioForm := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"},
	}
	if !sms.ValidSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", twilioForm, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=") {
		t.Error("Twilio's documented example does not validate")
	}

	tampered := inboundForm()
	tampered.Set("Body", "Nej 4821")
	added := inboundForm()
	added.Set("Extra", "x")
	dup := inboundForm()
	dup.Add("Body", "Nej")
	tests := []struct {
		name      string
		token     string
		url       string
		form      url.Values
		signature string
		want      bool
	}{
		{"genuine", testToken, publicURL, form, sig, true},
		{"explicit default port", testToken, "https://valg.example.dk:443/sms/inbound", form, sig, true},
		{"tampered body", testToken, publicURL, tampered, sig, false},
		{"added field", testToken, publicURL, added, sig, false},
		{"repeated field", testToken, publicURL, dup, sig, false},
		{"missing signature", testToken, publicURL, form, "", false},
		{"different URL", testToken, "https://valg.example.dk/sms/status", form, sig, false},
		{"http instead of https", testToken, "http://valg.example.dk/sms/inbound", form, sig, false},
		{"query added", testToken, publicURL + "?x=1", form, sig, false},
		{"other token", "fedcba9876543210fedcba9876543210", publicURL, form, sig, false},
		{"empty token", "", publicURL, form, smsfake.Sign("", publicURL, form), false},
		{"garbage signature", testToken, publicURL, form, "not base64!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.ValidSignature(tt.token, tt.url, tt.form, tt.signature); got != tt.want {
				t.Fatalf("ValidSignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTwiML(t *testing.T) {
	tests := []struct{ message, want string }{
		{"", `<?xml version="1.0" encoding="UTF-8"?><Response/>`},
		{"Tak for dit svar!", `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tak for dit svar!</Message></Response>`},
		{`<b>&"Æ"</b>`, `<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;b&gt;&amp;&#34;Æ&#34;&lt;/b&gt;</Message></Response>`},
		{"</Message><Redirect>https://evil.example</Redirect>", `<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;/Message&gt;&lt;Redirect&gt;https://evil.example&lt;/Redirect&gt;</Message></Response>`},
		{"linje 1\nlinje 2", `<?xml version="1.0" encoding="UTF-8"?><Response><Message>linje 1&#xA;linje 2</Message></Response>`},
	}
	for _, tt := range tests {
		if got := string(sms.TwiML(tt.message)); got != tt.want {
			t.Errorf("TwiML(%q) =\n%s\nwant\n%s", tt.message, got, tt.want)
		}
	}
}

func TestParseInbound(t *testing.T) {
	in, err := sms.ParseInbound(inboundForm())
	if err != nil {
		t.Fatal(err)
	}
	want := sms.Inbound{From: "+4520123456", To: "+4570000000", Body: "Ja 4821", MessageSID: "SM0123456789abcdef0123456789abcdef"}
	if in != want {
		t.Fatalf("ParseInbound = %+v, want %+v", in, want)
	}

	emptyBody := inboundForm()
	emptyBody.Set("Body", "")
	if in, err := sms.ParseInbound(emptyBody); err != nil || in.Body != "" {
		t.Errorf("an empty Body (a picture without text) = %+v, %v; want accepted", in, err)
	}
	maxBody := inboundForm()
	maxBody.Set("Body", strings.Repeat("å", 1600))
	if _, err := sms.ParseInbound(maxBody); err != nil {
		t.Errorf("1600 characters (3200 bytes): %v", err)
	}

	tests := []struct {
		name   string
		change func(url.Values)
		field  string
	}{
		{"missing From", func(f url.Values) { f.Del("From") }, "From"},
		{"From not E.164", func(f url.Values) { f.Set("From", "20123456") }, "From"},
		{"From with letters", func(f url.Values) { f.Set("From", "Kommunen") }, "From"},
		{"To not E.164", func(f url.Values) { f.Set("To", "70000000") }, "To"},
		{"missing Body", func(f url.Values) { f.Del("Body") }, "Body"},
		{"oversized Body", func(f url.Values) { f.Set("Body", strings.Repeat("a", 1601)) }, "Body"},
		{"invalid UTF-8", func(f url.Values) { f.Set("Body", "ja \xff") }, "Body"},
		{"missing MessageSid", func(f url.Values) { f.Del("MessageSid") }, "MessageSid"},
		{"bad MessageSid", func(f url.Values) { f.Set("MessageSid", "SM123") }, "MessageSid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := inboundForm()
			tt.change(f)
			_, err := sms.ParseInbound(f)
			var ie *sms.InboundError
			if !asInboundError(err, &ie) || ie.Field != tt.field {
				t.Fatalf("ParseInbound error = %v, want an *InboundError for %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "2012") || strings.Contains(err.Error(), "aaaa") {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

func asInboundError(err error, target **sms.InboundError) bool {
	if !sms.IsInboundError(err) {
		return false
	}
	*target = err.(*sms.InboundError)
	return true
}

func TestParseStatusCallback(t *testing.T) {
	const sid = "SM0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		form    url.Values
		want    sms.StatusCallback
		final   bool
		failed  bool
		wantErr string
	}{
		{"delivered", url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}}, sms.StatusCallback{MessageSID: sid, Status: "delivered"}, true, false, ""},
		{"sent", url.Values{"MessageSid": {sid}, "MessageStatus": {"sent"}, "SmsStatus": {"sent"}}, sms.StatusCallback{MessageSID: sid, Status: "sent"}, false, false, ""},
		{"undelivered with code", url.Values{"MessageSid": {sid}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}, sms.StatusCallback{MessageSID: sid, Status: "undelivered", ErrorCode: 30003}, true, true, ""},
		{"failed opted out", url.Values{"MessageSid": {sid}, "MessageStatus": {"failed"}, "ErrorCode": {"21610"}}, sms.StatusCallback{MessageSID: sid, Status: "failed", ErrorCode: 21610}, true, true, ""},
		{"old SmsStatus only", url.Values{"MessageSid": {sid}, "SmsStatus": {"queued"}}, sms.StatusCallback{MessageSID: sid, Status: "queued"}, false, false, ""},
		{"read", url.Values{"MessageSid": {sid}, "MessageStatus": {"read"}}, sms.StatusCallback{MessageSID: sid, Status: "read"}, true, false, ""},
		{"received", url.Values{"MessageSid": {sid}, "MessageStatus": {"received"}}, sms.StatusCallback{MessageSID: sid, Status: "received"}, false, false, ""},
		{"unknown status", url.Values{"MessageSid": {sid}, "MessageStatus": {"exploded"}}, sms.StatusCallback{}, false, false, "MessageStatus"},
		{"upper-case status", url.Values{"MessageSid": {sid}, "MessageStatus": {"DELIVERED"}}, sms.StatusCallback{}, false, false, "MessageStatus"},
		{"missing status", url.Values{"MessageSid": {sid}}, sms.StatusCallback{}, false, false, "MessageStatus"},
		{"missing sid", url.Values{"MessageStatus": {"sent"}}, sms.StatusCallback{}, false, false, "MessageSid"},
		{"bad sid", url.Values{"MessageSid": {"x"}, "MessageStatus": {"sent"}}, sms.StatusCallback{}, false, false, "MessageSid"},
		{"bad error code", url.Values{"MessageSid": {sid}, "MessageStatus": {"failed"}, "ErrorCode": {"x"}}, sms.StatusCallback{}, false, false, "ErrorCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sms.ParseStatusCallback(tt.form)
			if tt.wantErr != "" {
				var ie *sms.InboundError
				if !asInboundError(err, &ie) || ie.Field != tt.wantErr {
					t.Fatalf("error = %v, want one for %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStatusCallback = %+v, %v; want %+v", got, err, tt.want)
			}
			if got.Final() != tt.final || got.Failed() != tt.failed {
				t.Errorf("Final, Failed = %v, %v; want %v, %v", got.Final(), got.Failed(), tt.final, tt.failed)
			}
		})
	}
}

func TestVerifiedForm(t *testing.T) {
	const public = "https://valg.example.dk/sms/inbound"
	form := inboundForm()
	request := func(method, target, contentType, body, signature string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if signature != "" {
			r.Header.Set(sms.SignatureHeader, signature)
		}
		return r
	}
	sig := smsfake.Sign(testToken, public, form)
	sigQuery := smsfake.Sign(testToken, public+"?tenant=0370", form)
	tampered := inboundForm()
	tampered.Set("Body", "Nej")
	const ct = "application/x-www-form-urlencoded"

	tests := []struct {
		name   string
		req    *http.Request
		badSig bool
		ok     bool
	}{
		{"genuine", request("POST", "http://127.0.0.1:8080/sms/inbound", ct, form.Encode(), sig), false, true},
		{"charset in content type", request("POST", "http://127.0.0.1:8080/sms/inbound", ct+"; charset=utf-8", form.Encode(), sig), false, true},
		{"query appended", request("POST", "http://127.0.0.1:8080/sms/inbound?tenant=0370", ct, form.Encode(), sigQuery), false, true},
		{"query not signed", request("POST", "http://127.0.0.1:8080/sms/inbound?tenant=0370", ct, form.Encode(), sig), true, false},
		{"tampered", request("POST", "http://127.0.0.1:8080/sms/inbound", ct, tampered.Encode(), sig), true, false},
		{"unsigned", request("POST", "http://127.0.0.1:8080/sms/inbound", ct, form.Encode(), ""), true, false},
		{"GET", request("GET", "http://127.0.0.1:8080/sms/inbound?"+form.Encode(), "", "", sig), false, false},
		{"JSON", request("POST", "http://127.0.0.1:8080/sms/inbound", "application/json", `{}`, sig), false, false},
		{"too large", request("POST", "http://127.0.0.1:8080/sms/inbound", ct, "Body="+strings.Repeat("a", sms.MaxWebhookBytes), sig), false, false},
		{"malformed", request("POST", "http://127.0.0.1:8080/sms/inbound", ct, "a=%zz", sig), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sms.VerifiedForm(tt.req, testToken, public)
			if tt.ok {
				if err != nil || got.Get("Body") != "Ja 4821" || got.Has("tenant") {
					t.Fatalf("VerifiedForm = %v, %v", got, err)
				}
				return
			}
			if err == nil {
				t.Fatal("VerifiedForm accepted the request")
			}
			if errors.Is(err, sms.ErrBadSignature) != tt.badSig {
				t.Fatalf("error %v; want ErrBadSignature: %v", err, tt.badSig)
			}
		})
	}
}
