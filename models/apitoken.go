package models

import "time"

// APIToken lets a script use the JSON API as a user (Authorization: Bearer).
// Only the token's hash is stored; the token itself is shown once.
//
// A token asks for no TOTP code, and that is deliberate: a script cannot
// type one. The token is a second credential in its own right, and it is
// hedged in instead: only an administrator issues it, from a session that
// passed the administrator's own TOTP login (never through another token,
// never for another administrator); it expires (at most a year, 90 days
// by default); its owner and every administrator can revoke it at once;
// and every request made with it is audited with its name.
type APIToken struct {
	ID         int64
	TokenHash  string
	UserID     int64
	Name       string
	CreatedBy  *int64 // the administrator who issued it (nil: before migration 26, or deleted since)
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	RevokedBy  *int64
}

// The lifetime of an API token, in days: what it gets when none is asked
// for, and the longest allowed.
const (
	APITokenDefaultDays = 90
	APITokenMaxDays     = 365
)

// APITokenState is whether a token still opens the API.
type APITokenState string

const (
	APITokenActive  APITokenState = "active"
	APITokenExpired APITokenState = "expired"
	APITokenRevoked APITokenState = "revoked"
)

// StateAt is the token's state at now.
func (t APIToken) StateAt(now time.Time) APITokenState {
	switch {
	case t.RevokedAt != nil:
		return APITokenRevoked
	case !now.Before(t.ExpiresAt):
		return APITokenExpired
	}
	return APITokenActive
}

// NewAPIToken is what an administrator asks for: a token for UserID named
// Name that lives ExpiresInDays days (0: APITokenDefaultDays).
type NewAPIToken struct {
	UserID        int64
	Name          string
	ExpiresInDays int
}

// APITokenView is one token as the token pages list it: with its user's
// and its creator's names, never its hash.
type APITokenView struct {
	APIToken
	UserName    string
	CreatorName string // "" when unknown
	State       APITokenState
}

// The audit of API tokens: issued, revoked, and each request made with one.
const (
	AuditAPITokenCreated AuditAction = "api_token.created"
	AuditAPITokenRevoked AuditAction = "api_token.revoked"
	AuditAPITokenUsed    AuditAction = "api_token.used"
)
