package accounts

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Why a one-time link does not work, each with its own page; and a
// secretary request that has been decided already.
var (
	ErrLinkUnknown = store.ErrLinkUnknown
	ErrLinkUsed    = store.ErrLinkUsed
	ErrLinkExpired = store.ErrLinkExpired
	ErrDecided     = store.ErrDecided
	ErrNoAPIToken  = store.ErrNoAPIToken
)

// AccountView is what the account page shows of a party secretary: their
// party and the stations they are limited to (none: all of them).
type AccountView struct {
	Party models.Party
	// Limited: the secretary works for Stations only (none left: none).
	Limited  bool
	Stations []models.PollingStation
}

// Account is what a user's account page shows besides the user.
func (s *Service) Account(ctx context.Context, u models.User) (AccountView, error) {
	var v AccountView
	if u.PartyID == nil {
		return v, nil
	}
	db := s.DB.WithContext(ctx)
	if err := db.Where("id = ?", *u.PartyID).Limit(1).Find(&v.Party).Error; err != nil {
		return v, err
	}
	limit, err := s.StationLimitOf(ctx, u)
	if err != nil || !limit.Limited {
		return v, err
	}
	v.Limited = true
	return v, db.Where("id IN ?", limit.IDs).Order("district").Find(&v.Stations).Error
}

// UsersView is the list of logins whose name or e-mail contains Query,
// in Danish order by name; which of them have a second factor; the
// parties by id; and the stations of each station-limited secretary.
type UsersView struct {
	Query    string
	Users    []models.User
	TOTP     map[int64]bool
	Parties  map[int64]models.Party
	Stations map[int64][]models.PollingStation
}

// Users lists the logins for an administrator, those matching query (in
// name or e-mail, any case) when it is not empty.
func (s *Service) Users(ctx context.Context, query string) (UsersView, error) {
	v := UsersView{Query: query, Parties: map[int64]models.Party{}, Stations: map[int64][]models.PollingStation{}}
	var err error
	if v.Users, err = store.SearchUsers(ctx, s.DB, query); err != nil {
		return v, err
	}
	if v.TOTP, err = store.UsersWithTOTP(ctx, s.DB); err != nil {
		return v, err
	}
	parties, err := s.Parties(ctx)
	if err != nil {
		return v, err
	}
	for _, p := range parties {
		v.Parties[p.ID] = p
	}
	return v, s.limitedStations(ctx, v.Stations)
}

// Parties are the parties a party secretary's login may belong to, in
// Danish order by name.
func (s *Service) Parties(ctx context.Context) ([]models.Party, error) {
	var parties []models.Party
	err := s.DB.WithContext(ctx).Find(&parties).Error
	models.SortDanish(parties, func(p models.Party) string { return p.Name })
	return parties, err
}

// CreateUser creates a login without a password (administrators only)
// and, with invite, starts the e-mail of its one-time link. A failed start
// is logged, not refused: the login exists either way; invited says
// whether the e-mail is on its way.
func (s *Service) CreateUser(ctx context.Context, actor models.User, in models.NewUser, invite bool) (u models.User, invited bool, err error) {
	u, err = store.CreateUser(ctx, s.DB, actor, in, s.Now().UTC())
	if err != nil || !invite {
		return u, false, err
	}
	return u, s.invite(ctx, u.ID), nil
}

// invite starts the workflow that e-mails userID a one-time link.
func (s *Service) invite(ctx context.Context, userID int64) bool {
	err := errors.New("no Temporal client")
	if s.Temporal != nil {
		_, err = workflows.StartAccountInvitation(ctx, s.Temporal, s.TaskQueue, userID, s.Now())
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "account invitation not started", "user_id", userID, "error", err)
		return false
	}
	return true
}

// AccountLink tells whose a live one-time link is; a link that does not
// work is ErrLinkUnknown, ErrLinkUsed or ErrLinkExpired.
func (s *Service) AccountLink(ctx context.Context, token string) (models.User, error) {
	return store.CheckAccountLink(ctx, s.DB, token, s.Now())
}

// ChoosePassword sets the password of a one-time link's owner and uses
// the link up; a password too weak is a keyed refusal and leaves the link
// usable.
func (s *Service) ChoosePassword(ctx context.Context, token, password string) (models.User, error) {
	return store.UseAccountLink(ctx, s.DB, token, password, s.Now())
}

// HasTOTP tells whether the user logs in with a second factor.
func (s *Service) HasTOTP(ctx context.Context, userID int64) (bool, error) {
	return store.HasTOTP(ctx, s.DB, userID)
}

// TOTPURI is the otpauth URI an authenticator app reads for secret: the
// product and the municipality name the issuer, the user's e-mail the
// account.
func (s *Service) TOTPURI(ctx context.Context, u models.User, secret string) (string, error) {
	var m models.Municipality
	if err := s.DB.WithContext(ctx).Limit(1).Find(&m).Error; err != nil {
		return "", err
	}
	return models.TOTPURI(secret, "Valghalla – "+m.Name, u.Email), nil
}

// Enabled is a second factor just turned on: the token of the full
// session that replaces the one it was set up in, and the recovery codes,
// in clear this once.
type Enabled struct {
	Token         string
	RecoveryCodes []string
}

// EnableTOTP turns a user's second factor on with secret, once a code from
// their app shows it is set up (else ErrWrongCode), with a fresh set of
// recovery codes; the session of token (a must-enrol one, or a full one)
// is replaced by a full session with a new token, as a login does.
func (s *Service) EnableTOTP(ctx context.Context, u models.User, token, secret, code string) (Enabled, error) {
	now := s.Now().UTC().Truncate(time.Second)
	var e Enabled
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if e.RecoveryCodes, err = store.EnableTOTP(ctx, tx, u, secret, code, now); err != nil {
			return err
		}
		if e.Token, err = store.RotateSession(ctx, tx, token, u.ID, s.Now()); err != nil {
			return err
		}
		if models.RequiresTOTP(u.Role) {
			// Only a login that had to set TOTP up gets here without one:
			// the set-up completes that login.
			return store.NoteLogin(ctx, tx, u.ID, now)
		}
		return nil
	})
	if err != nil {
		return Enabled{}, err
	}
	s.Log.InfoContext(ctx, "TOTP enabled", "user_id", u.ID, "role", u.Role)
	return e, nil
}

// SecondFactor is a user's TOTP as their pages show it.
type SecondFactor struct {
	Enabled bool
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int64
}

// SecondFactorOf tells whether u has TOTP and how many recovery codes are left.
func (s *Service) SecondFactorOf(ctx context.Context, u models.User) (SecondFactor, error) {
	on, err := store.HasTOTP(ctx, s.DB, u.ID)
	if err != nil || !on {
		return SecondFactor{}, err
	}
	left, err := store.RecoveryCodesLeft(ctx, s.DB, u.ID)
	return SecondFactor{Enabled: true, RecoveryCodesLeft: left}, err
}

// NewRecoveryCodes gives u a fresh set of recovery codes, once a current
// TOTP code shows it is them (else ErrWrongCode); the old ones die.
func (s *Service) NewRecoveryCodes(ctx context.Context, u models.User, code string) ([]string, error) {
	codes, err := store.NewRecoveryCodes(ctx, s.DB, u.ID, code, s.Now().UTC().Truncate(time.Second))
	if err == nil {
		s.Log.InfoContext(ctx, "new TOTP recovery codes", "user_id", u.ID)
	}
	return codes, err
}

// ResetTOTP removes a user's lost second factor and recovery codes and
// ends all their sessions.
// Administrators only.
func (s *Service) ResetTOTP(ctx context.Context, actor models.User, userID int64) error {
	return store.ResetTOTP(ctx, s.DB, actor, userID, s.Now().UTC())
}

// StationsToPassOn are the polling stations a party secretary may ask an
// extra secretary for: their own when they are limited, else all.
func (s *Service) StationsToPassOn(ctx context.Context, actor models.User) ([]models.PollingStation, error) {
	own, err := s.StationLimitOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	q := s.DB.WithContext(ctx).Order("district")
	if own.Limited {
		q = q.Where("id IN ?", own.IDs)
	}
	var stations []models.PollingStation
	return stations, q.Find(&stations).Error
}

// RequestSecretary records a party secretary's request for an extra
// secretary for some of the party's stations.
func (s *Service) RequestSecretary(ctx context.Context, actor models.User, name, email string, stationIDs []int64) (models.SecretaryRequest, error) {
	return store.RequestSecretary(ctx, s.DB, actor, name, email, stationIDs, s.Now().UTC())
}

// PendingSecretaryRequests lists the requests awaiting a decision, oldest
// first. Administrators only.
func (s *Service) PendingSecretaryRequests(ctx context.Context, actor models.User) ([]models.SecretaryRequestView, error) {
	return store.PendingSecretaryRequests(ctx, s.DB, actor)
}

// DecideSecretaryRequest approves a request — creating the login, limited
// to the requested stations, and starting the e-mail of its one-time link —
// or rejects it. It returns the login created, nil on a rejection. Of two
// decisions at once, one wins and the other gets ErrDecided.
// Administrators only.
func (s *Service) DecideSecretaryRequest(ctx context.Context, actor models.User, id int64, approve bool) (*models.User, error) {
	u, err := store.DecideSecretaryRequest(ctx, s.DB, actor, id, approve, s.Now().UTC())
	if err == nil && u != nil {
		s.invite(ctx, u.ID)
	}
	return u, err
}

// CreateAPIToken gives in.UserID a named token for the JSON API that
// expires after in.ExpiresInDays days (0: 90, at most 365); the token is
// returned once and only its hash is kept. Administrators only, never for
// another administrator. A request made with a token must not come here:
// web refuses it first (a token creates no tokens).
func (s *Service) CreateAPIToken(ctx context.Context, actor models.User, in models.NewAPIToken) (string, models.APIToken, error) {
	return store.IssueAPIToken(ctx, s.DB, actor, in, s.Now().UTC())
}

// APITokenUser is the user a bearer token acts as and the token itself
// (ErrNoAPIToken when it names none, or one expired or revoked); the use
// is noted.
func (s *Service) APITokenUser(ctx context.Context, token string) (models.User, models.APIToken, error) {
	u, err := store.LookupAPIToken(ctx, s.DB, token, s.Now())
	if err != nil {
		return u, models.APIToken{}, err
	}
	t, err := store.APITokenOf(ctx, s.DB, token)
	return u, t, err
}

// APITokens lists API tokens with their state: every token for an
// administrator with all, else the actor's own.
func (s *Service) APITokens(ctx context.Context, actor models.User, all bool) ([]models.APITokenView, error) {
	return store.APITokens(ctx, s.DB, actor, all, s.Now())
}

// RevokeAPIToken ends a token at once: its owner or an administrator;
// anyone else is told it does not exist (ErrNotFound).
func (s *Service) RevokeAPIToken(ctx context.Context, actor models.User, id int64) (models.APIToken, error) {
	return store.RevokeAPIToken(ctx, s.DB, actor, id, s.Now().UTC())
}

// AuditAPITokenUse records a request made with token t as u: method,
// route pattern and status.
func (s *Service) AuditAPITokenUse(ctx context.Context, u models.User, t models.APIToken, method, route string, status int) error {
	return store.AuditAPITokenUse(ctx, s.DB, u, t, method, route, status, s.Now().UTC())
}
