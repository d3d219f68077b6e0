package digitalpost

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzInterpret: NgDP's answer (or a proxy's page in its place) is read by
// interpret. For any status and body it does not panic, nothing it returns
// carries a CPR number (a UUID aside), and the classification holds: 2xx
// with a JSON receipt is a receipt unless INVALID / NOT_ALLOWED (permanent),
// 429 and 5xx may heal, other 4xx do not.
func FuzzInterpret(f *testing.F) {
	f.Add(200, []byte(`{"messageUUID":"6f1c1c3e-5b7a-4d8e-9a51-2f1e0c9d8b7a","status":"RECEIVED"}`), true)
	f.Add(200, []byte(`{"status":"not_allowed","detail":"0101704001 er fritaget"}`), true)
	f.Add(400, []byte(`{"errorCode":"E1","errorMessage":"CPR 010170-4001 ukendt"}`), true)
	f.Add(503, []byte("<html>down</html>"), false)
	f.Add(202, []byte(""), true)
	f.Add(200, []byte("\xff\xfe{"), false)
	f.Fuzz(func(t *testing.T, code int, raw []byte, send bool) {
		if code < 100 || code > 999 {
			return
		}
		op := "receipt"
		if send {
			op = "send"
		}
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {"7"}}}
		rcpt, err := interpret(op, "6f1c1c3e-5b7a-4d8e-9a51-2f1e0c9d8b7a", resp, raw)
		texts := []string{rcpt.MessageUUID, rcpt.Detail}
		var e *Error
		if err != nil {
			if !errors.As(err, &e) {
				t.Fatalf("error %T: %v", err, err)
			}
			texts = append(texts, e.Body, e.Message, err.Error())
		}
		for _, s := range texts[1:] {
			if bounded := strings.TrimSpace(s); len(bounded) > 4*maxErrorBody {
				t.Fatalf("an unbounded text of %d bytes", len(s))
			}
			for _, m := range cprLike.FindAllString(s, -1) {
				if !uuidPattern.MatchString(m) {
					t.Fatalf("%q carries %q", s, m)
				}
			}
		}
		switch {
		case code >= 200 && code < 300 && err == nil:
			if rcpt.Status == StatusInvalid || rcpt.Status == StatusNotAllowed {
				t.Fatalf("a refusing receipt passed: %+v", rcpt)
			}
		case code >= 200 && code < 300:
			if e.ReceiptStatus != "" && !e.Permanent {
				t.Fatalf("a refusing receipt is not permanent: %+v", e)
			}
		case err == nil:
			t.Fatalf("status %d gave a receipt", code)
		case e.ReceiptStatus == "" && (code == 429 || code == 408 || code >= 500) == e.Permanent:
			t.Fatalf("status %d: permanent = %v", code, e.Permanent)
		}
	})
}
