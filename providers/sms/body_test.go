package sms

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		refused bool
	}{
		{"plain text", "Du er inviteret som tilforordnet. Svar JA eller NEJ.", false},
		{"ten digits inside an answer link's token", "Svar her: https://valg.example.dk/svar/ab0101901234cd9f", false},
		{"ten digits at the start of a token", "https://valg.example.dk/svar/0101901234abcdef", false},
		{"ten digits after a slash and before a dot", "se https://x.dk/0101901234.", true},
		{"ten digits", "Dit CPR-nummer er 0101901234.", true},
		{"with dash", "CPR: 010190-1234", true},
		{"with space", "CPR 010190 1234 tak", true},
		{"with en dash", "CPR 010190–1234", true},
		{"with non-breaking space", "CPR 010190\u00a01234", true},
		{"fails modulus 11 but is valid", "1012620001", true},
		{"glued to letters: a word or token, not a number", "abc0101901234xyz", false},
		{"2000s by 7th digit 4", "2902004234", true},     // 29 Feb 2000: a leap year
		{"1900 is no leap year", "2902001234", false},    // 7th digit 1: 1900
		{"31 February", "3102901234", false},             // no such date
		{"month 13", "0113901234", false},                // no such month
		{"day zero", "0001901234", false},                // no such day
		{"Danish mobile number", "Ring 20123456", false}, // 8 digits
		{"number with country code", "+4520123456", false},
		{"spaced phone number", "+45 20 12 34 56", false},
		{"eleven digits", "01019012345", false},
		{"nine digits", "010190123", false},
		{"six and five digits", "010190-12345", false},
		{"seven and four digits", "0101901-1234", false},
		{"answer code", "Svar JA 4821", false},
		{"date", "Valget er 18-11-2025 kl. 07:00", false},
		{"empty", "", false},
		{"second number in text", "Kode 4821, CPR 2911990123", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBody(tt.body)
			if got := err != nil; got != tt.refused {
				t.Fatalf("CheckBody(%q) = %v, want refused=%v", tt.body, err, tt.refused)
			}
			if err != nil {
				if !errors.Is(err, ErrCPRInBody) {
					t.Errorf("error %v is not ErrCPRInBody", err)
				}
				for _, d := range []string{"0101", "1234", "2911"} {
					if strings.Contains(err.Error(), d) {
						t.Errorf("error %q repeats digits of the body", err)
					}
				}
			}
		})
	}
}

func TestSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name     string
		body     string
		encoding string
		n        int
	}{
		{"empty", "", EncodingGSM7, 0},
		{"short", "Hej", EncodingGSM7, 1},
		{"Danish letters are GSM-7", "Æ Ø Å æ ø å é", EncodingGSM7, 1},
		{"160 GSM-7", a(160), EncodingGSM7, 1},
		{"161 GSM-7", a(161), EncodingGSM7, 2},
		{"306 GSM-7", a(306), EncodingGSM7, 2},
		{"307 GSM-7", a(307), EncodingGSM7, 3},
		{"euro counts two", a(159) + "€", EncodingGSM7, 2},
		{"158 and euro", a(158) + "€", EncodingGSM7, 1},
		{"escape pair not split", a(152) + strings.Repeat("€", 77), EncodingGSM7, 3},
		{"curly quote makes UCS-2", "Hej “Anna”", EncodingUCS2, 1},
		{"70 UCS-2", "“" + a(69), EncodingUCS2, 1},
		{"71 UCS-2", "“" + a(70), EncodingUCS2, 2},
		{"134 UCS-2", "“" + a(133), EncodingUCS2, 2},
		{"135 UCS-2", "“" + a(134), EncodingUCS2, 3},
		{"emoji is two units", strings.Repeat("😀", 35), EncodingUCS2, 1},
		{"36 emoji", strings.Repeat("😀", 36), EncodingUCS2, 2},
		{"surrogate pair not split", a(66) + "😀" + a(66), EncodingUCS2, 3},
		{"one emoji in Danish text", "Tak for dit svar 👍 Æ Ø Å", EncodingUCS2, 1},
		{"tab is not GSM-7", "a\tb", EncodingUCS2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, n := Segments(tt.body)
			if enc != tt.encoding || n != tt.n {
				t.Fatalf("Segments(%d chars) = %s, %d; want %s, %d", len([]rune(tt.body)), enc, n, tt.encoding, tt.n)
			}
		})
	}
}

func TestValidE164(t *testing.T) {
	for s, want := range map[string]bool{
		"+4520123456":       true,
		"+12025550123":      true,
		"4520123456":        false,
		"+45 20 12 34 56":   false,
		"+0123456":          false,
		"+":                 false,
		"":                  false,
		"+1234567890123456": false, // 16 digits
	} {
		if got := ValidE164(s); got != want {
			t.Errorf("ValidE164(%q) = %v, want %v", s, got, want)
		}
	}
}
