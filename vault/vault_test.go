package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
)

// Fixed test keys (32 bytes each, never used outside tests).
var (
	keyA  = b64(bytes.Repeat([]byte{0xa1}, 32))
	keyB  = b64(bytes.Repeat([]byte{0xb2}, 32))
	keyBI = b64(bytes.Repeat([]byte{0xc3}, 32))
	keyX  = b64(bytes.Repeat([]byte{0xd4}, 32))
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustKeyring(t testing.TB, enc, bi string) *vault.Keyring {
	t.Helper()
	k, err := vault.ParseKeyring(enc, bi)
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	return k
}

func testKeyring(t testing.TB) *vault.Keyring {
	return mustKeyring(t, "ka:"+keyA, keyBI)
}

const cpr = "0101901234" // fictitious

func TestRoundTrip(t *testing.T) {
	k := testKeyring(t)
	for _, plain := range []string{cpr, "", "Jens Ærø Østergård", strings.Repeat("x", 10000)} {
		sealed, err := k.Seal([]byte(plain), []byte("participants.cpr"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v1:ka:") {
			t.Fatalf("sealed value %q lacks the v1:ka: header", sealed[:10])
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := k.Open(sealed, []byte("participants.cpr"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != plain {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
	if k.CurrentKeyID() != "ka" {
		t.Fatalf("CurrentKeyID = %q", k.CurrentKeyID())
	}
}

func TestSealIsRandomised(t *testing.T) {
	k := testKeyring(t)
	seen := map[string]bool{}
	for range 100 {
		s, err := k.Seal([]byte(cpr), []byte("cpr"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatal("two seals of the same plaintext are equal")
		}
		seen[s] = true
	}
}

func TestTamperingFails(t *testing.T) {
	k := testKeyring(t)
	aad := []byte("participants.cpr:42")
	sealed, err := k.Seal([]byte(cpr), aad)
	if err != nil {
		t.Fatal(err)
	}
	// Every position of the text, replaced by every other printable character
	// (and a few control bytes), must fail.
	for i := 0; i < len(sealed); i++ {
		for c := byte(0); c < 0x80; c++ {
			if c == sealed[i] || (c < 0x20 && c != '\n' && c != '\r' && c != 0) {
				continue
			}
			b := []byte(sealed)
			b[i] = c
			if got, err := k.Open(string(b), aad); err == nil {
				t.Fatalf("byte %d changed to %q: Open succeeded with %q", i, c, got)
			}
		}
	}
	// Every bit of the decoded payload.
	_, payload, _ := strings.Cut(strings.TrimPrefix(sealed, "v1:"), ":")
	raw, _ := base64.StdEncoding.DecodeString(payload)
	for i := range raw {
		for bit := range 8 {
			r := bytes.Clone(raw)
			r[i] ^= 1 << bit
			if _, err := k.Open("v1:ka:"+b64(r), aad); !errors.Is(err, vault.ErrAuthFailed) {
				t.Fatalf("payload byte %d bit %d flipped: err = %v, want ErrAuthFailed", i, bit, err)
			}
		}
	}
	// Insertions, truncations and a newline (which base64 decoders skip).
	for _, bad := range []string{
		sealed + "A", sealed[:len(sealed)-1], sealed[:len(sealed)-4], "v1:ka:", "v1:ka",
		sealed[:10] + "\n" + sealed[10:], " " + sealed, sealed + "\n",
	} {
		if _, err := k.Open(bad, aad); err == nil {
			t.Fatalf("altered value %q opened", bad)
		}
	}
}

func TestWrongAADFails(t *testing.T) {
	k := testKeyring(t)
	sealed, err := k.Seal([]byte(cpr), []byte("participants.cpr:1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"participants.cpr:2", "participants.phone:1", "", "participants.cpr:1 "} {
		if _, err := k.Open(sealed, []byte(aad)); !errors.Is(err, vault.ErrAuthFailed) {
			t.Fatalf("aad %q: err = %v, want ErrAuthFailed", aad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	old := mustKeyring(t, "ka:"+keyA, keyBI)
	sealedOld, err := old.Seal([]byte(cpr), []byte("cpr"))
	if err != nil {
		t.Fatal(err)
	}
	// New key first, old one kept for decryption.
	rotated := mustKeyring(t, "kb:"+keyB+", ka:"+keyA, keyBI)
	if rotated.CurrentKeyID() != "kb" {
		t.Fatalf("CurrentKeyID = %q, want kb", rotated.CurrentKeyID())
	}
	if got, err := rotated.Open(sealedOld, []byte("cpr")); err != nil || string(got) != cpr {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if id, err := rotated.KeyID(sealedOld); err != nil || id != "ka" {
		t.Fatalf("KeyID(old) = %q, %v; want ka", id, err)
	}
	sealedNew, err := rotated.Seal([]byte(cpr), []byte("cpr"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := rotated.KeyID(sealedNew); err != nil || id != "kb" {
		t.Fatalf("KeyID(new) = %q, %v; want kb", id, err)
	}
	// The keyring before the rotation does not know kb.
	if _, err := old.Open(sealedNew, []byte("cpr")); !errors.Is(err, vault.ErrUnknownKey) {
		t.Fatalf("old keyring on new value: %v, want ErrUnknownKey", err)
	}
	// Relabelling a value with another known id does not open it.
	relabelled := "v1:kb:" + strings.TrimPrefix(sealedOld, "v1:ka:")
	if _, err := rotated.Open(relabelled, []byte("cpr")); !errors.Is(err, vault.ErrAuthFailed) {
		t.Fatalf("relabelled value: %v, want ErrAuthFailed", err)
	}
	if got := rotated.KeyIDs(); len(got) != 2 || got[0] != "kb" || got[1] != "ka" {
		t.Fatalf("KeyIDs = %v", got)
	}
}

func TestUnknownKeyID(t *testing.T) {
	other := mustKeyring(t, "kx:"+keyX, keyBI)
	sealed, err := other.Seal([]byte(cpr), nil)
	if err != nil {
		t.Fatal(err)
	}
	k := testKeyring(t)
	_, err = k.Open(sealed, nil)
	if !errors.Is(err, vault.ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if !strings.Contains(err.Error(), `"kx"`) || !strings.Contains(err.Error(), "unknown key id") {
		t.Fatalf("error %q should name the unknown id kx", err)
	}
	_, payload, _ := strings.Cut(strings.TrimPrefix(sealed, "v1:"), ":")
	if strings.Contains(err.Error(), payload[:8]) {
		t.Fatalf("error %q echoes the input", err)
	}
	if id, err := k.KeyID(sealed); id != "kx" || !errors.Is(err, vault.ErrUnknownKey) {
		t.Fatalf("KeyID = %q, %v; want kx, ErrUnknownKey", id, err)
	}
}

func TestOpenMalformed(t *testing.T) {
	k := testKeyring(t)
	secretLooking := "v1:ka:" + b64([]byte("0101901234-not-a-ciphertext"))
	for _, in := range []string{
		"", "0101901234", "v1", "v1:", "v1::", "v2:ka:" + b64(make([]byte, 40)),
		"v1:KA:" + b64(make([]byte, 40)), "v1:ka:***", "v1:ka:" + b64(make([]byte, 27)),
		"v1:" + strings.Repeat("a", 17) + ":AAAA", secretLooking,
	} {
		_, err := k.Open(in, nil)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", in)
		}
		if !errors.Is(err, vault.ErrMalformed) && !errors.Is(err, vault.ErrAuthFailed) {
			t.Fatalf("Open(%q): %v, want ErrMalformed or ErrAuthFailed", in, err)
		}
		if len(in) > 6 && strings.Contains(err.Error(), in[6:]) || strings.Contains(err.Error(), "0101901234") {
			t.Fatalf("Open(%q): error %q echoes the input", in, err)
		}
		if _, err := k.KeyID(in); err == nil && !strings.HasPrefix(in, "v1:ka:") {
			t.Fatalf("KeyID(%q) succeeded", in)
		}
	}
}

func TestParseKeyringRejects(t *testing.T) {
	short := b64(bytes.Repeat([]byte{0x11}, 16))
	long := b64(bytes.Repeat([]byte{0x22}, 33))
	urlSafe := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)) // has - and _
	unpadded := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0x33}, 32))
	notB64 := "this-is-not-base64-at-all-but-44-chars-long!"
	zero := b64(make([]byte, 32))
	cases := []struct {
		name, enc, bi, want string
		material            []string // must not appear in the error
	}{
		{"empty list", "", keyBI, "no encryption keys", nil},
		{"blank list", "  ", keyBI, "no encryption keys", nil},
		{"empty entry", "ka:" + keyA + ",", keyBI, "entry 2 is empty", []string{keyA}},
		{"no colon", keyA, keyBI, "entry 1: want id:base64key", []string{keyA}},
		{"short key", "ka:" + keyA + ",kb:" + short, keyBI, `entry 2 (id "kb"): key is 16 bytes`, []string{short, keyA}},
		{"long key", "ka:" + long, keyBI, `entry 1 (id "ka"): key is 33 bytes`, []string{long}},
		{"bad base64", "ka:" + notB64, keyBI, `entry 1 (id "ka"): key is not valid standard base64`, []string{notB64, "this-is"}},
		{"url base64", "ka:" + urlSafe, keyBI, "not valid standard base64", []string{urlSafe}},
		{"unpadded", "ka:" + unpadded, keyBI, "not valid standard base64", []string{unpadded}},
		{"zero key", "ka:" + zero, keyBI, "all zeros", []string{zero}},
		{"duplicate id", "ka:" + keyA + ",ka:" + keyB, keyBI, `entry 2 (id "ka"): duplicate key id (also entry 1)`, []string{keyA, keyB}},
		{"duplicate key", "ka:" + keyA + ",kb:" + keyA, keyBI, `entry 2 (id "kb"): same key as entry 1`, []string{keyA}},
		{"empty id", ":" + keyA, keyBI, "entry 1: invalid key id", []string{keyA}},
		{"upper-case id", "KA:" + keyA, keyBI, "entry 1: invalid key id", []string{keyA, "KA"}},
		{"long id", strings.Repeat("k", 17) + ":" + keyA, keyBI, "entry 1: invalid key id", []string{keyA}},
		{"id with dash", "k-a:" + keyA, keyBI, "entry 1: invalid key id", []string{keyA, "k-a"}},
		// key and id swapped: the "id" is the key, and must not be echoed.
		{"swapped", keyA + ":ka", keyBI, "entry 1: invalid key id", []string{keyA, keyA[:8]}},
		{"no blind key", "ka:" + keyA, "", "no blind-index key", []string{keyA}},
		{"short blind key", "ka:" + keyA, short, "blind-index key: key is 16 bytes", []string{short, keyA}},
		{"bad blind key", "ka:" + keyA, notB64, "blind-index key: key is not valid", []string{notB64, keyA}},
		{"blind key reused", "ka:" + keyA + ",kb:" + keyB, keyB, "blind-index key: same key as encryption key entry 2", []string{keyA, keyB}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := vault.ParseKeyring(c.enc, c.bi)
			if err == nil {
				t.Fatalf("accepted: %v", k)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Fatalf("error %q, want it to contain %q", msg, c.want)
			}
			for _, m := range c.material {
				if m != "" && strings.Contains(msg, m) {
					t.Fatalf("error %q contains key material %q", msg, m)
				}
			}
			// No 8-character window of any key string appears.
			for _, key := range []string{c.enc, c.bi} {
				for _, part := range strings.FieldsFunc(key, func(r rune) bool { return r == ',' || r == ':' || r == ' ' }) {
					if len(part) < 20 {
						continue // an id, not a key
					}
					for i := 0; i+8 <= len(part); i++ {
						if strings.Contains(msg, part[i:i+8]) {
							t.Fatalf("error %q contains key material %q", msg, part[i:i+8])
						}
					}
				}
			}
		})
	}
}

func TestParseKeyringAccepts(t *testing.T) {
	k := mustKeyring(t, " k2026a : "+keyB+" , k2025:"+keyA+" ", " "+keyBI+"\n")
	if k.CurrentKeyID() != "k2026a" {
		t.Fatalf("CurrentKeyID = %q", k.CurrentKeyID())
	}
	if ids := k.KeyIDs(); len(ids) != 2 || ids[1] != "k2025" {
		t.Fatalf("KeyIDs = %v", ids)
	}
}

func TestGenerateConfig(t *testing.T) {
	enc, bi, err := vault.GenerateConfig()
	if err != nil {
		t.Fatal(err)
	}
	k := mustKeyring(t, enc, bi)
	if !regexp.MustCompile(`^k\d{8}[0-9a-f]{4}$`).MatchString(k.CurrentKeyID()) {
		t.Fatalf("generated id %q", k.CurrentKeyID())
	}
	enc2, bi2, err := vault.GenerateConfig()
	if err != nil {
		t.Fatal(err)
	}
	if enc == enc2 || bi == bi2 {
		t.Fatal("GenerateConfig repeated itself")
	}
	// A rotation: the new entry in front of the old one.
	mustKeyring(t, enc2+","+enc, bi)
}

func TestKeyringNeverPrintsKeys(t *testing.T) {
	k := testKeyring(t)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("keys", "keyring", k)
	outs := []string{logBuf.String()}
	type hidden struct {
		k  vault.Keyring
		kp *vault.Keyring
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{k, *k, hidden{*k, k}, &hidden{*k, k}, []vault.Keyring{*k}} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	raw := [][]byte{bytes.Repeat([]byte{0xa1}, 4), bytes.Repeat([]byte{0xc3}, 4)}
	for _, out := range outs {
		for _, m := range []string{keyA[:8], keyBI[:8], "a1a1a1a1", "c3c3c3c3", "161 161", "195 195", string(raw[0]), string(raw[1])} {
			if strings.Contains(out, m) {
				t.Fatalf("%q shows key material", out)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(k), "ka") {
		t.Fatalf("%v should name the key ids", k)
	}
}

func TestBlindIndex(t *testing.T) {
	k := testKeyring(t)
	a := k.BlindIndex("cpr", []byte(cpr))
	if a != k.BlindIndex("cpr", []byte(cpr)) {
		t.Fatal("blind index is not deterministic")
	}
	if len(a) != vault.BlindIndexLen || !regexp.MustCompile(`^[0-9a-f]+$`).MatchString(a) {
		t.Fatalf("blind index %q: want %d hex digits", a, vault.BlindIndexLen)
	}
	for _, v := range []string{"", "x", strings.Repeat("long ", 1000)} {
		if n := len(k.BlindIndex("email", []byte(v))); n != vault.BlindIndexLen {
			t.Fatalf("length %d for a %d-byte value", n, len(v))
		}
	}
	if a == k.BlindIndex("phone", []byte(cpr)) {
		t.Fatal("blind index does not depend on the purpose")
	}
	if k.BlindIndex("cp", []byte("r"+cpr)) == a {
		t.Fatal("purpose/value boundary is ambiguous")
	}
	if a == k.BlindIndex("cpr", []byte("0101901235")) {
		t.Fatal("different values, same index")
	}
	other := mustKeyring(t, "ka:"+keyA, keyX)
	if a == other.BlindIndex("cpr", []byte(cpr)) {
		t.Fatal("blind index does not depend on the key")
	}
	// The encryption keys do not affect it: a rotation keeps the indexes.
	rotated := mustKeyring(t, "kb:"+keyB+",ka:"+keyA, keyBI)
	if a != rotated.BlindIndex("cpr", []byte(cpr)) {
		t.Fatal("rotating the encryption key changed the blind index")
	}
	if strings.Contains(a, cpr[:4]) && strings.Contains(a, cpr[4:8]) {
		t.Fatal("blind index shows the value")
	}
}

// participant is the model of the gorm test: CPR is encrypted, CPRIndex is
// the blind index for lookups.
type participant struct {
	ID       int64
	CPR      models.Secret
	CPRIndex string
}

func (participant) TableName() string { return "vault_test" }

// participantCopy has the same columns in another table.
type participantCopy struct {
	ID       int64
	CPR      models.Secret
	CPRIndex string
}

func (participantCopy) TableName() string { return "vault_test_copy" }

func TestGormStoresCiphertext(t *testing.T) {
	k := testKeyring(t)
	db := storetest.SQLite(t)
	if err := db.Use(vault.Plugin(k)); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"vault_test", "vault_test_copy"} {
		if err := db.Exec("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, cpr TEXT, cpr_index TEXT)").Error; err != nil {
			t.Fatal(err)
		}
	}

	p := participant{CPR: models.NewSecret(cpr), CPRIndex: k.BlindIndex("cpr", []byte(cpr))}
	if err := db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	empty := participant{CPRIndex: "none"}
	if err := db.Create(&empty).Error; err != nil {
		t.Fatal(err)
	}

	// The raw column holds a sealed value, with neither the plaintext nor
	// any 6-digit run of it (a 4-digit run turns up in random base64 about
	// twice in 100,000 runs; six digits about never).
	var raw string
	if err := db.Raw("SELECT cpr FROM vault_test WHERE id = ?", p.ID).Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "v1:ka:") {
		t.Fatalf("raw column %q is not a sealed value", raw)
	}
	for i := 0; i+6 <= len(cpr); i++ {
		if strings.Contains(raw, cpr[i:i+6]) {
			t.Fatalf("raw column %q contains %q of the plaintext", raw, cpr[i:i+6])
		}
	}
	// It is bound to table and column.
	if got, err := k.Open(raw, []byte("vault_test.cpr")); err != nil || string(got) != cpr {
		t.Fatalf("Open(raw, vault_test.cpr) = %q, %v", got, err)
	}
	var rawEmpty *string
	if err := db.Raw("SELECT cpr FROM vault_test WHERE id = ?", empty.ID).Scan(&rawEmpty).Error; err != nil {
		t.Fatal(err)
	}
	if rawEmpty != nil {
		t.Fatalf("zero Secret stored as %q, want NULL", *rawEmpty)
	}

	// Reading decrypts, found by the blind index.
	var got participant
	if err := db.Where("cpr_index = ?", k.BlindIndex("cpr", []byte(cpr))).First(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.CPR.Reveal() != cpr {
		t.Fatalf("read back id %d, cpr %q", got.ID, got.CPR.Reveal())
	}
	var all []participant
	if err := db.Order("id").Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].CPR.Reveal() != cpr || !all[1].CPR.IsZero() {
		t.Fatalf("Find: %d rows, %q, %q", len(all), all[0].CPR.Reveal(), all[1].CPR.Reveal())
	}

	// Updates through the model seal again, with a fresh nonce.
	if err := db.Model(&got).Updates(participant{CPR: models.NewSecret("0202021234")}).Error; err != nil {
		t.Fatal(err)
	}
	var raw2 string
	db.Raw("SELECT cpr FROM vault_test WHERE id = ?", p.ID).Scan(&raw2)
	if raw2 == raw || !strings.HasPrefix(raw2, "v1:ka:") || strings.Contains(raw2, "0202021234") {
		t.Fatalf("update stored %q", raw2)
	}
	var reread participant
	if err := db.First(&reread, p.ID).Error; err != nil || reread.CPR.Reveal() != "0202021234" {
		t.Fatalf("after update: %q, %v", reread.CPR.Reveal(), err)
	}

	// gorm does not run serializers for map updates and query arguments: a
	// Secret there reaches the driver as a struct, which refuses it. It
	// fails closed; nothing is stored in clear.
	for _, err := range []error{
		db.Model(&got).Update("cpr", models.NewSecret("0303031234")).Error,
		db.Model(&got).Updates(map[string]any{"cpr": models.NewSecret("0303031234")}).Error,
		db.Where("cpr = ?", models.NewSecret("0303031234")).First(&participant{}).Error,
	} {
		if err == nil || strings.Contains(err.Error(), "0303031234") {
			t.Fatalf("Secret as a plain argument: %v", err)
		}
	}
	var count int64
	db.Raw("SELECT count(*) FROM vault_test WHERE cpr LIKE '%0303031234%' OR cpr NOT LIKE 'v1:%'").Scan(&count)
	if count != 0 {
		t.Fatalf("%d rows hold a value in clear", count)
	}

	// A value copied to another table does not open there.
	if err := db.Exec("INSERT INTO vault_test_copy (id, cpr) SELECT id, cpr FROM vault_test WHERE id = ?", p.ID).Error; err != nil {
		t.Fatal(err)
	}
	var copied participantCopy
	err := db.First(&copied, p.ID).Error
	if !errors.Is(err, vault.ErrAuthFailed) {
		t.Fatalf("copied to another table: %v, want ErrAuthFailed", err)
	}
	if strings.Contains(err.Error(), "0202021234") || strings.Contains(err.Error(), raw2[6:]) {
		t.Fatalf("error %q shows the value", err)
	}
}

func TestGormRotationAndContext(t *testing.T) {
	old := mustKeyring(t, "ka:"+keyA, keyBI)
	rotated := mustKeyring(t, "kb:"+keyB+",ka:"+keyA, keyBI)
	db := storetest.SQLite(t)
	if err := db.Exec("CREATE TABLE vault_test (id INTEGER PRIMARY KEY, cpr TEXT, cpr_index TEXT)").Error; err != nil {
		t.Fatal(err)
	}

	// Without a keyring, nothing is written or read.
	err := db.Create(&participant{ID: 1, CPR: models.NewSecret(cpr)}).Error
	if !errors.Is(err, vault.ErrNoKeyring) {
		t.Fatalf("Create without keyring: %v, want ErrNoKeyring", err)
	}
	var n int64
	db.Raw("SELECT count(*) FROM vault_test").Scan(&n)
	if n != 0 {
		t.Fatalf("%d rows written without a keyring", n)
	}

	// Written with the old keyring (given per operation).
	ctxOld := vault.NewContext(context.Background(), old)
	if err := db.WithContext(ctxOld).Create(&participant{ID: 1, CPR: models.NewSecret(cpr)}).Error; err != nil {
		t.Fatal(err)
	}
	var p participant
	if err := db.First(&p, 1).Error; !errors.Is(err, vault.ErrNoKeyring) {
		t.Fatalf("read without keyring: %v, want ErrNoKeyring", err)
	}

	// The database now gets the rotated keyring: the old row still opens,
	// and saving it re-encrypts it with the new key.
	if err := db.Use(vault.Plugin(rotated)); err != nil {
		t.Fatal(err)
	}
	if err := db.First(&p, 1).Error; err != nil || p.CPR.Reveal() != cpr {
		t.Fatalf("old row after rotation: %q, %v", p.CPR.Reveal(), err)
	}
	rawKeyID := func() string {
		var raw string
		db.Raw("SELECT cpr FROM vault_test WHERE id = 1").Scan(&raw)
		id, err := rotated.KeyID(raw)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := rawKeyID(); id != "ka" {
		t.Fatalf("before re-save: key %q, want ka", id)
	}
	if err := db.Save(&p).Error; err != nil {
		t.Fatal(err)
	}
	if id := rawKeyID(); id != "kb" {
		t.Fatalf("after re-save: key %q, want kb", id)
	}
	// The old keyring, given explicitly, takes precedence and cannot open it.
	if err := db.WithContext(ctxOld).First(&p, 1).Error; !errors.Is(err, vault.ErrUnknownKey) {
		t.Fatalf("old keyring on re-sealed row: %v, want ErrUnknownKey", err)
	}
}

// rawRow reads vault_test through an ad-hoc struct, with the AAD pinned.
type rawRow struct {
	ID  int64
	CPR models.Secret `vault:"aad=vault_test.cpr"`
}

func TestGormPinnedAAD(t *testing.T) {
	k := testKeyring(t)
	db := storetest.SQLite(t)
	if err := db.Use(vault.Plugin(k)); err != nil {
		t.Fatal(err)
	}
	db.Exec("CREATE TABLE vault_test (id INTEGER PRIMARY KEY, cpr TEXT, cpr_index TEXT)")
	if err := db.Create(&participant{ID: 7, CPR: models.NewSecret(cpr)}).Error; err != nil {
		t.Fatal(err)
	}
	var rows []rawRow
	if err := db.Raw("SELECT id, cpr FROM vault_test").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].CPR.Reveal() != cpr {
		t.Fatalf("raw scan: %+v", rows)
	}
	// Without the tag the ad-hoc struct's own table name is the AAD.
	var unpinned []struct {
		ID  int64
		CPR models.Secret
	}
	if err := db.Raw("SELECT id, cpr FROM vault_test").Scan(&unpinned).Error; !errors.Is(err, vault.ErrAuthFailed) {
		t.Fatalf("unpinned raw scan: %v, want ErrAuthFailed", err)
	}
}

func FuzzOpen(f *testing.F) {
	k := mustKeyring(f, "ka:"+keyA+",kb:"+keyB, keyBI)
	good, _ := k.Seal([]byte(cpr), []byte("aad"))
	for _, s := range []string{good, "", "v1:", "v1:ka:", "v1:ka:AAAA", "v1:kz:" + good[6:], "v2:ka:" + good[6:], good[:len(good)-2]} {
		f.Add(s, "aad")
	}
	f.Fuzz(func(t *testing.T, sealed, aad string) {
		plain, err := k.Open(sealed, []byte(aad))
		if err == nil {
			// Only a genuine value opens: the only one ever sealed with
			// these keys (in any fuzz worker, each with its own nonce) is
			// cpr under "aad".
			if aad != "aad" || string(plain) != cpr {
				t.Fatalf("Open(%q, %q) = %q without error", sealed, aad, plain)
			}
			return
		}
		if !errors.Is(err, vault.ErrMalformed) && !errors.Is(err, vault.ErrUnknownKey) && !errors.Is(err, vault.ErrAuthFailed) {
			t.Fatalf("Open(%q): unclassified error %v", sealed, err)
		}
		// The message is one of a few fixed texts plus at most a valid key
		// id (≤ 16 characters) and the keyring's ids: it cannot echo more
		// than that of the input.
		if len(err.Error()) > 120 {
			t.Fatalf("error %q is long; does it echo the input?", err)
		}
		if len(sealed) > 24 && strings.Contains(err.Error(), sealed[len(sealed)-20:]) {
			t.Fatalf("error %q echoes the input", err)
		}
		_, _ = k.KeyID(sealed)
	})
}
