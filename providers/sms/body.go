package sms

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf16"

	"github.com/valghalla/valghalla/models"
)

var e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ValidE164 reports whether s is a phone number in E.164 form: "+", a country
// code and the subscriber number, 15 digits at most, nothing else
// (e.g. "+4520123456").
func ValidE164(s string) bool { return e164Pattern.MatchString(s) }

// ErrCPRInBody is CheckBody's error. It never repeats the number.
var ErrCPRInBody = errors.New("sms: the message body contains what looks like a CPR number")

// CheckBody refuses a body holding something that looks like a CPR number:
// ten digits standing alone ("0101901234"), or six and four digits with one
// dash or space between them ("010190-1234", "010190 1234"), whose first six
// digits are a birth date that exists for the century the 7th digit gives
// (models.ParseCPR; modulus 11 is not checked, as DOMAIN.md says). Digit runs
// of other lengths (a phone number, an 8-digit one, "+45 2012 3456", a
// 4-digit answer code) pass.
//
// The templates are checked for CPR merge fields before rendering; this is
// defence in depth against a number typed into a free text.
//
// A run glued to letters is part of a word or a token, not a number: the
// answer link's hex token often holds ten digits in a row between letters,
// and refusing those would send a tenth of the invitations by another
// channel for nothing.
func CheckBody(body string) error {
	for i := 0; i < len(body); {
		if !isDigit(body[i]) || (i > 0 && (isDigit(body[i-1]) || isLetter(body[i-1]))) {
			i++
			continue
		}
		// body[i] starts a run of digits.
		j := i
		for j < len(body) && isDigit(body[j]) {
			j++
		}
		candidate := ""
		switch {
		case j < len(body) && isLetter(body[j]):
			// glued to a word: not a number
		case j-i == 10:
			candidate = body[i:j]
		case j-i == 6:
			if sep := separatorAt(body, j); sep > 0 {
				k := j + sep
				m := k
				for m < len(body) && isDigit(body[m]) {
					m++
				}
				if m-k == 4 && (m == len(body) || !isLetter(body[m])) {
					candidate = body[i:j] + body[k:m]
				}
			}
		}
		if candidate != "" {
			if _, err := models.ParseCPR(candidate); err == nil {
				return ErrCPRInBody
			}
		}
		i = j
	}
	return nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// separatorAt returns the byte length of a CPR separator at body[i] (a dash,
// a space, a non-breaking space or a Unicode hyphen or dash), 0 if none.
func separatorAt(body string, i int) int {
	for _, sep := range []string{"-", " ", "\u00a0", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212"} {
		if strings.HasPrefix(body[i:], sep) {
			return len(sep)
		}
	}
	return 0
}

// The two encodings an SMS body goes out in.
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// The GSM 03.38 default alphabet (one septet each) and its extension table
// (an escape plus one septet: two each). Æ, Ø, Å, æ, ø, å are in it.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extension = "\f^{}\\[~]|€"
)

var gsm7Septets = func() map[rune]int {
	m := make(map[rune]int)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// Segments says how body goes out: in GSM-7 when every character is in the
// GSM 03.38 alphabet (160 septets in a single SMS, 153 per part of a
// concatenated one; ^ { } \ [ ] ~ | € take two), otherwise the whole message
// in UCS-2 (70 UTF-16 units alone, 67 per part; an emoji takes two). One
// curly quote or emoji is enough to switch the whole message to UCS-2 and
// more than double the number of segments. An escape pair or a surrogate
// pair is never split between parts. An empty body is 0 segments.
//
// Twilio bills per segment and a long code sends about one segment per second.
func Segments(body string) (encoding string, n int) {
	if body == "" {
		return EncodingGSM7, 0
	}
	var units []int // the size of each character in its encoding's units
	encoding = EncodingGSM7
	for _, r := range body {
		w, ok := gsm7Septets[r]
		if !ok {
			encoding = EncodingUCS2
			break
		}
		units = append(units, w)
	}
	single, part := 160, 153
	if encoding == EncodingUCS2 {
		single, part = 70, 67
		units = units[:0]
		for _, r := range body {
			units = append(units, utf16.RuneLen(r))
		}
	}
	total := 0
	for _, w := range units {
		total += w
	}
	if total <= single {
		return encoding, 1
	}
	n, used := 1, 0
	for _, w := range units {
		if used+w > part {
			n++
			used = 0
		}
		used += w
	}
	return encoding, n
}
