// Package mitid is the use case of logging a volunteer in with MitID
// through OpenID Connect: Begin starts a login for a purpose (Min side, a
// sign-up) and gives the address of the provider's login page; Finish takes
// the person back from the provider, checks everything, and gives the
// purpose, its payload and the person's CPR number to the caller.
//
// The CPR number is returned to the caller only: it is never written to
// the session, the logs or the database in clear. The login attempt in the
// database (store.MitIDLogin) holds the state as a hash and the nonce, PKCE
// verifier and payload sealed with the vault; it lives LoginValidity and
// is used once.
package mitid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/oidc"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
)

// LoginValidity is how long a person has at the provider before the login
// they started is refused.
const LoginValidity = 10 * time.Minute

// MaxPayload is the largest payload a purpose may carry through a login.
const MaxPayload = 16 << 10

// Provider is the OpenID Connect client (providers/oidc.Client).
type Provider interface {
	Start(ctx context.Context) (oidc.Login, error)
	Finish(ctx context.Context, code, nonce, verifier string) (models.CPR, error)
}

// Service runs MitID logins. A nil *Service is MitID switched off
// (OIDC_ISSUER unset): Enabled says false and nothing MitID shows.
type Service struct {
	DB     *gorm.DB
	Keys   *vault.Keyring
	Client Provider
	// Issuer is the provider's issuer URL, for the pages' Content
	// Security Policy (ProviderOrigin).
	Issuer string
	Log    *slog.Logger
	Now    func() time.Time
}

// Enabled tells whether MitID logins are configured.
func (s *Service) Enabled() bool { return s != nil && s.Client != nil }

// ProviderOrigin is the scheme and host of the provider ("" when off or
// unknown): a form whose answer redirects there needs it in the page's
// form-action.
func (s *Service) ProviderOrigin() string {
	if !s.Enabled() {
		return ""
	}
	u, err := url.Parse(s.Issuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Result is a finished login: what Begin was given, and the person's CPR
// number as MitID vouches for it. Match it through the blind index; never
// store it in a session.
type Result struct {
	Purpose string
	Payload []byte
	CPR     models.CPR
}

// The refusals, each a keyed error (models.UserError) that also wraps the
// cause, so a caller (and a test) can tell them apart with errors.Is.
const (
	KeyOff       = "error.mitid.off"       // MitID is not configured
	KeyPurpose   = "error.mitid.purpose"   // Begin: no purpose, or a payload too large
	KeyProvider  = "error.mitid.provider"  // the provider cannot be reached
	KeyUnknown   = "error.mitid.unknown"   // no login with this state (a wrong or forged state)
	KeyBrowser   = "error.mitid.browser"   // the web: the login was not started in this browser
	KeyUsed      = "error.mitid.used"      // the login has been used (a replay, or the back button)
	KeyExpired   = "error.mitid.expired"   // the login took longer than LoginValidity
	KeyCancelled = "error.mitid.cancelled" // the person cancelled at the provider, or it sent no code
	KeyRefused   = "error.mitid.refused"   // the provider refused the code
	KeyToken     = "error.mitid.token"     // the ID token failed verification (signature, audience, issuer, expiry)
	KeyNonce     = "error.mitid.nonce"     // the ID token is not for this login
	KeyNoCPR     = "error.mitid.nocpr"     // the ID token holds no CPR number
)

// Errors of Finish besides the provider's (oidc.ErrNonce, oidc.ErrExpired,
// oidc.ErrIssuer, …), which it wraps too.
var ErrCancelled = errors.New("mitid: the provider sent no code")

func refuse(key string, cause error) error {
	return fmt.Errorf("%w: %w", models.Refuse(key), cause)
}

// secrets is what is sealed in the row.
type secrets struct {
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Payload  []byte `json:"p,omitempty"`
}

func aad(stateHash string) []byte { return []byte("mitid_logins:" + stateHash) }

// Begin starts a login for purpose (a name the web has a handler for)
// carrying payload (what the purpose needs after the login: it may hold
// contact data, and is sealed), and returns the address to send the
// person's browser to.
func (s *Service) Begin(ctx context.Context, purpose string, payload []byte) (string, error) {
	if !s.Enabled() {
		return "", models.Refuse(KeyOff)
	}
	if purpose == "" || len(purpose) > 64 || len(payload) > MaxPayload {
		return "", models.Refuse(KeyPurpose)
	}
	l, err := s.Client.Start(ctx)
	if err != nil {
		s.log().WarnContext(ctx, "mitid: provider unavailable", "error", err)
		return "", refuse(KeyProvider, err)
	}
	b, err := json.Marshal(secrets{Nonce: l.Nonce, Verifier: l.Verifier, Payload: payload})
	if err != nil {
		return "", err
	}
	hash := oidc.HashState(l.State)
	sealed, err := s.Keys.Seal(b, aad(hash))
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := store.SaveMitIDLogin(ctx, s.DB, store.MitIDLogin{StateHash: hash, Purpose: purpose, Secrets: sealed,
		ExpiresAt: now.Add(LoginValidity)}, now); err != nil {
		return "", err
	}
	return l.URL, nil
}

// Finish takes the person back from the provider: the state names the
// login (used up here, right or wrong), code is the provider's
// authorization code ("" when it sent an error instead). It exchanges the
// code with the login's PKCE verifier, verifies the ID token and its nonce,
// and returns the purpose, payload and CPR number.
func (s *Service) Finish(ctx context.Context, state, code string) (Result, error) {
	if !s.Enabled() {
		return Result{}, models.Refuse(KeyOff)
	}
	hash := ""
	if state != "" && len(state) <= 256 {
		hash = oidc.HashState(state)
	}
	row, err := store.TakeMitIDLogin(ctx, s.DB, hash, s.now())
	switch {
	case errors.Is(err, store.ErrMitIDLoginUnknown):
		return Result{}, refuse(KeyUnknown, err)
	case errors.Is(err, store.ErrMitIDLoginUsed):
		return Result{}, refuse(KeyUsed, err)
	case errors.Is(err, store.ErrMitIDLoginExpired):
		return Result{}, refuse(KeyExpired, err)
	case err != nil:
		return Result{}, err
	}
	if code == "" {
		return Result{}, refuse(KeyCancelled, ErrCancelled)
	}
	plain, err := s.Keys.Open(row.Secrets, aad(hash))
	if err != nil {
		return Result{}, fmt.Errorf("mitid: open login: %w", err)
	}
	var sec secrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return Result{}, fmt.Errorf("mitid: login secrets: %w", err)
	}
	number, err := s.Client.Finish(ctx, code, sec.Nonce, sec.Verifier)
	if err != nil {
		key := KeyToken
		switch {
		case errors.Is(err, oidc.ErrProvider):
			key = KeyProvider
		case errors.Is(err, oidc.ErrExchange):
			key = KeyRefused
		case errors.Is(err, oidc.ErrNonce):
			key = KeyNonce
		case errors.Is(err, oidc.ErrNoCPR):
			key = KeyNoCPR
		}
		// The error names no person: the client's errors never hold a
		// claim's value.
		s.log().WarnContext(ctx, "mitid: login refused", "purpose", row.Purpose, "error", err)
		return Result{}, refuse(key, err)
	}
	return Result{Purpose: row.Purpose, Payload: sec.Payload, CPR: number}, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
