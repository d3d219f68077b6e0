package sms

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		body        string
		answer      Answer
		code        string
		twilioOptIn bool
	}{
		// yes
		{"JA", Yes, "", false},
		{"ja", Yes, "", false},
		{"Ja", Yes, "", false},
		{"J", Yes, "", false},
		{"j", Yes, "", false},
		{"YES", Yes, "", true}, // Twilio opts the number in on YES alone
		{"yes", Yes, "", true},
		{"Yes!", Yes, "", true},
		{"Y", Yes, "", false},
		{"y", Yes, "", false},
		{"ja!", Yes, "", false},
		{" Ja. ", Yes, "", false},
		{"\tja\n", Yes, "", false},
		{"JA TAK", Yes, "", false},
		{"Ja tak, det vil jeg gerne", Yes, "", false},
		{"ja nej", Yes, "", false}, // the first word decides
		{"yes 4821", Yes, "4821", false},
		// no
		{"NEJ", No, "", false},
		{"nej", No, "", false},
		{"Nej.", No, "", false},
		{"N", No, "", false},
		{"n", No, "", false},
		{"NO", No, "", false},
		{"no", No, "", false},
		{"nej tak", No, "", false},
		{"Nej, ikke denne gang", No, "", false},
		{"NEJ TAK 4821", No, "4821", false},
		// codes
		{"JA 4821", Yes, "4821", false},
		{"4821 ja", Yes, "4821", false},
		{"ja,4821", Yes, "4821", false},
		{"ja.4821", Yes, "4821", false},
		{"JA4821", Yes, "4821", false},
		{"4821JA", Yes, "4821", false},
		{"nej4821", No, "4821", false},
		{"ja a7k2", Yes, "A7K2", false},
		{"ja 4821 1234", Yes, "4821", false}, // the first code counts
		{"ja 12", Yes, "12", false},          // two digits
		{"ja 123456789", Yes, "", false},     // too long for a code
		{"ja ABC", Yes, "", false},           // letters only: a word, not a code
		{"4821", Unknown, "4821", false},     // a code without an answer
		{"JAKOB4821", Unknown, "", false},    // not an answer word glued to digits
		{"ja ٤٨٢١", Yes, "", false},          // Arabic-Indic digits are no code
		// opt-out, only as the single word (as Twilio)
		{"STOP", OptOut, "", false},
		{"stop", OptOut, "", false},
		{"Stop!", OptOut, "", false},
		{"STOPALL", OptOut, "", false},
		{"UNSUBSCRIBE", OptOut, "", false},
		{"CANCEL", OptOut, "", false},
		{"END", OptOut, "", false},
		{"QUIT", OptOut, "", false},
		{"REVOKE", OptOut, "", false},
		{"OPTOUT", OptOut, "", false},
		{" optout. ", OptOut, "", false},
		{"STOP 4821", OptOut, "4821", false},
		{"stop venligst", Unknown, "", false}, // Twilio does not block on this
		{"please stop", Unknown, "", false},
		// opt-in
		{"START", OptIn, "", true},
		{"start", OptIn, "", true},
		{"UNSTOP", OptIn, "", true},
		{"start igen", Unknown, "", false},
		// help
		{"HELP", Help, "", false},
		{"help?", Help, "", false},
		{"INFO", Help, "", false},
		{"info tak", Unknown, "", false},
		// nothing understood
		{"", Unknown, "", false},
		{"   ", Unknown, "", false},
		{"!!!", Unknown, "", false},
		{"Hej, ja", Unknown, "", false},
		{"jeg kan godt", Unknown, "", false},
		{"jaa", Unknown, "", false},
		{"nejtak", Unknown, "", false},
		{"👍", Unknown, "", false},
		{"\xff\xfe", Unknown, "", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		if seen[tt.body] {
			t.Fatalf("duplicate table entry %q", tt.body)
		}
		seen[tt.body] = true
		got := ParseReply(tt.body)
		want := Reply{Answer: tt.answer, Code: tt.code, TwilioOptIn: tt.twilioOptIn}
		if got != want {
			t.Errorf("ParseReply(%q) = %+v (%s), want %+v (%s)", tt.body, got, got.Answer, want, want.Answer)
		}
	}
}

func TestAnswerString(t *testing.T) {
	for a, want := range map[Answer]string{Unknown: "unknown", Yes: "yes", No: "no", OptOut: "opt-out", OptIn: "opt-in", Help: "help", Answer(99): "unknown"} {
		if a.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(a), a.String(), want)
		}
	}
}

var codeChars = regexp.MustCompile(`^[A-Z0-9]*$`)

// The known words with the answer each gives alone (in any case).
var fuzzWords = map[string]Answer{
	"ja": Yes, "J": Yes, "yes": Yes, "Y": Yes, "NEJ": No, "n": No, "No": No,
	"stop": OptOut, "STOPALL": OptOut, "Unsubscribe": OptOut, "cancel": OptOut,
	"END": OptOut, "quit": OptOut, "REVOKE": OptOut, "optout": OptOut,
	"START": OptIn, "unstop": OptIn, "help": Help, "INFO": Help,
}

// FuzzParseReply checks, for any input, that ParseReply does not panic,
// that a Code holds only [A-Z0-9], and that a known word surrounded by the
// input's own noise (everything in it that is not a letter or a digit)
// gives that word's answer.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"JA 4821", "nej tak", " Ja. ", "STOP", "4821 ja", "ja,4821", "", "“ja”", "😀 ja 😀", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseReply(s)
		if !codeChars.MatchString(r.Code) || len(r.Code) > maxCodeLen {
			t.Fatalf("ParseReply(%q).Code = %q", s, r.Code)
		}
		if r.Answer < Unknown || r.Answer > Help {
			t.Fatalf("ParseReply(%q).Answer = %d", s, r.Answer)
		}
		noise := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return -1
			}
			return r
		}, s)
		half := len(noise) / 2
		for half > 0 && half < len(noise) && !utf8RuneStart(noise[half]) {
			half--
		}
		for word, want := range fuzzWords {
			body := noise[:half] + word + noise[half:]
			if got := ParseReply(body).Answer; got != want {
				t.Fatalf("ParseReply(%q).Answer = %s, want %s", body, got, want)
			}
		}
	})
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
