package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/usecases"
)

// OIDC_ISSUER switches MitID on; a wrong one is a clear error at start-up.
func TestMitIDConfig(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	base := config{BaseURL: "https://valg.kommune.dk", OIDCClientID: "valghalla", OIDCClientSecret: "s"}

	uc, err := base.withMitID(usecases.Config{}, log)
	if err != nil || uc.MitID != nil {
		t.Fatalf("unset: MitID %v, %v; want off", uc.MitID, err)
	}
	for _, bad := range []struct{ issuer, clientID, want string }{
		{"http://broker.example.dk", "valghalla", "https://"},
		{"broker.example.dk", "valghalla", "https://"},
		{"https://broker.example.dk", "", "OIDC_CLIENT_ID"},
	} {
		c := base
		c.OIDCIssuer, c.OIDCClientID = bad.issuer, bad.clientID
		if _, err := c.withMitID(usecases.Config{}, log); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("OIDC_ISSUER=%q OIDC_CLIENT_ID=%q: %v, want an error naming %s", bad.issuer, bad.clientID, err, bad.want)
		}
	}
	c := base
	c.OIDCIssuer = "https://broker.example.dk"
	uc, err = c.withMitID(usecases.Config{}, log)
	if err != nil || uc.MitID == nil || uc.MitIDIssuer != c.OIDCIssuer {
		t.Fatalf("set: %v %q %v", uc.MitID, uc.MitIDIssuer, err)
	}
	if env := loadEnv(t, map[string]string{}); env.OIDCCPRClaim != "https://data.gov.dk/model/core/eid/cprNumber" {
		t.Errorf("OIDC_CPR_CLAIM default %q", env.OIDCCPRClaim)
	}
}

func loadEnv(t *testing.T, env map[string]string) config {
	t.Helper()
	c, err := loadConfig(func(k string) string { return env[k] }, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
