package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Login throttling: after MaxFailedLogins failures with no success
// between (within FailureMemory) an account backs off: it takes the next
// password (or code) LockBase after the latest failure, twice as long
// after each further one, at most LoginWindow (throttle).
const (
	MaxFailedLogins = 5
	LoginWindow     = 15 * time.Minute
	LockBase        = 30 * time.Second
	FailureMemory   = 24 * time.Hour
	// MaxCodeAttempts is how many TOTP codes one login with the right
	// password may try; then the password must be given again.
	MaxCodeAttempts = 5
)

// SessionMax is the longest a session lasts: its cookie's lifetime.
const SessionMax = store.SessionMax

// Why a sign-in or a session is refused. The web tells a wrong password
// and an unknown address alike, so ErrWrongPassword stands for both.
var (
	ErrThrottled     = errors.New("too many failed logins")
	ErrWrongPassword = errors.New("wrong e-mail or password")
	ErrWrongCode     = store.ErrWrongCode
	ErrNoSession     = store.ErrNoSession
	// ErrCodesUsed: the login's code attempts are used up and it is
	// dropped; the password must be given again.
	ErrCodesUsed = errors.New("the login's code attempts are used up")
)

// dummyHash is verified when an unknown e-mail logs in, so a wrong address
// takes as long as a wrong password and does not reveal who has an account.
var dummyHash, _ = models.HashPassword("valghalla-ingen-bruger")

// NormalizeEmail is the one form an e-mail address is stored and compared in.
func NormalizeEmail(email string) string { return store.NormalizeEmail(email) }

// NewToken returns 256 random bits, URL-safe (a CSRF token before login).
func NewToken() string { return store.NewToken() }

// Login is a right password: the new session's token, and whether the
// session still waits for a TOTP code (CheckCode) or, for a user whose
// role must have TOTP and who has none, for its enrolment (EnableTOTP).
type Login struct {
	User         models.User
	Token        string
	CodeDue      bool
	EnrolmentDue bool
}

// SignIn checks a password for email and opens a new session, ending the
// one of oldToken (a token planted before login is useless). Every attempt
// is recorded; an account with too many recent failures is refused with
// ErrThrottled before its password is looked at, and a wrong password or
// an unknown address is ErrWrongPassword, alike in answer and in time.
func (s *Service) SignIn(ctx context.Context, email, password, oldToken string) (Login, error) {
	email = NormalizeEmail(email)
	now := s.Now()
	if failures, err := s.throttle(ctx, email, now); err != nil {
		if errors.Is(err, ErrThrottled) {
			s.Log.WarnContext(ctx, "login throttled", "failures", failures)
		}
		return Login{}, err
	}
	var u models.User
	res := s.DB.WithContext(ctx).Where("email = ?", email).Limit(1).Find(&u)
	if res.Error != nil {
		return Login{}, res.Error
	}
	found := res.RowsAffected == 1 && u.PasswordHash != "" && u.DeactivatedAt == nil
	hash := dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok, _ := models.VerifyPassword(hash, password)
	ok = ok && found
	if err := store.RecordLoginAttempt(ctx, s.DB, email, ok, now); err != nil {
		return Login{}, err
	}
	if !ok {
		return Login{}, ErrWrongPassword
	}
	if oldToken != "" {
		store.DeleteSession(ctx, s.DB, oldToken)
	}
	withCode, err := store.HasTOTP(ctx, s.DB, u.ID)
	if err != nil {
		return Login{}, err
	}
	mustEnrol := !withCode && models.RequiresTOTP(u.Role)
	create := store.CreateSession
	switch {
	case withCode:
		create = store.CreatePendingSession
	case mustEnrol:
		create = store.CreateEnrolmentSession
	}
	token, err := create(ctx, s.DB, u.ID, now)
	if err != nil {
		return Login{}, err
	}
	switch {
	case mustEnrol:
		s.Log.InfoContext(ctx, "logged in to set up TOTP", "user_id", u.ID, "role", u.Role)
	case !withCode:
		store.NoteLogin(ctx, s.DB, u.ID, now) // a failure to note is no reason to refuse
		s.Log.InfoContext(ctx, "logged in", "user_id", u.ID, "role", u.Role)
	}
	return Login{User: u, Token: token, CodeDue: withCode, EnrolmentDue: mustEnrol}, nil
}

// CheckCode is the second step of a login with a second factor: a right
// TOTP code, or one of the user's unused recovery codes (spent by this),
// opens the pending session of token fully. A login tries at
// most MaxCodeAttempts codes, claimed atomically however many requests
// race (then ErrCodesUsed: it is dropped); wrong codes are throttled
// apart from passwords (ErrThrottled), so a right password does not buy
// new tries; a wrong or reused code is ErrWrongCode.
func (s *Service) CheckCode(ctx context.Context, u models.User, token, code string) error {
	now := s.Now()
	codes := codeAccount(u.Email)
	if _, err := s.throttle(ctx, codes, now); err != nil {
		return err
	}
	switch ok, err := store.TakeCodeAttempt(ctx, s.DB, token, MaxCodeAttempts); {
	case err != nil:
		return err
	case !ok:
		s.Log.WarnContext(ctx, "login dropped: code attempts used up", "user_id", u.ID)
		return ErrCodesUsed
	}
	check, how := store.CheckTOTP, "a second factor"
	if _, recovery := models.NormalizeRecoveryCode(code); recovery {
		check, how = store.UseRecoveryCode, "a recovery code"
	}
	err := check(ctx, s.DB, u.ID, code, now)
	// A failure to record is no reason to refuse a right code.
	store.RecordLoginAttempt(ctx, s.DB, codes, err == nil, now)
	if err != nil {
		if errors.Is(err, ErrWrongCode) {
			// The last try gone, the login goes too.
			if derr := store.DropSpentLogin(ctx, s.DB, token, MaxCodeAttempts); derr != nil {
				return derr
			}
		}
		return err
	}
	if err := store.CompleteSecondFactor(ctx, s.DB, token, now); err != nil {
		return err
	}
	store.NoteLogin(ctx, s.DB, u.ID, now)
	s.Log.InfoContext(ctx, "logged in with "+how, "user_id", u.ID)
	return nil
}

// codeAccount is the account under which an e-mail's TOTP codes are
// counted: apart from its passwords, so that logging in with the right
// password again does not wipe the count of wrong codes.
func codeAccount(email string) string { return "totp:" + NormalizeEmail(email) }

// throttle refuses an account with too many recent failed attempts, and
// tells how many there were. Past MaxFailedLogins the account backs off rather than locks: the next try is taken LockBase after
// the latest failure, and each further failure doubles the wait up to
// LoginWindow. Its owner, after five typos on election morning, waits half
// a minute; a guesser gets a handful of tries an hour.
func (s *Service) throttle(ctx context.Context, email string, now time.Time) (int64, error) {
	f, err := store.FailedLoginsSince(ctx, s.DB, email, now.Add(-FailureMemory))
	if err == nil && f.Count >= MaxFailedLogins && now.Before(f.Last.Add(backoff(f.Count))) {
		err = ErrThrottled
	}
	return f.Count, err
}

// backoff is how long after the latest of failures failed attempts the
// next is taken.
func backoff(failures int64) time.Duration {
	wait := LockBase
	for n := failures; n > MaxFailedLogins && wait < LoginWindow; n-- {
		wait *= 2
	}
	return min(wait, LoginWindow)
}

// Session is the live session of token and its user (marked seen); an
// unknown, idle or expired one is ErrNoSession.
func (s *Service) Session(ctx context.Context, token string) (models.Session, models.User, error) {
	return store.LookupSession(ctx, s.DB, token, s.Now())
}

// SignOut ends the session of token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return store.DeleteSession(ctx, s.DB, token)
}
