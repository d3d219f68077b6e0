package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm/schema"
)

type withSecrets struct {
	Name  string
	CPR   Secret
	Phone *Secret
	email Secret // unexported: fmt cannot call its methods
}

func TestSecretNeverPrints(t *testing.T) {
	const cpr = "0101901234" // fictitious
	s := NewSecret(cpr)
	phone := NewSecret("+4512345678")
	w := withSecrets{Name: "Jens", CPR: s, Phone: &phone, email: NewSecret("jens@example.dk")}
	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("participant", "cpr", s, "p", w, "pp", &w)
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("participant", "cpr", s, "p", w)
	js, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	jsSecret, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"json.Marshal":  string(js),
		"json secret":   string(jsSecret),
		"slog JSON":     jsonLog.String(),
		"slog text":     textLog.String(),
		"error wrap":    fmt.Errorf("lookup %v failed", s).Error(),
		"Sprint":        fmt.Sprint(s, w),
		"Sprintln":      fmt.Sprintln(s, &w),
		"String":        s.String(),
		"GoString":      s.GoString(),
		"Errorf %w-ish": fmt.Sprintf("%s %q", s, s),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		outs[verb+" secret"] = fmt.Sprintf(verb, s)
		outs[verb+" struct"] = fmt.Sprintf(verb, w)
		outs[verb+" pointer"] = fmt.Sprintf(verb, &w)
		outs[verb+" slice"] = fmt.Sprintf(verb, []Secret{s})
		outs[verb+" map"] = fmt.Sprintf(verb, map[string]Secret{"cpr": s})
	}
	leaks := []string{cpr, "1234", "0101", "12345678", "jens@", fmt.Sprintf("%x", cpr)[:8]}
	for name, out := range outs {
		for _, l := range leaks {
			if strings.Contains(out, l) {
				t.Errorf("%s: %q shows %q", name, out, l)
			}
		}
	}
	if !strings.Contains(string(js), `"CPR":"[redacted]"`) || !strings.Contains(jsonLog.String(), `"cpr":"[redacted]"`) {
		t.Errorf("redaction marker missing: %s / %s", js, jsonLog.String())
	}
	if s.Reveal() != cpr || !s.Equal(NewSecret(cpr)) || s.Equal(phone) || s.IsZero() {
		t.Fatal("Reveal/Equal/IsZero")
	}
	if !(Secret{}).IsZero() || NewSecret("") != (Secret{}) {
		t.Fatal("zero Secret")
	}
}

// testSealer "seals" as aad|plaintext, so a test sees which AAD was used.
type testSealer struct{}

func (testSealer) Seal(plaintext, aad []byte) (string, error) {
	return string(aad) + "|" + string(plaintext), nil
}

func (testSealer) Open(sealed string, aad []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, string(aad)+"|")
	if !ok {
		return nil, errors.New("wrong AAD")
	}
	return []byte(rest), nil
}

// The serializer seals with the Sealer in the context, bound to
// "<table>.<column>", and refuses to work without one (vault's tests run it
// through gorm with the real keyring).
func TestSecretSerializerUsesTheSealerInTheContext(t *testing.T) {
	field := &schema.Field{Name: "CPR", DBName: "cpr", Schema: &schema.Schema{Table: "participants"}}
	ctx := WithSealer(context.Background(), testSealer{})
	v, err := (*Secret)(nil).Value(ctx, field, reflect.Value{}, NewSecret("0101901234"))
	if err != nil || v != "participants.cpr|0101901234" {
		t.Fatalf("Value = %v, %v", v, err)
	}
	var s Secret
	if err := s.Scan(ctx, field, reflect.Value{}, v); err != nil || s.Reveal() != "0101901234" {
		t.Fatalf("Scan: %v", err)
	}
	if err := s.Scan(ctx, field, reflect.Value{}, "participants.email|x"); err == nil {
		t.Error("a value sealed for another column opened")
	}
	if _, err := (*Secret)(nil).Value(context.Background(), field, reflect.Value{}, NewSecret("x")); !errors.Is(err, ErrNoKeyring) {
		t.Errorf("Value without a Sealer: %v", err)
	}
	if err := s.Scan(WithSealer(context.Background(), nil), field, reflect.Value{}, v); !errors.Is(err, ErrNoKeyring) {
		t.Errorf("Scan with a nil Sealer: %v", err)
	}
	if v, err := (*Secret)(nil).Value(context.Background(), field, reflect.Value{}, Secret{}); v != nil || err != nil {
		t.Errorf("zero Secret: %v, %v, want NULL", v, err)
	}
}
