package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/fakes/oidcfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web/ui"
)

// withMitID switches MitID on in uc when OIDC_ISSUER is set: the OpenID
// Connect client of providers/oidc, its redirect URI BASE_URL/mitid/retur.
// Unset, MitID is off (the route answers 404, no page offers it).
func (c config) withMitID(uc usecases.Config, log *slog.Logger) (usecases.Config, error) {
	if c.OIDCIssuer == "" {
		return uc, nil
	}
	u, err := url.Parse(c.OIDCIssuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return uc, fmt.Errorf("OIDC_ISSUER=%q: must be the provider's https:// issuer URL", c.OIDCIssuer)
	}
	if c.OIDCClientID == "" {
		return uc, errors.New("OIDC_ISSUER is set but OIDC_CLIENT_ID is not")
	}
	client, err := oidc.New(oidc.Config{Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret,
		RedirectURL: c.BaseURL + ui.MitIDReturnPath, CPRClaim: c.OIDCCPRClaim})
	if err != nil {
		return uc, err
	}
	log.Info("MitID through OpenID Connect", "issuer", c.OIDCIssuer, "redirect_uri", c.BaseURL+ui.MitIDReturnPath)
	uc.MitID, uc.MitIDIssuer = client, c.OIDCIssuer
	return uc, nil
}

// startDevMitID runs, for `valghalla dev` without OIDC_ISSUER, a fake
// OpenID provider in the process (fakes/oidcfake) on a free loopback HTTPS
// port with the fixture people of the fake CPR register, and points the
// same client code at it, trusting its local CA for that client only.
func startDevMitID(db *gorm.DB, webURL string, uc usecases.Config, log *slog.Logger) (usecases.Config, func(), error) {
	var m models.Municipality
	var e models.Election
	db.First(&m)
	db.Order("election_day").First(&e)
	var people []oidcfake.Person
	for _, p := range cprfake.FixturePeople(m.Code, e.ElectionDay) {
		people = append(people, oidcfake.Person{CPR: p.CPR.Digits(), Name: strings.TrimSpace(p.GivenName + " " + p.Surname)})
	}
	const clientID = "valghalla-dev"
	secret := oidc.Random()
	redirect := webURL + ui.MitIDReturnPath
	op, err := oidcfake.Start(oidcfake.Options{ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, People: people})
	if err != nil {
		return uc, func() {}, fmt.Errorf("start the fake MitID provider: %w", err)
	}
	client, err := oidc.New(oidc.Config{Issuer: op.Issuer, ClientID: clientID, ClientSecret: secret,
		RedirectURL: redirect, HTTPClient: op.HTTPClient()})
	if err != nil {
		op.Close()
		return uc, func() {}, err
	}
	log.Info("fake MitID provider", "issuer", op.Issuer)
	uc.MitID, uc.MitIDIssuer = client, op.Issuer
	return uc, op.Close, nil
}
