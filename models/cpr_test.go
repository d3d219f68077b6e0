package models

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseCPRAccepts(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string // digits
		birth Date
	}{
		{"without dash", "1012620001", "1012620001", NewDate(1962, time.December, 10)},
		{"with dash", "101262-0001", "1012620001", NewDate(1962, time.December, 10)},
		{"surrounding spaces", "  101262-0001 ", "1012620001", NewDate(1962, time.December, 10)},
		{"tab and newline", "\t1012620001\n", "1012620001", NewDate(1962, time.December, 10)},
		// These three fail modulus 11 and are valid (issued since 2007).
		{"not modulus 11 (1)", "1012620001", "1012620001", NewDate(1962, time.December, 10)},
		{"not modulus 11 (2)", "1012620002", "1012620002", NewDate(1962, time.December, 10)},
		{"not modulus 11 (3)", "1012620003", "1012620003", NewDate(1962, time.December, 10)},

		// Century: 7th digit 0–3 → 1900s, whatever YY.
		{"digit 0", "0101000123", "0101000123", NewDate(1900, time.January, 1)},
		{"digit 1", "0101501123", "0101501123", NewDate(1950, time.January, 1)},
		{"digit 2", "0101992123", "0101992123", NewDate(1999, time.January, 1)},
		{"digit 3 YY 10", "0101103123", "0101103123", NewDate(1910, time.January, 1)},
		// 4 or 9 → 2000s if YY ≤ 36, else 1900s.
		{"digit 4 YY 36", "0101364123", "0101364123", NewDate(2036, time.January, 1)},
		{"digit 4 YY 37", "0101374123", "0101374123", NewDate(1937, time.January, 1)},
		{"digit 9 YY 36", "0101369123", "0101369123", NewDate(2036, time.January, 1)},
		{"digit 9 YY 37", "0101379123", "0101379123", NewDate(1937, time.January, 1)},
		// 5–8 → 2000s if YY ≤ 57, else 1800s.
		{"digit 5 YY 57", "0101575123", "0101575123", NewDate(2057, time.January, 1)},
		{"digit 5 YY 58", "0101585123", "0101585123", NewDate(1858, time.January, 1)},
		{"digit 6 YY 57", "0101576123", "0101576123", NewDate(2057, time.January, 1)},
		{"digit 6 YY 58", "0101586123", "0101586123", NewDate(1858, time.January, 1)},
		{"digit 7 YY 57", "0101577123", "0101577123", NewDate(2057, time.January, 1)},
		{"digit 7 YY 58", "0101587123", "0101587123", NewDate(1858, time.January, 1)},
		{"digit 8 YY 57", "0101578123", "0101578123", NewDate(2057, time.January, 1)},
		{"digit 8 YY 58", "0101588123", "0101588123", NewDate(1858, time.January, 1)},

		// Leap days: 2000 is a leap year (divisible by 400).
		{"29 Feb 2000 (digit 4, YY 00)", "290200-4123", "2902004123", NewDate(2000, time.February, 29)},
		{"29 Feb 2000 (digit 9, YY 00)", "2902009123", "2902009123", NewDate(2000, time.February, 29)},
		{"29 Feb 1996", "2902962123", "2902962123", NewDate(1996, time.February, 29)},
		{"31 Dec", "3112991123", "3112991123", NewDate(1999, time.December, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCPR(tt.in)
			if err != nil {
				t.Fatalf("ParseCPR: %v", err)
			}
			if c.Digits() != tt.want {
				t.Errorf("Digits = %q, want %q", c.Digits(), tt.want)
			}
			if got := c.BirthDate(); got != tt.birth {
				t.Errorf("BirthDate = %v, want %v", got, tt.birth)
			}
			if c.IsZero() {
				t.Error("IsZero on a parsed CPR")
			}
		})
	}
}

func TestParseCPRRejects(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reason string
	}{
		{"empty", "", cprReasonEmpty},
		{"only spaces", "   ", cprReasonEmpty},
		{"9 digits", "101262000", cprReasonLength},
		{"11 digits", "10126200011", cprReasonLength},
		{"9 digits with dash", "101262-000", cprReasonLength},
		{"11 digits with dash", "101262-00011", cprReasonLength},
		{"dash only after DDMMYY", "101262-", cprReasonLength},
		{"letters", "10126200O1", cprReasonFormat},
		{"letter prefix", "CPR1012620001", cprReasonFormat},
		{"two dashes", "101262--0001", cprReasonFormat},
		{"dash and trailing dash", "101262-0001-", cprReasonFormat},
		{"dash in the wrong place", "1012-620001", cprReasonFormat},
		{"dash after 7 digits", "1012620-001", cprReasonFormat},
		{"leading dash", "-1012620001", cprReasonFormat},
		{"trailing dash", "1012620001-", cprReasonFormat},
		{"inner space", "101262 0001", cprReasonFormat},
		{"slash", "101262/0001", cprReasonFormat},
		{"Arabic-Indic digit", "101262000٠", cprReasonFormat},
		{"all Arabic-Indic digits", "١٠١٢٦٢٠٠٠١", cprReasonFormat},
		{"fullwidth digits", "１０１２６２０００１", cprReasonFormat},
		{"en dash", "101262–0001", cprReasonFormat},
		{"invalid UTF-8", "101262\xff0001", cprReasonFormat},
		{"month 13", "0113621234", cprReasonBirthday},
		{"month 00", "0100621234", cprReasonBirthday},
		{"day 0", "0001621234", cprReasonBirthday},
		{"day 32", "3201621234", cprReasonBirthday},
		{"30 Feb", "3002621234", cprReasonBirthday},
		{"31 Apr", "3104621234", cprReasonBirthday},
		{"29 Feb 1962", "2902621234", cprReasonBirthday},
		{"29 Feb 1900 (digit 0, YY 00)", "2902000123", cprReasonBirthday},
		{"29 Feb 1900 (digit 3, YY 00)", "2902003123", cprReasonBirthday},
		{"29 Feb 1858 (digit 5, YY 58)", "2902585123", cprReasonBirthday},
	}
	longDigits := regexp.MustCompile(`[0-9]{3,}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCPR(tt.in)
			if err == nil {
				t.Fatalf("ParseCPR accepted it as %v", c)
			}
			if !c.IsZero() {
				t.Error("a failed parse returned a non-zero CPR")
			}
			ce, ok := AsUserError(fmt.Errorf("nominating: %w", err))
			if !ok || ce.Field != "cpr" {
				t.Fatalf("error %T is not a *UserError about the cpr field behind a wrap", err)
			}
			if ce.Key != tt.reason {
				t.Errorf("Key = %q, want %q", ce.Key, tt.reason)
			}
			msg := err.Error()
			if msg != ce.Error() {
				t.Errorf("Error() = %q, want the UserError's %q", msg, ce.Error())
			}
			// The message never repeats the input: no run of 3 digits at all,
			// so not the number, nor its birth date, nor its last four.
			if longDigits.MatchString(msg) {
				t.Errorf("error %q contains a run of digits", msg)
			}
			if trimmed := strings.TrimSpace(tt.in); len(trimmed) >= 3 && strings.Contains(msg, trimmed) {
				t.Errorf("error %q repeats the input", msg)
			}
		})
	}
}

func TestCPRNeverPrintsInFull(t *testing.T) {
	c, err := ParseCPR("101262-4321")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Masked(); got != "101262-XXXX" {
		t.Errorf("Masked = %q", got)
	}
	if c.String() != c.Masked() {
		t.Errorf("String = %q, want Masked", c.String())
	}
	type wrapper struct {
		Name string
		CPR  CPR
	}
	ptr := &c
	printed := map[string]string{
		"%v":          fmt.Sprintf("%v", c),
		"%s":          fmt.Sprintf("%s", c),
		"%+v":         fmt.Sprintf("%+v", c),
		"%#v":         fmt.Sprintf("%#v", c),
		"%q":          fmt.Sprintf("%q", c),
		"%d":          fmt.Sprintf("%d", c),
		"%x":          fmt.Sprintf("%x", c),
		"%20s":        fmt.Sprintf("%20s", c),
		"Sprint":      fmt.Sprint(c),
		"Sprintln":    fmt.Sprintln(c),
		"pointer %v":  fmt.Sprintf("%v", ptr),
		"struct %v":   fmt.Sprintf("%v", wrapper{"Anna", c}),
		"struct %+v":  fmt.Sprintf("%+v", wrapper{"Anna", c}),
		"struct %#v":  fmt.Sprintf("%#v", wrapper{"Anna", c}),
		"slice %v":    fmt.Sprintf("%v", []CPR{c}),
		"error %v":    fmt.Errorf("cannot nominate %v", c).Error(),
		"map key %v":  fmt.Sprintf("%v", map[CPR]int{c: 1}),
		"any %v":      fmt.Sprintf("%v", any(c)),
		"Stringer %s": fmt.Sprintf("%s", fmt.Stringer(c)),
	}
	for how, out := range printed {
		if strings.Contains(out, "4321") || strings.Contains(out, "1012624321") {
			t.Errorf("%s printed the full number: %q", how, out)
		}
		if !strings.Contains(out, "101262") {
			t.Errorf("%s = %q, want the masked form", how, out)
		}
	}
	for format, want := range map[string]string{
		"%#v":   `models.CPR("101262-XXXX")`,
		"%q":    `"101262-XXXX"`,
		"%13s":  "  101262-XXXX",
		"%-12v": "101262-XXXX ",
		"%d":    "101262-XXXX",
	} {
		if got := fmt.Sprintf(format, c); got != want {
			t.Errorf("%s = %q, want %q", format, got, want)
		}
	}

	var zero CPR
	if zero.Masked() != "" || zero.String() != "" || zero.Digits() != "" || !zero.IsZero() {
		t.Errorf("zero CPR: Masked %q String %q Digits %q", zero.Masked(), zero.String(), zero.Digits())
	}
}

func TestCPRLogValueShowsNothing(t *testing.T) {
	c, err := ParseCPR("1012624321")
	if err != nil {
		t.Fatal(err)
	}
	// No time stamp: its fractional seconds could hold any digits.
	opts := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, opts) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, opts) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf))
		log.Info("nominated", "cpr", c, slog.Any("again", c), slog.Group("person", "cpr", c))
		log.With("cpr", c).Info("looked up")
		out := buf.String()
		for _, secret := range []string{"4321", "101262", "1962", "XXXX"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s log contains %q:\n%s", name, secret, out)
			}
		}
		if n := strings.Count(out, "[CPR]"); n != 4 {
			t.Errorf("%s log has %d [CPR], want 4:\n%s", name, n, out)
		}
	}
}

func TestCPRAgeOn(t *testing.T) {
	born1962 := mustCPR(t, "1012620001") // 10 December 1962
	leapling := mustCPR(t, "2902004123") // 29 February 2000
	tests := []struct {
		name string
		c    CPR
		on   Date
		want int
	}{
		{"day before the birthday", born1962, NewDate(2024, time.December, 9), 61},
		{"on the birthday", born1962, NewDate(2024, time.December, 10), 62},
		{"day after the birthday", born1962, NewDate(2024, time.December, 11), 62},
		{"earlier month", born1962, NewDate(2025, time.January, 1), 62},
		{"birth day itself", born1962, NewDate(1962, time.December, 10), 0},
		{"before birth", born1962, NewDate(1950, time.January, 1), 0},
		// 29 February: in a non-leap year the new age starts on 1 March.
		{"leapling 28 Feb 2018", leapling, NewDate(2018, time.February, 28), 17},
		{"leapling 1 Mar 2018", leapling, NewDate(2018, time.March, 1), 18},
		{"leapling 28 Feb 2020", leapling, NewDate(2020, time.February, 28), 19},
		{"leapling 29 Feb 2020", leapling, NewDate(2020, time.February, 29), 20},
		{"leapling 1 Mar 2100 (not leap)", leapling, NewDate(2100, time.March, 1), 100},
		{"leapling 28 Feb 2100 (not leap)", leapling, NewDate(2100, time.February, 28), 99},
		{"zero CPR", CPR{}, NewDate(2025, time.November, 18), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.AgeOn(tt.on); got != tt.want {
				t.Errorf("AgeOn(%v) = %d, want %d", tt.on, got, tt.want)
			}
		})
	}
}

func TestCPRMale(t *testing.T) {
	for in, male := range map[string]bool{
		"1012620001": true,
		"1012620002": false,
		"1012620003": true,
		"1012620008": false,
		"1012620009": true,
		"1012620000": false,
	} {
		if got := mustCPR(t, in).Male(); got != male {
			t.Errorf("%s: Male = %v, want %v", in[:6], got, male)
		}
	}
	if (CPR{}).Male() {
		t.Error("zero CPR is male")
	}
}

func mustCPR(t testing.TB, s string) CPR {
	t.Helper()
	c, err := ParseCPR(s)
	if err != nil {
		t.Fatalf("ParseCPR(%s): %v", s, err)
	}
	return c
}

var maskedShape = regexp.MustCompile(`^[0-9]{6}-XXXX$`)

func FuzzParseCPR(f *testing.F) {
	for _, s := range []string{
		"1012620001", "101262-0001", " 1012620002 ", "2902004123", "2902000123",
		"0101585123", "0101369123", "", "-", "101262--0001", "1012-620001",
		"101262000٠", "3201621234", "10126200011", "\xff\xfe", "123456-",
	} {
		f.Add(s)
	}
	longDigits := regexp.MustCompile(`[0-9]{3,}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPR(s)
		if err != nil {
			if ce, ok := AsUserError(err); !ok || ce.Key == "" {
				t.Fatalf("error %v (%T) is not a *UserError with a key", err, err)
			}
			if longDigits.MatchString(err.Error()) {
				t.Fatalf("error %q contains digits", err)
			}
			if !c.IsZero() {
				t.Fatal("failed parse returned a non-zero CPR")
			}
			return
		}
		d := c.Digits()
		if len(d) != 10 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("Digits = %q, want 10 ASCII digits", d)
		}
		again, err := ParseCPR(d)
		if err != nil || again != c {
			t.Fatalf("ParseCPR(Digits()) = %v, %v; want the same CPR", again, err)
		}
		dashed, err := ParseCPR(d[:6] + "-" + d[6:])
		if err != nil || dashed != c {
			t.Fatalf("dashed form does not round-trip: %v", err)
		}
		m := c.Masked()
		if !maskedShape.MatchString(m) || m[:6] != d[:6] || c.String() != m {
			t.Fatalf("Masked = %q, String = %q", m, c.String())
		}
		b := c.BirthDate()
		if b.IsZero() || b.Year < 1858 || b.Year > 2057 || fmt.Sprintf("%02d%02d%02d", b.Day, b.Month, b.Year%100) != d[:6] {
			t.Fatalf("BirthDate = %v for %s", b, m)
		}
		if !utf8.ValidString(m) {
			t.Fatal("Masked is not UTF-8")
		}
	})
}
