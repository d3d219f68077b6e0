// Package oidc is the OpenID Connect client that logs a volunteer in with
// MitID, the way municipalities reach it: through NemLog-in's OpenID
// Connect interface or a broker that speaks it. It runs the authorization
// code flow with PKCE (S256), a random state and nonce per login, and
// verifies the ID token with github.com/coreos/go-oidc: signature against
// the provider's JWKS, issuer, audience (the client id), expiry and nonce.
// The CPR number is read from one claim (CPRClaim) and must be CPR-shaped.
//
// The client keeps nothing between the two halves of a login: the caller
// (the mitid use case) stores the state, nonce and verifier that Start
// returns and gives them back to Finish.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/valghalla/valghalla/models"
)

// DefaultCPRClaim is the claim that holds the CPR number when none is
// configured: NemLog-in's (OIOSAML 3 / OIDC) attribute name. Brokers name
// it otherwise (Criipto: "cprNumberIdentifier"); OIDC_CPR_CLAIM says which.
const DefaultCPRClaim = "https://data.gov.dk/model/core/eid/cprNumber"

// Config is what the client is built from.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the app's /mitid/retur, as registered at the provider.
	RedirectURL string
	// CPRClaim names the ID token claim with the CPR number; empty is
	// DefaultCPRClaim.
	CPRClaim string
	// Scopes besides "openid"; none asks for openid only.
	Scopes []string
	// HTTPClient reaches the provider (discovery, JWKS, token); nil is
	// http.DefaultClient. `valghalla dev` and the tests give one that
	// trusts the local CA of the fake provider.
	HTTPClient *http.Client
	// Now is the clock the ID token's expiry is checked against; nil is
	// time.Now.
	Now func() time.Time
}

// Refusals of a login, each one its own error so the caller can tell
// them apart (and its tests can).
var (
	// ErrProvider: the provider could not be reached or its discovery
	// document is wrong.
	ErrProvider = errors.New("oidc: provider unavailable")
	// ErrExchange: the token endpoint refused the code (unknown, used,
	// another client's, a wrong PKCE verifier).
	ErrExchange = errors.New("oidc: code exchange refused")
	// ErrNoIDToken: the token response had no id_token.
	ErrNoIDToken = errors.New("oidc: no ID token")
	// ErrIssuer: the ID token is from another issuer.
	ErrIssuer = errors.New("oidc: ID token from another issuer")
	// ErrExpired: the ID token has expired.
	ErrExpired = errors.New("oidc: ID token expired")
	// ErrToken: the ID token failed verification otherwise (signature,
	// audience, malformed).
	ErrToken = errors.New("oidc: ID token invalid")
	// ErrNonce: the ID token's nonce is not this login's.
	ErrNonce = errors.New("oidc: ID token nonce mismatch")
	// ErrNoCPR: the ID token has no CPR-shaped value in the CPR claim.
	ErrNoCPR = errors.New("oidc: no CPR number in the ID token")
)

// Client is the OpenID Connect client. Discovery happens at the first
// login, and again after a failure, so the app starts while the provider
// is down.
type Client struct {
	cfg Config

	mu       sync.Mutex
	provider *gooidc.Provider
}

// New returns a client for cfg; it does not contact the provider yet.
func New(cfg Config) (*Client, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: issuer, client id and redirect URL are required")
	}
	if cfg.CPRClaim == "" {
		cfg.CPRClaim = DefaultCPRClaim
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg}, nil
}

// Issuer is the configured issuer URL.
func (c *Client) Issuer() string { return c.cfg.Issuer }

func (c *Client) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, c.cfg.HTTPClient)
}

func (c *Client) discover(ctx context.Context) (*gooidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	// Discovery is not tied to one request: a cancelled request must not
	// leave a half-made provider behind.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	p, err := gooidc.NewProvider(c.ctx(dctx), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProvider, err)
	}
	c.provider = p
	return p, nil
}

func (c *Client) oauth2Config(p *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		RedirectURL:  c.cfg.RedirectURL,
		Endpoint:     p.Endpoint(),
		Scopes:       append([]string{gooidc.ScopeOpenID}, c.cfg.Scopes...),
	}
}

// Login is one login's secrets: the caller keeps them (the state only as
// a hash) until the provider sends the person back.
type Login struct {
	State    string
	Nonce    string
	Verifier string // the PKCE code verifier
	// URL is where the person's browser goes: the provider's authorization
	// endpoint with the client id, redirect URI, scope, state, nonce and the
	// S256 code challenge.
	URL string
}

// Start makes a login: fresh random state, nonce and PKCE verifier, and
// the authorization URL.
func (c *Client) Start(ctx context.Context) (Login, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return Login{}, err
	}
	l := Login{State: Random(), Nonce: Random(), Verifier: oauth2.GenerateVerifier()}
	l.URL = c.oauth2Config(p).AuthCodeURL(l.State, gooidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.Verifier))
	return l, nil
}

// Finish exchanges code (with the PKCE verifier) for tokens, verifies the
// ID token (signature, issuer, audience, expiry, then nonce) and returns
// the CPR number in its CPR claim. The caller has checked the state.
func (c *Client) Finish(ctx context.Context, code, nonce, verifier string) (models.CPR, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return models.CPR{}, err
	}
	tok, err := c.oauth2Config(p).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return models.CPR{}, fmt.Errorf("%w: %v", ErrExchange, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return models.CPR{}, ErrNoIDToken
	}
	idt, err := p.Verifier(&gooidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now}).Verify(c.ctx(ctx), raw)
	if err != nil {
		var expired *gooidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			return models.CPR{}, ErrExpired
		case strings.Contains(err.Error(), "id token issued by a different provider"):
			return models.CPR{}, ErrIssuer
		}
		return models.CPR{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	if nonce == "" || !equal(idt.Nonce, nonce) {
		return models.CPR{}, ErrNonce
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return models.CPR{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	var s string
	if err := json.Unmarshal(claims[c.cfg.CPRClaim], &s); err != nil || s == "" {
		return models.CPR{}, ErrNoCPR
	}
	// A 10-digit string, no dash: the form NemLog-in and the brokers use.
	if len(s) != 10 {
		return models.CPR{}, ErrNoCPR
	}
	number, err := models.ParseCPR(s)
	if err != nil {
		return models.CPR{}, ErrNoCPR
	}
	return number, nil
}

// Random is 32 random bytes, base64url: a state or a nonce.
func Random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashState is the form a state is stored in: nobody who reads the table
// can finish another person's login.
func HashState(state string) string {
	sum := sha256.Sum256([]byte("valghalla mitid state\x00" + state))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return ha == hb
}
