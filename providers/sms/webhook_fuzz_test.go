package sms_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/providers/sms"
)

// FuzzWebhookForm: Twilio's webhooks are reachable by anyone. For any body,
// query and signature: VerifiedForm does not panic and hands out a form
// only when the signature is Twilio's over exactly that body (an unsigned
// request never gets through, a well-formed signed one always does), and
// ParseInbound / ParseStatusCallback accept only what they promise.
func FuzzWebhookForm(f *testing.F) {
	const token, public = "0123456789abcdef0123456789abcdef", "https://valg.example.dk/webhooks/twilio/sms"
	sid := "SM" + strings.Repeat("a", 32)
	for _, s := range []string{
		"From=%2B4520304050&To=%2B4570707070&Body=JA+4821&MessageSid=" + sid,
		"MessageSid=" + sid + "&MessageStatus=undelivered&ErrorCode=21610",
		"From=%2B4520304050&Body=JA&Body=NEJ&MessageSid=" + sid,
		"Body=%FF%FE&From=%2B4520304050&MessageSid=" + sid,
		"From=%zz", "", "&&&=", "MessageStatus=delivered&SmsStatus=failed&MessageSid=SMx",
	} {
		f.Add(s, "", true)
		f.Add(s, "a=1", false)
	}
	f.Fuzz(func(t *testing.T, body, query string, signed bool) {
		signedURL := public
		if query != "" {
			signedURL += "?" + query
		}
		parsed, parseErr := url.ParseQuery(body)
		sig := ""
		if signed && parseErr == nil {
			sig = smsfake.Sign(token, signedURL, parsed)
		}
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/webhooks/twilio/sms", RawQuery: query},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, sms.SignatureHeader: {sig}},
			Body:   io.NopCloser(strings.NewReader(body))}
		form, err := sms.VerifiedForm(req, token, public)
		if sig == "" && err == nil {
			t.Fatalf("an unsigned request got through: %q", body)
		}
		once := true
		for _, v := range parsed {
			once = once && len(v) == 1
		}
		if sig != "" && query == "" && once && len(body) <= sms.MaxWebhookBytes && len(parsed) <= sms.MaxWebhookFields && err != nil {
			t.Fatalf("a request signed as Twilio signs was refused: %v (%q)", err, body)
		}
		if err != nil {
			return
		}
		if in, err := sms.ParseInbound(form); err == nil {
			if !sms.ValidE164(in.From) || (in.To != "" && !sms.ValidE164(in.To)) || !utf8.ValidString(in.Body) ||
				utf8.RuneCountInString(in.Body) > sms.MaxBodyChars || len(in.MessageSID) != 34 {
				t.Fatalf("ParseInbound accepted %+v", in)
			}
		} else if !sms.IsInboundError(err) {
			t.Fatalf("ParseInbound: %v", err)
		}
		if cb, err := sms.ParseStatusCallback(form); err == nil {
			if len(cb.MessageSID) != 34 || cb.Status == "" || cb.ErrorCode < 0 {
				t.Fatalf("ParseStatusCallback accepted %+v", cb)
			}
		} else if !sms.IsInboundError(err) {
			t.Fatalf("ParseStatusCallback: %v", err)
		}
	})
}
