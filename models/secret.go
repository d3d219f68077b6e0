package models

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what a Secret shows instead of its content.
const Redacted = "[redacted]"

// Secret is a string that is stored encrypted (by its gorm serializer, with
// the Sealer in the statement's context; see vault.Plugin). It never prints
// its content: String, GoString, Format (every fmt verb), LogValue,
// MarshalJSON and MarshalText give "[redacted]". Reveal returns it; call it
// only where the plaintext is really needed, and audit full CPR reveals.
//
// The zero value is the empty secret, stored as NULL. A Secret is immutable;
// copies share the same content.
//
// The content sits behind a *string so that fmt does not print it even when a
// Secret is an unexported field of another struct: fmt cannot call Format
// there and falls back to reflection, which shows a pointer to a string as an
// address, for every verb (a pointer to a struct it would dereference).
// Tools that walk memory by reflection and follow pointers (e.g. spew, as
// used by testify for diffs) can still reach it: in tests, compare Reveal()
// values, not structs holding Secrets. == compares identity, not content;
// use Equal.
type Secret struct {
	p *string
}

// NewSecret wraps s. NewSecret("") is the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the plaintext.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero tells whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// Equal compares the contents in constant time (for equal lengths).
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// String returns "[redacted]".
func (Secret) String() string { return Redacted }

// GoString returns "[redacted]", for %#v.
func (Secret) GoString() string { return Redacted }

// Format prints "[redacted]" for every verb (%v, %+v, %#v, %s, %q, %x, %d...).
func (Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, Redacted) }

// LogValue makes slog log "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON gives the JSON string "[redacted]": an API must Reveal (and
// mask or audit) explicitly to send personal data.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText gives "[redacted]", for encoders that use encoding.TextMarshaler.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
