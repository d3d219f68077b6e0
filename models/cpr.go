package models

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// CPR is a valid Danish personal identification number, stored as 10 digits.
//
// The zero value is "no CPR number". A CPR can only be made by ParseCPR, so a
// non-zero CPR always holds ten ASCII digits that encode a date that exists.
//
// The full number is confidential: String, Format (every fmt verb, %#v
// included) and Masked show only the birth date part, and LogValue shows
// nothing at all. Digits is the one way to the full number.
type CPR struct{ digits string }

// The keys of the refusals ParseCPR gives, a *UserError about the field
// "cpr". None repeats the input, which may be a real CPR number on its way
// into a log.
const (
	cprReasonEmpty    = "error.cpr.empty"
	cprReasonLength   = "error.cpr.length"
	cprReasonFormat   = "error.cpr.format"
	cprReasonBirthday = "error.cpr.birthday"
)

func cprError(key string) error { return RefuseField("cpr", key) }

// ParseCPR accepts "DDMMYYSSSS" or "DDMMYY-SSSS" (ASCII digits only), with
// surrounding white space trimmed, and nothing else. The date must exist in
// the century given by the 7th digit (see BirthDate).
//
// The modulus-11 check is deliberately NOT applied: numbers that fail it have
// been issued since 2007 (e.g. 101262-0001, -0002 and -0003 are all valid).
func ParseCPR(s string) (CPR, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CPR{}, cprError(cprReasonEmpty)
	}
	var b strings.Builder
	b.Grow(10)
	for i, r := range s { // i is a byte offset; it only matters while all runes are ASCII
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' && i == 6 && b.Len() == 6:
			// the one dash, between DDMMYY and SSSS
		default:
			// letters, other dashes, a dash elsewhere, non-ASCII digits
			// such as Arabic-Indic ones, invalid UTF-8
			return CPR{}, cprError(cprReasonFormat)
		}
	}
	digits := b.String()
	if len(digits) != 10 {
		return CPR{}, cprError(cprReasonLength)
	}
	if _, ok := birthDate(digits); !ok {
		return CPR{}, cprError(cprReasonBirthday)
	}
	return CPR{digits: digits}, nil
}

// birthDate decodes DDMMYY and the century from the 7th digit and YY (the
// table in DOMAIN.md, "CPR numbers"):
//
//	7th digit 0–3:    19YY
//	7th digit 4 or 9: 20YY if YY ≤ 36, else 19YY
//	7th digit 5–8:    20YY if YY ≤ 57, else 18YY
//
// ok is false when the date does not exist (30 February, 31 April, 29
// February outside a leap year, month 13, day 0, ...).
func birthDate(digits string) (d Date, ok bool) {
	num := func(i int) int { return int(digits[i]-'0')*10 + int(digits[i+1]-'0') }
	day, month, yy := num(0), num(2), num(4)
	var century int
	switch c := digits[6] - '0'; {
	case c <= 3:
		century = 1900
	case c == 4 || c == 9:
		century = 1900
		if yy <= 36 {
			century = 2000
		}
	default: // 5–8
		century = 1800
		if yy <= 57 {
			century = 2000
		}
	}
	year := century + yy
	if month < 1 || month > 12 || day < 1 {
		return Date{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day { // time.Date normalised an impossible date into the next month
		return Date{}, false
	}
	return DateOf(t), true
}

// Digits returns the ten digits without a dash — for storage (encrypted) and
// for requests to the CPR register only. Never show, log or e-mail it.
func (c CPR) Digits() string { return c.digits }

// Masked returns "DDMMYY-XXXX": what staff and party secretaries see. It is
// empty for the zero CPR.
func (c CPR) Masked() string {
	if c.digits == "" {
		return ""
	}
	return c.digits[:6] + "-XXXX"
}

// String is Masked, so a CPR printed by accident never shows in full.
func (c CPR) String() string { return c.Masked() }

// GoString keeps %#v from printing the unexported field.
func (c CPR) GoString() string { return fmt.Sprintf("models.CPR(%q)", c.Masked()) }

// Format makes every fmt verb print the masked form: without it %d or %x on
// a CPR would print the struct's field, the full number. %#v prints
// GoString; %s, %v and %q honour width and flags.
func (c CPR) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, c.GoString())
	case verb == 'v' || verb == 's' || verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, verb), c.Masked())
	default:
		fmt.Fprint(f, c.Masked())
	}
}

// LogValue makes slog print "[CPR]": not the number, and not even the masked
// form, since the birth date is personal data too.
func (c CPR) LogValue() slog.Value { return slog.StringValue("[CPR]") }

// IsZero reports whether c is the zero CPR (no number).
func (c CPR) IsZero() bool { return c.digits == "" }

// BirthDate returns the birth date encoded in the number; the zero Date for
// the zero CPR.
func (c CPR) BirthDate() Date {
	if c.digits == "" {
		return Date{}
	}
	d, _ := birthDate(c.digits) // ParseCPR made sure it exists
	return d
}

// Male reports whether the last digit is odd (the register's gender).
func (c CPR) Male() bool {
	return c.digits != "" && (c.digits[9]-'0')%2 == 1
}

// AgeOn returns the age in completed years on d. The birthday itself counts
// as reached (DOMAIN.md: "the birthday on that date counts as already
// reached").
//
// Someone born on 29 February reaches their new age on 1 March in a year
// that is not a leap year (so is still 17 on 28 February of the year they
// turn 18). That is the rule we were given as Danish practice; DOMAIN.md
// says nothing about 29 February, and no Danish source for it was found
// when this was written — verify it with the election law office if it ever
// matters for a real person.
//
// AgeOn is 0 for the zero CPR and for dates before the birth date.
func (c CPR) AgeOn(d Date) int {
	if c.digits == "" {
		return 0
	}
	b := c.BirthDate()
	month, day := b.Month, b.Day
	if month == time.February && day == 29 && !isLeapYear(d.Year) {
		month, day = time.March, 1
	}
	age := d.Year - b.Year
	if d.Month < month || (d.Month == month && d.Day < day) {
		age--
	}
	return max(0, age)
}

func isLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
