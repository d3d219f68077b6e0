package models

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// TOTP as every authenticator app implements it: RFC 6238 over RFC 4226 HOTP
// with HMAC-SHA-1, 6 digits, 30-second steps counted from the Unix epoch.
const (
	totpDigits    = 6
	totpPeriod    = 30 // seconds
	totpSecretLen = 20 // bytes; RFC 4226 recommends 160 bits
	totpMinKeyLen = 16 // bytes; RFC 4226 R6: at least 128 bits
	totpDrift     = 1  // steps accepted either side of the current one
)

var (
	totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

	errTOTPSecret = errors.New("invalid TOTP secret")
	errTOTPTime   = errors.New("a time before 1970 cannot be used for TOTP")
)

// NewTOTPSecret returns 20 random bytes, base32 (no padding) — what the user
// types or scans.
func NewTOTPSecret() (string, error) {
	key := make([]byte, totpSecretLen)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return totpEncoding.EncodeToString(key), nil
}

// TOTPURI is the otpauth://totp/ URI for a QR code (Google's Key URI Format).
// issuer is "Valghalla – <municipality>", account the user's e-mail address.
// Label and parameters are percent-encoded per RFC 3986 (a space is %20, never
// "+", which some apps show literally), so a colon in the issuer or account
// cannot be mistaken for the label's issuer:account separator.
func TOTPURI(secret, issuer, account string) string {
	label := totpEscape(account)
	if issuer != "" {
		label = totpEscape(issuer) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(label)
	b.WriteString("?secret=")
	b.WriteString(totpEscape(normalizeTOTPSecret(secret)))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(totpEscape(issuer))
	}
	b.WriteString("&algorithm=SHA1&digits=6&period=30")
	return b.String()
}

// totpEscape percent-encodes everything but RFC 3986's unreserved characters
// and '@' (allowed in a path, and keeps e-mail addresses readable).
func totpEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
	return b.String()
}

// normalizeTOTPSecret undoes what people do when they type a secret: spaces
// between groups, lower case, padding.
func normalizeTOTPSecret(secret string) string {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	return strings.TrimRight(s, "=")
}

func decodeTOTPSecret(secret string) ([]byte, error) {
	s := normalizeTOTPSecret(secret)
	key, err := totpEncoding.DecodeString(s)
	// The decoder silently drops a dangling final character and ignores
	// stray low bits; insisting on the canonical encoding refuses such typos
	// instead of quietly using a different key.
	if err != nil || len(key) < totpMinKeyLen || totpEncoding.EncodeToString(key) != s {
		return nil, errTOTPSecret
	}
	return key, nil
}

// totpCounter is RFC 6238's T = floor((t - T0) / X) with T0 = 0, X = 30 s.
func totpCounter(t time.Time) (int64, error) {
	u := t.Unix()
	if u < 0 {
		return 0, errTOTPTime
	}
	return u / totpPeriod, nil
}

// hotp is RFC 4226 section 5.3: HMAC-SHA-1 of the big-endian counter,
// dynamic truncation, reduced modulo 10^digits and zero-padded.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	code := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		code[i] = byte('0' + v%10)
		v /= 10
	}
	return string(code)
}

// TOTPCode returns the code for time t (for tests and enrollment display).
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	c, err := totpCounter(t)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(c), totpDigits), nil
}

// normalizeTOTPCode accepts surrounding white space and the "123 456"
// grouping authenticator apps display; anything else must be exactly six
// ASCII digits.
func normalizeTOTPCode(code string) (string, bool) {
	s := strings.TrimSpace(code)
	if len(s) == totpDigits+1 && s[totpDigits/2] == ' ' {
		s = s[:totpDigits/2] + s[totpDigits/2+1:]
	}
	if len(s) != totpDigits {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// VerifyTOTP accepts the code of t's step and one step either side (clock
// drift), comparing in constant time, and returns the matched step counter.
// The caller stores it and passes it back as lastUsed next time: a code whose
// counter is <= lastUsed is refused, so an observed code cannot be replayed
// (pass 0 for a user who has never logged in with a code). On failure it
// returns (0, false); a malformed secret or code is simply a failure.
func VerifyTOTP(secret, code string, t time.Time, lastUsed int64) (counter int64, ok bool) {
	want, valid := normalizeTOTPCode(code)
	if !valid {
		return 0, false
	}
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return 0, false
	}
	now, err := totpCounter(t)
	if err != nil {
		return 0, false
	}
	// Every candidate is computed and compared, so the time taken does not
	// reveal which step matched. Should two steps share a code, the later one
	// wins: it refuses more for replay.
	for c := now - totpDrift; c <= now+totpDrift; c++ {
		if c < 0 || c <= lastUsed {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(key, uint64(c), totpDigits)), []byte(want)) == 1 {
			counter, ok = c, true
		}
	}
	if !ok {
		return 0, false
	}
	return counter, true
}
