// Package oidcfake is a local OpenID provider standing in for MitID through
// NemLog-in: a real OP on loopback HTTPS (a certificate from fakes/localpki)
// with discovery, a JWKS, an authorization endpoint that shows a page to
// pick one of the fixture people, and a token endpoint that checks the
// client's secret, the redirect URI and the PKCE S256 verifier and issues
// an RS256-signed ID token with the person's CPR number in the CPR claim.
// The real client (providers/oidc) runs against it in tests and in
// `valghalla dev`.
//
// For tests it can be told to misbehave: issue an expired ID token, one
// with another nonce, or one that names another issuer.
package oidcfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/valghalla/valghalla/fakes/localpki"
	"github.com/valghalla/valghalla/providers/oidc"
)

// Person is someone who can log in: a fictitious MitID user.
type Person struct {
	CPR  string // 10 digits
	Name string
}

// Options configure a provider.
type Options struct {
	// The one client the provider knows.
	ClientID, ClientSecret string
	// RedirectURL is the client's registered redirect URI (exact match).
	RedirectURL string
	// CPRClaim names the claim the CPR number goes in; empty is
	// oidc.DefaultCPRClaim.
	CPRClaim string
	People   []Person
	// CA issues the server certificate; nil makes a fresh one. Give two
	// providers one CA and a client trusts both with one pool.
	CA *localpki.CA
	// Now is the provider's clock; nil is time.Now.
	Now func() time.Time
}

// Provider is a running fake OpenID provider.
type Provider struct {
	// Issuer is https://127.0.0.1:port, as its discovery document says.
	Issuer string
	// RootCAs trusts the provider's certificate.
	RootCAs *x509.CertPool

	opts   Options
	key    *rsa.PrivateKey
	kid    string
	server *http.Server
	done   chan struct{}

	mu          sync.Mutex
	codes       map[string]grant
	expireNext  bool
	nonceNext   string
	issuerNext  string
	signerNext  *Provider
	tokensGiven int
}

type grant struct {
	redirect, challenge, nonce, cpr, name string
	expires                               time.Time
}

// Start runs a provider on a free 127.0.0.1 port. Close it when done.
func Start(opts Options) (*Provider, error) {
	if opts.CPRClaim == "" {
		opts.CPRClaim = oidc.DefaultCPRClaim
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ca := opts.CA
	if ca == nil {
		var err error
		if ca, err = localpki.NewCA("Valghalla fake MitID CA"); err != nil {
			return nil, err
		}
	}
	cert, err := ca.Issue("127.0.0.1", false)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oidcfake: %w", err)
	}
	p := &Provider{
		Issuer:  "https://" + ln.Addr().String(),
		RootCAs: ca.Pool(),
		opts:    opts,
		key:     key,
		kid:     oidc.Random()[:16],
		done:    make(chan struct{}),
		codes:   map[string]grant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /authorize", p.login)
	mux.HandleFunc("POST /token", p.token)
	p.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
	}
	go func() {
		defer close(p.done)
		_ = p.server.ServeTLS(ln, "", "")
	}()
	return p, nil
}

// Close stops the provider and waits for it.
func (p *Provider) Close() {
	_ = p.server.Close()
	<-p.done
}

// HTTPClient trusts this provider's certificate (and nothing else).
func (p *Provider) HTTPClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: p.RootCAs}}}
}

// ExpireNext makes the next ID token expired when issued.
func (p *Provider) ExpireNext() { p.mu.Lock(); p.expireNext = true; p.mu.Unlock() }

// WrongNonceNext makes the next ID token carry another nonce than the one
// the client sent.
func (p *Provider) WrongNonceNext() {
	p.mu.Lock()
	p.nonceNext = oidc.Random()
	p.mu.Unlock()
}

// IssueAsNext makes the next ID token name issuer as its issuer, signed
// with this provider's keys: an impostor.
func (p *Provider) IssueAsNext(issuer string) { p.mu.Lock(); p.issuerNext = issuer; p.mu.Unlock() }

// SignNextWith makes the next ID token name this provider as its issuer
// but be signed with other's key: an impostor with keys of its own.
func (p *Provider) SignNextWith(other *Provider) { p.mu.Lock(); p.signerNext = other; p.mu.Unlock() }

// TokensIssued is how many ID tokens the provider has issued.
func (p *Provider) TokensIssued() int { p.mu.Lock(); defer p.mu.Unlock(); return p.tokensGiven }

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"jwks_uri":                              p.Issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "name", p.opts.CPRClaim},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authParams are the authorization request's parameters the provider
// checks; a bad one is answered with a page (never a redirect to an
// unchecked redirect URI).
func (p *Provider) authParams(q url.Values) (string, bool) {
	switch {
	case q.Get("client_id") != p.opts.ClientID:
		return "unknown client_id", false
	case q.Get("redirect_uri") != p.opts.RedirectURL:
		return "redirect_uri is not registered", false
	case q.Get("response_type") != "code":
		return "response_type must be code", false
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		return "scope must include openid", false
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		return "PKCE with S256 is required", false
	case q.Get("state") == "" || q.Get("nonce") == "":
		return "state and nonce are required", false
	}
	return "", true
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>MitID (test)</title></head>
<body><main>
<h1>MitID — testudbyder</h1>
<p>Dette er en lokal OpenID-udbyder til udvikling. Vælg en fiktiv person at logge ind som.</p>
<form method="post" action="/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<fieldset><legend>Person</legend>
{{range $i, $p := .People}}<div><input type="radio" id="p{{$i}}" name="cpr" value="{{$p.CPR}}"{{if eq $i 0}} checked{{end}}>
<label for="p{{$i}}">{{$p.Name}} ({{$p.CPR}})</label></div>
{{end}}</fieldset>
<button type="submit" name="action" value="login">Log ind</button>
<button type="submit" name="action" value="cancel">Afbryd</button>
</form></main></body></html>`))

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg, ok := p.authParams(q); !ok {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	params := url.Values{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		params.Set(k, q.Get(k))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, map[string]any{"Params": params, "People": p.opts.People})
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	if msg, ok := p.authParams(f); !ok {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(f.Get("redirect_uri"))
	q := back.Query()
	q.Set("state", f.Get("state"))
	if f.Get("action") == "cancel" {
		q.Set("error", "access_denied")
		back.RawQuery = q.Encode()
		http.Redirect(w, r, back.String(), http.StatusSeeOther)
		return
	}
	i := slices.IndexFunc(p.opts.People, func(x Person) bool { return x.CPR == f.Get("cpr") })
	if i < 0 {
		http.Error(w, "unknown person", http.StatusBadRequest)
		return
	}
	code := oidc.Random()
	p.mu.Lock()
	p.codes[code] = grant{redirect: f.Get("redirect_uri"), challenge: f.Get("code_challenge"), nonce: f.Get("nonce"),
		cpr: p.opts.People[i].CPR, name: p.opts.People[i].Name, expires: p.opts.Now().Add(time.Minute)}
	p.mu.Unlock()
	q.Set("code", code)
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.PostForm
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if id != p.opts.ClientID || secret != p.opts.ClientSecret {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if f.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	p.mu.Lock()
	g, found := p.codes[f.Get("code")]
	delete(p.codes, f.Get("code")) // a code is used once, right or wrong
	p.mu.Unlock()
	now := p.opts.Now()
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case !found || now.After(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case f.Get("redirect_uri") != g.redirect:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	p.mu.Lock()
	issuer, nonce, iat, exp := p.Issuer, g.nonce, now, now.Add(5*time.Minute)
	if p.issuerNext != "" {
		issuer, p.issuerNext = p.issuerNext, ""
	}
	if p.nonceNext != "" {
		nonce, p.nonceNext = p.nonceNext, ""
	}
	if p.expireNext {
		iat, exp, p.expireNext = now.Add(-6*time.Minute), now.Add(-time.Minute), false
	}
	signer := p
	if p.signerNext != nil {
		signer, p.signerNext = p.signerNext, nil
	}
	p.tokensGiven++
	p.mu.Unlock()
	claims := map[string]any{
		"iss":             issuer,
		"sub":             subject(g.cpr),
		"aud":             p.opts.ClientID,
		"iat":             iat.Unix(),
		"exp":             exp.Unix(),
		"nonce":           nonce,
		"name":            g.name,
		p.opts.CPRClaim:   g.cpr,
		"loa":             "https://data.gov.dk/concept/core/nsis/loa/Substantial",
		"identity_scheme": "dkmitid",
	}
	idToken, err := signer.sign(claims)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": oidc.Random(),
		"token_type":   "Bearer",
		"expires_in":   300,
		"id_token":     idToken,
	})
}

// subject is a stable pseudonym of a person, as NemLog-in's sub is.
func subject(cpr string) string {
	sum := sha256.Sum256([]byte("oidcfake subject\x00" + cpr))
	return "https://data.gov.dk/model/core/eid/person/uuid/" + fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func (p *Provider) sign(claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.kid))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func tokenError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// LogIn plays a person's browser for a test: it opens authURL (this
// provider's authorization endpoint, as the app's redirect gives it),
// picks the person with cpr on the login page (or cancels, when cpr is
// ""), and returns the address the provider sends the browser back to:
// the app's redirect URI with state and code (or error).
func (p *Provider) LogIn(authURL, cpr string) (*url.URL, error) {
	jar, _ := cookiejar.New(nil)
	b := p.HTTPClient()
	b.Jar = jar
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := b.Get(authURL)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oidcfake: login page: %d %s", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	form.Set("action", "login")
	form.Set("cpr", cpr)
	if cpr == "" {
		form.Set("action", "cancel")
	}
	resp, err = b.PostForm(p.Issuer+"/authorize", form)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("oidcfake: login: %d", resp.StatusCode)
	}
	return url.Parse(resp.Header.Get("Location"))
}
