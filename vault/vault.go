// Package vault encrypts personal data at rest (CPR numbers, names, phone
// numbers, e-mail addresses) with AES-256-GCM, and computes a keyed blind
// index so rows can be found and de-duplicated without decrypting them.
//
// # Keys and configuration
//
// A Keyring holds the data-encryption keys by id and one blind-index key. The
// configuration is two strings (see ParseKeyring):
//
//	encryption: "k2026b:<base64 32 bytes>,k2025a:<base64 32 bytes>"
//	blindIndex: "<base64 32 bytes>"
//
// The first encryption key is the current one: everything is sealed with it.
// The others only decrypt. GenerateConfig makes fresh values.
//
// # Rotating the encryption key
//
//  1. Generate a key (GenerateConfig, take its encryption entry, or
//     `head -c 32 /dev/urandom | base64`) with a new id, and put it FIRST in
//     the encryption list, keeping the old entries after it. Deploy.
//  2. New and updated rows are now sealed with the new key; old rows still
//     open. Re-encrypt the old rows: load and save them (or Open and Seal),
//     selecting them by their prefix, e.g. WHERE cpr NOT LIKE 'v1:k2026b:%'
//     (KeyID tells the key of one value).
//  3. When no value names the old id any more, remove its entry. A value that
//     still names it then fails with ErrUnknownKey, never with garbage.
//
// The blind-index key cannot be rotated this way: every stored index is a
// function of it. Changing it means recomputing all indexes from the decrypted
// values in one migration, so keep it as long as it is not compromised.
//
// # What the key material never does
//
// Errors, String, GoString, Format and LogValue of a Keyring never contain key
// bytes; errors of Open never contain the input.
package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// KeySize is the size of every key: AES-256 and HMAC-SHA256 keys of 32 bytes.
const KeySize = 32

// MaxKeyIDLen is the longest key id ParseKeyring accepts.
const MaxKeyIDLen = 16

// BlindIndexLen is the length of every string BlindIndex returns (hex of
// HMAC-SHA256), so a column can be CHAR(64).
const BlindIndexLen = 2 * sha256.Size

// formatVersion is the prefix of every sealed value.
const formatVersion = "v1"

const nonceSize = 12 // 96-bit GCM nonce

// Errors of Open, KeyID and the gorm integration; test with errors.Is. Their
// messages never contain the sealed input or the plaintext.
var (
	// ErrMalformed: the value is not "v1:<keyid>:<base64>" with a canonical
	// base64 payload long enough for a nonce and a tag.
	ErrMalformed = errors.New("vault: malformed sealed value")
	// ErrUnknownKey: the value names a key id the keyring does not hold
	// (removed too early after a rotation, or the wrong configuration).
	ErrUnknownKey = errors.New("vault: unknown key id")
	// ErrAuthFailed: the key is known but the value does not authenticate:
	// it was altered, or it belongs to another place (other AAD: another
	// column, table or row), or the key under that id is not the one that
	// sealed it.
	ErrAuthFailed = errors.New("vault: authentication failed")
)

// Keyring holds the data-encryption keys by id (one is current, for writing;
// the others still decrypt) and the blind-index key. It is immutable after
// ParseKeyring and safe for concurrent use.
type Keyring struct {
	current string
	ids     []string // in configuration order; ids[0] == current
	// The key material sits behind a function: fmt, even when it prints by
	// reflection (a Keyring in an unexported field, a bad verb), shows a
	// func as an address and never calls it.
	keys func() *keyMaterial
}

type keyMaterial struct {
	aeads map[string]cipher.AEAD
	blind []byte
}

// ParseKeyring reads the configuration format:
//
//	encryption: "id1:base64key1,id2:base64key2"
//	blindIndex: "base64key"
//
// The FIRST encryption entry is the current key, used by Seal; the others
// only open values sealed earlier. Ids are 1–16 characters [a-z0-9]. Keys
// are 32 random bytes in standard, padded base64 (44 characters). Blanks
// around entries are ignored. The blind-index key must differ from every
// encryption key, and no two entries may share an id or a key.
//
// Errors name the entry by position (1-based) and, when the id is valid, by
// id; they never contain key material, nor an invalid id (which could be a
// key pasted in the wrong place).
func ParseKeyring(encryption, blindIndex string) (*Keyring, error) {
	k := &Keyring{}
	m := &keyMaterial{aeads: make(map[string]cipher.AEAD)}
	if strings.TrimSpace(encryption) == "" {
		return nil, errors.New("vault: no encryption keys configured (want \"id:base64key[,id:base64key...]\")")
	}
	seenKeys := make(map[string]int) // key bytes -> position, to reject reuse
	seenIDs := make(map[string]int)
	for i, entry := range strings.Split(encryption, ",") {
		pos := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("vault: encryption key entry %d is empty", pos)
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("vault: encryption key entry %d: want id:base64key", pos)
		}
		id = strings.TrimSpace(id)
		if !validKeyID(id) {
			return nil, fmt.Errorf("vault: encryption key entry %d: invalid key id (want 1-%d characters a-z, 0-9)", pos, MaxKeyIDLen)
		}
		name := fmt.Sprintf("encryption key entry %d (id %q)", pos, id)
		if prev, dup := seenIDs[id]; dup {
			return nil, fmt.Errorf("vault: %s: duplicate key id (also entry %d)", name, prev)
		}
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("vault: %s: %w", name, err)
		}
		if prev, dup := seenKeys[string(key)]; dup {
			return nil, fmt.Errorf("vault: %s: same key as entry %d (a new id needs a new key)", name, prev)
		}
		block, err := aes.NewCipher(key)
		if err != nil { // cannot happen with 32 bytes
			return nil, fmt.Errorf("vault: %s: cannot create cipher", name)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("vault: %s: cannot create GCM", name)
		}
		seenIDs[id] = pos
		seenKeys[string(key)] = pos
		k.ids = append(k.ids, id)
		m.aeads[id] = aead
	}
	k.current = k.ids[0]

	bi := strings.TrimSpace(blindIndex)
	if bi == "" {
		return nil, errors.New("vault: no blind-index key configured")
	}
	key, err := decodeKey(bi)
	if err != nil {
		return nil, fmt.Errorf("vault: blind-index key: %w", err)
	}
	if prev, dup := seenKeys[string(key)]; dup {
		return nil, fmt.Errorf("vault: blind-index key: same key as encryption key entry %d (use a separate key)", prev)
	}
	m.blind = key
	k.keys = func() *keyMaterial { return m }
	return k, nil
}

// decodeKey decodes a standard, padded base64 key of KeySize bytes. Its
// errors say what is wrong without quoting the input.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("key is empty")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(key) != s {
		return nil, errors.New("key is not valid standard base64 (A-Z a-z 0-9 + /, padded with =)")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(key), KeySize)
	}
	if bytes.Equal(key, make([]byte, KeySize)) {
		return nil, errors.New("key is all zeros (a placeholder, not a random key)")
	}
	return key, nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > MaxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// GenerateConfig returns fresh random values in ParseKeyring's format: one
// encryption key with a new id ("k" + today's date + 4 random hex digits, so
// ids sort by age and do not collide) and a blind-index key.
//
// `valghalla dev` uses it to create the keys in its data folder. Operators use
// it for a new installation, and for a rotation: take the returned
// encryption entry and put it in front of the existing list, keeping the
// blind-index key as it is (see the package documentation). Keep both values
// in a secret store, never in the repository; losing the encryption keys
// loses the data.
func GenerateConfig() (encryption, blindIndex string, err error) {
	var buf [2*KeySize + 2]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", "", fmt.Errorf("vault: read random bytes: %w", err)
	}
	id := "k" + time.Now().UTC().Format("20060102") + hex.EncodeToString(buf[2*KeySize:])
	encryption = id + ":" + base64.StdEncoding.EncodeToString(buf[:KeySize])
	blindIndex = base64.StdEncoding.EncodeToString(buf[KeySize : 2*KeySize])
	return encryption, blindIndex, nil
}

// CurrentKeyID is the id of the key Seal uses.
func (k *Keyring) CurrentKeyID() string { return k.current }

// KeyIDs returns all key ids, the current one first.
func (k *Keyring) KeyIDs() []string { return append([]string(nil), k.ids...) }

// Seal encrypts plaintext with the current key and a random 96-bit nonce.
// The output is self-describing, "v1:<keyid>:<base64(nonce|ciphertext|tag)>"
// (standard padded base64), so Open can pick the key and a rotation can find
// rows still on an old key.
//
// aad binds the ciphertext to its place, e.g. "participants.cpr:<row id>" or
// just "participants.cpr": a value copied to another column or row does not
// open there. The "v1:<keyid>:" header is authenticated too.
//
// Random nonces are safe for about 2^32 seals per key; rotate long before.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	if k == nil || k.current == "" {
		return "", errors.New("vault: Seal on a nil or empty keyring")
	}
	aead := k.keys().aeads[k.current]
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("vault: read random nonce: %w", err)
	}
	header := formatVersion + ":" + k.current + ":"
	out := aead.Seal(nonce, nonce, plaintext, additionalData(header, aad))
	return header + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad, with whichever key of
// the keyring its header names. Errors wrap ErrMalformed, ErrUnknownKey or
// ErrAuthFailed and never contain the input (only a well-formed key id).
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	if k == nil || k.current == "" {
		return nil, errors.New("vault: Open on a nil or empty keyring")
	}
	id, payload, err := parseSealed(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.keys().aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w %q (the keyring holds %s)", ErrUnknownKey, id, strings.Join(k.ids, ", "))
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(payload)
	// Only the canonical encoding is accepted, so that every change to the
	// text is a change to the authenticated bytes (the decoder ignores
	// newlines and, without Strict, the spare bits of the last character).
	if err != nil || base64.StdEncoding.EncodeToString(raw) != payload {
		return nil, fmt.Errorf("%w: payload is not canonical standard base64", ErrMalformed)
	}
	if len(raw) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: payload too short", ErrMalformed)
	}
	header := formatVersion + ":" + id + ":"
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], additionalData(header, aad))
	if err != nil {
		return nil, ErrAuthFailed
	}
	return plain, nil
}

// KeyID tells which key sealed a value, for rotation. For a well-formed value
// it returns the id; the error is nil when the keyring holds that key and
// wraps ErrUnknownKey when it does not. It does not authenticate the value.
func (k *Keyring) KeyID(sealed string) (string, error) {
	if k == nil || k.keys == nil {
		return "", errors.New("vault: KeyID on a nil or empty keyring")
	}
	id, _, err := parseSealed(sealed)
	if err != nil {
		return "", err
	}
	if _, ok := k.keys().aeads[id]; !ok {
		return id, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	return id, nil
}

func parseSealed(sealed string) (id, payload string, err error) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok {
		return "", "", fmt.Errorf("%w: want v1:<keyid>:<base64>", ErrMalformed)
	}
	if version != formatVersion {
		return "", "", fmt.Errorf("%w: unsupported format version", ErrMalformed)
	}
	id, payload, ok = strings.Cut(rest, ":")
	if !ok || !validKeyID(id) {
		return "", "", fmt.Errorf("%w: invalid key id", ErrMalformed)
	}
	return id, payload, nil
}

func additionalData(header string, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}

// BlindIndex returns a keyed HMAC-SHA256 of value as BlindIndexLen lowercase
// hex digits, for lookup and uniqueness without decrypting. purpose separates
// domains ("cpr", "email", "phone"), so equal strings in different fields do
// not match; it is length-prefixed, so no purpose/value split collides with
// another.
//
// BlindIndex does not normalise: pass the canonical form of the value (e.g.
// a CPR number as its ten digits without the dash, an e-mail address trimmed
// and lower-cased), the same way on writing and on lookup, or equal values
// will not match.
//
// An index is as guessable as its input: there are only about 3.6 million
// CPR numbers per birth year, so anyone who has the blind-index key can
// enumerate them. Guard the key like the encryption keys.
func (k *Keyring) BlindIndex(purpose string, value []byte) string {
	mac := hmac.New(sha256.New, k.keys().blind)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(purpose)))
	mac.Write(n[:])
	mac.Write([]byte(purpose))
	mac.Write(value)
	return hex.EncodeToString(mac.Sum(nil))
}

// String describes the keyring by its ids; never the keys. String, GoString,
// Format and LogValue have value receivers so that a Keyring value, not only
// a pointer, is covered too.
func (k Keyring) String() string {
	return fmt.Sprintf("vault.Keyring{current: %s, keys: [%s], blind index: [redacted]}", k.current, strings.Join(k.ids, " "))
}

// GoString is String, so %#v does not dump the keys.
func (k Keyring) GoString() string { return k.String() }

// Format prints String for every verb, so no verb (%x, %d, ...) dumps the keys.
func (k Keyring) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue describes the keyring by its ids in slog output.
func (k Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }
