package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
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
