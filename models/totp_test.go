package models

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 key of RFC 4226 Appendix D and RFC 6238 Appendix B,
// the ASCII string "12345678901234567890".
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

func TestTOTPRFCSecretEncoding(t *testing.T) {
	if rfcSecret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("rfcSecret = %q", rfcSecret)
	}
}

func TestHOTPRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	key := []byte("12345678901234567890")
	for c, w := range want {
		if got := hotp(key, uint64(c), 6); got != w {
			t.Errorf("HOTP counter %d = %s, want %s", c, got, w)
		}
	}
}

func TestTOTPRFC6238(t *testing.T) {
	// RFC 6238 Appendix B, SHA-1 rows (8 digits).
	tests := []struct {
		unix    int64
		counter int64
		want8   string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	}
	key := []byte("12345678901234567890")
	for _, tt := range tests {
		tm := time.Unix(tt.unix, 0)
		c, err := totpCounter(tm)
		if err != nil || c != tt.counter {
			t.Errorf("counter(%d) = %#x, %v; want %#x", tt.unix, c, err, tt.counter)
		}
		if got := hotp(key, uint64(c), 8); got != tt.want8 {
			t.Errorf("8-digit TOTP at %d = %s, want %s", tt.unix, got, tt.want8)
		}
		// Six digits are the last six of the eight: both are the same
		// truncated value modulo a power of ten.
		want6 := tt.want8[2:]
		got, err := TOTPCode(rfcSecret, tm)
		if err != nil || got != want6 {
			t.Errorf("TOTPCode at %d = %q, %v; want %s", tt.unix, got, err, want6)
		}
		// The time zone of t must not matter.
		got, err = TOTPCode(rfcSecret, tm.In(time.FixedZone("CEST", 2*3600)))
		if err != nil || got != want6 {
			t.Errorf("TOTPCode in CEST at %d = %q, %v; want %s", tt.unix, got, err, want6)
		}
		n, ok := VerifyTOTP(rfcSecret, want6, tm, 0)
		if !ok || n != tt.counter {
			t.Errorf("VerifyTOTP(%s) at %d = %d, %v; want %d, true", want6, tt.unix, n, ok, tt.counter)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s, err := NewTOTPSecret()
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 32 || strings.ContainsAny(s, "= ") || strings.ToUpper(s) != s {
			t.Fatalf("secret %q: want 32 upper-case base32 characters without padding", s)
		}
		key, err := decodeTOTPSecret(s)
		if err != nil || len(key) != 20 {
			t.Fatalf("decode %q: %d bytes, %v", s, len(key), err)
		}
		if seen[s] {
			t.Fatalf("secret %q repeated", s)
		}
		seen[s] = true
		code, err := TOTPCode(s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := VerifyTOTP(s, code, time.Now(), 0); !ok {
			t.Fatalf("own code %s refused", code)
		}
	}
}

func TestTOTPSecretAsTyped(t *testing.T) {
	// Lower case, groups of four and padding are how people copy secrets.
	tm := time.Unix(1234567890, 0)
	typed := []string{
		"gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
	}
	for _, s := range typed {
		got, err := TOTPCode(s, tm)
		if err != nil || got != "005924" {
			t.Errorf("TOTPCode(%q) = %q, %v; want 005924", s, got, err)
		}
	}
}

func TestTOTPSecretLengths(t *testing.T) {
	now := time.Unix(1234567890, 0)
	// 16 bytes (the RFC 4226 minimum) and 17 bytes (a partial final group).
	for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY", "GEZDGNBVGY3TQOJQGEZDGNBVGY3Q"} {
		code, err := TOTPCode(s, now)
		if err != nil {
			t.Errorf("TOTPCode(%q): %v", s, err)
			continue
		}
		if _, ok := VerifyTOTP(s, code, now, 0); !ok {
			t.Errorf("VerifyTOTP(%q, %s) refused", s, code)
		}
	}
}

func TestVerifyTOTPDrift(t *testing.T) {
	// Mid-step, so ±30 s is exactly one step away.
	now := time.Unix(1700000015, 0)
	cur, _ := totpCounter(now)
	tests := []struct {
		offset time.Duration
		ok     bool
	}{
		{-2 * totpPeriod * time.Second, false},
		{-totpPeriod * time.Second, true},
		{0, true},
		{totpPeriod * time.Second, true},
		{2 * totpPeriod * time.Second, false},
	}
	for _, tt := range tests {
		code, err := TOTPCode(rfcSecret, now.Add(tt.offset))
		if err != nil {
			t.Fatal(err)
		}
		n, ok := VerifyTOTP(rfcSecret, code, now, 0)
		if ok != tt.ok {
			t.Errorf("code of now%+v: ok = %v, want %v", tt.offset, ok, tt.ok)
			continue
		}
		wantN := cur + int64(tt.offset/(totpPeriod*time.Second))
		if ok && n != wantN {
			t.Errorf("code of now%+v: counter %d, want %d", tt.offset, n, wantN)
		}
		if !ok && n != 0 {
			t.Errorf("refused code returned counter %d", n)
		}
	}
}

func TestVerifyTOTPStepBoundary(t *testing.T) {
	// The last second of a step and the first of the next.
	start := time.Unix(1111111110, 0) // 1111111110 is a multiple of 30
	prev, _ := TOTPCode(rfcSecret, start.Add(-time.Second))
	next, _ := TOTPCode(rfcSecret, start)
	if prev == next {
		t.Fatal("adjacent steps share a code; pick another time")
	}
	if prev != "081804" || next != "050471" {
		t.Fatalf("codes %s, %s; want 081804, 050471", prev, next)
	}
}

func TestVerifyTOTPReplay(t *testing.T) {
	now := time.Unix(1700000015, 0)
	code, _ := TOTPCode(rfcSecret, now)
	n, ok := VerifyTOTP(rfcSecret, code, now, 0)
	if !ok {
		t.Fatal("fresh code refused")
	}
	if _, ok := VerifyTOTP(rfcSecret, code, now, n); ok {
		t.Error("same code accepted twice")
	}
	if _, ok := VerifyTOTP(rfcSecret, code, now.Add(20*time.Second), n); ok {
		t.Error("same code accepted again in the next step")
	}
	// Once the current step is used, the previous step's code (still inside
	// the drift window) is refused too.
	old, _ := TOTPCode(rfcSecret, now.Add(-totpPeriod*time.Second))
	if _, ok := VerifyTOTP(rfcSecret, old, now, n); ok {
		t.Error("older code accepted after a newer one was used")
	}
	// The next step's code is still good.
	newer, _ := TOTPCode(rfcSecret, now.Add(totpPeriod*time.Second))
	if m, ok := VerifyTOTP(rfcSecret, newer, now, n); !ok || m != n+1 {
		t.Errorf("next step's code: %d, %v; want %d, true", m, ok, n+1)
	}
	// lastUsed above the whole window refuses everything.
	if _, ok := VerifyTOTP(rfcSecret, newer, now, n+1); ok {
		t.Error("code accepted with lastUsed at its counter")
	}
}

func TestVerifyTOTPCodeForms(t *testing.T) {
	now := time.Unix(1234567890, 0) // code 005924
	accept := []string{"005924", " 005924 ", "\t005924\n", "005 924", "  005 924  "}
	for _, c := range accept {
		if _, ok := VerifyTOTP(rfcSecret, c, now, 0); !ok {
			t.Errorf("VerifyTOTP(%q) refused", c)
		}
	}
	reject := []string{
		"", " ", "5924", "05924", "0059240", "00592", "0059 24", "00 5924", "005  924",
		"005-924", "005\t924", "oo5924", "+05924", "-05924", "0x5924", "5924.0",
		"００５９２４", // full-width digits
		"٠٠٥٩٢٤", // Arabic-Indic digits
		"005924\x00", "005 924 1", "005924005924", "000000", "999999",
	}
	for _, c := range reject {
		if n, ok := VerifyTOTP(rfcSecret, c, now, 0); ok || n != 0 {
			t.Errorf("VerifyTOTP(%q) = %d, %v; want refused", c, n, ok)
		}
	}
}

func TestTOTPMalformedSecret(t *testing.T) {
	now := time.Unix(1234567890, 0)
	bad := []string{
		"",
		"   ",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", // 1 is not base32
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ!",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA", // impossible length
		"GEZDGNBVGY3TQOJQ",                  // 10 bytes: below 128 bits
		"GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ", // padding in the middle
		"ÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅÆØÅ", // non-ASCII
		"\xff\xfe\xfd",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3R", // 17 bytes with stray low bits (…Q is canonical)
	}
	for _, s := range bad {
		if code, err := TOTPCode(s, now); err == nil {
			t.Errorf("TOTPCode(%q) = %q, want error", s, code)
		}
		if n, ok := VerifyTOTP(s, "005924", now, 0); ok || n != 0 {
			t.Errorf("VerifyTOTP with secret %q = %d, %v; want refused", s, n, ok)
		}
	}
}

func TestTOTPBeforeEpoch(t *testing.T) {
	if _, err := TOTPCode(rfcSecret, time.Unix(-1, 0)); err == nil {
		t.Error("TOTPCode before 1970: want error")
	}
	if _, ok := VerifyTOTP(rfcSecret, "755224", time.Unix(-1, 0), -10); ok {
		t.Error("VerifyTOTP before 1970 accepted")
	}
	// In the very first step there is no step -1; counter 0 still works.
	if n, ok := VerifyTOTP(rfcSecret, "755224", time.Unix(5, 0), -1); !ok || n != 0 {
		t.Errorf("VerifyTOTP at step 0 = %d, %v; want 0, true", n, ok)
	}
	var zero time.Time
	if _, err := TOTPCode(rfcSecret, zero); err == nil {
		t.Error("TOTPCode at zero time: want error")
	}
}

func TestTOTPURI(t *testing.T) {
	tests := []struct {
		issuer, account string
	}{
		{"Valghalla – Århus Kommune", "søren.ærø@kommune.dk"},
		{"Valghalla – Høje-Taastrup", "a+b@example.dk"},
		{"Valghalla – Lyngby: Taarbæk", "x:y&secret=EVIL#frag?q=1%20/%2F"},
		{"Valghalla – Ø", "plain@example.dk"},
	}
	for _, tt := range tests {
		raw := TOTPURI(rfcSecret, tt.issuer, tt.account)
		if strings.ContainsAny(raw, " +#") || strings.ContainsFunc(raw, func(r rune) bool { return r > 0x7e || r < 0x21 }) {
			t.Errorf("URI %q: contains raw space, '+', '#', control or non-ASCII", raw)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", raw, err)
		}
		if u.Scheme != "otpauth" || u.Host != "totp" {
			t.Errorf("URI %q: scheme %q host %q", raw, u.Scheme, u.Host)
		}
		// The label's separator is the only literal colon; split the
		// escaped path there and unescape each half.
		label := strings.TrimPrefix(u.EscapedPath(), "/")
		i := strings.IndexByte(label, ':')
		if i < 0 || strings.Count(label, ":") != 1 {
			t.Fatalf("label %q: want exactly one literal ':'", label)
		}
		gotIssuer, err1 := url.PathUnescape(label[:i])
		gotAccount, err2 := url.PathUnescape(label[i+1:])
		if err1 != nil || err2 != nil || gotIssuer != tt.issuer || gotAccount != tt.account {
			t.Errorf("label %q = %q : %q, want %q : %q", label, gotIssuer, gotAccount, tt.issuer, tt.account)
		}
		if u.Path != "/"+tt.issuer+":"+tt.account {
			t.Errorf("decoded path %q", u.Path)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("query of %q: %v", raw, err)
		}
		want := url.Values{
			"secret":    {rfcSecret},
			"issuer":    {tt.issuer},
			"algorithm": {"SHA1"},
			"digits":    {"6"},
			"period":    {"30"},
		}
		if len(q) != len(want) {
			t.Errorf("query %v, want %v", q, want)
		}
		for k, v := range want {
			if len(q[k]) != 1 || q[k][0] != v[0] {
				t.Errorf("query %s = %q, want %q", k, q[k], v)
			}
		}
	}
}

func TestTOTPURIExact(t *testing.T) {
	got := TOTPURI(rfcSecret, "Valghalla – Aarhus", "ole@aarhus.dk")
	want := "otpauth://totp/Valghalla%20%E2%80%93%20Aarhus:ole@aarhus.dk" +
		"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Valghalla%20%E2%80%93%20Aarhus" +
		"&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("TOTPURI =\n%s\nwant\n%s", got, want)
	}
	// A typed secret is normalised in the URI.
	got = TOTPURI("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "Valghalla – Aarhus", "ole@aarhus.dk")
	if got != want {
		t.Errorf("TOTPURI with typed secret =\n%s\nwant\n%s", got, want)
	}
	// Without an issuer the label is the account alone.
	got = TOTPURI(rfcSecret, "", "ole@aarhus.dk")
	want = "otpauth://totp/ole@aarhus.dk?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("TOTPURI without issuer =\n%s\nwant\n%s", got, want)
	}
}

func FuzzVerifyTOTP(f *testing.F) {
	f.Add(rfcSecret, "005924", int64(1234567890), int64(0))
	f.Add(rfcSecret, " 005 924 ", int64(1234567890), int64(41152263))
	f.Add(rfcSecret, "755224", int64(0), int64(-1))
	f.Add("", "", int64(-1), int64(0))
	f.Add("GEZDGNBVGY3TQOJQ", "123456", int64(1<<62), int64(1<<62))
	f.Add("A", "١٢٣٤٥٦", int64(-1<<63), int64(-1<<63))
	f.Add("gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", "12 3456", int64(1<<63-1), int64(1<<63-1))
	f.Fuzz(func(t *testing.T, secret, code string, unix, lastUsed int64) {
		now := time.Unix(unix, 0)
		n, ok := VerifyTOTP(secret, code, now, lastUsed)
		if !ok {
			if n != 0 {
				t.Fatalf("refused but counter %d", n)
			}
			return
		}
		cur := unix / totpPeriod
		if n <= lastUsed || n < cur-1 || n > cur+1 || n < 0 {
			t.Fatalf("accepted counter %d: step %d, lastUsed %d", n, cur, lastUsed)
		}
		norm, valid := normalizeTOTPCode(code)
		if !valid {
			t.Fatalf("accepted malformed code %q", code)
		}
		want, err := TOTPCode(secret, time.Unix(n*totpPeriod, 0))
		if err != nil || want != norm {
			t.Fatalf("accepted %q for counter %d whose code is %q (%v)", code, n, want, err)
		}
		if _, again := VerifyTOTP(secret, code, now, n); again {
			t.Fatalf("replay of counter %d accepted", n)
		}
	})
}
