package accounts_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// The login sequence the sign-in page relies on: an unknown address and a
// wrong password are refused alike, five failures throttle the account
// (even for the right password), a new session ends the old one, and a
// user with a second factor gets a pending session that a code opens.
func TestSignInThrottlesAndAsksForTheCode(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db) // the TOTP secret is stored encrypted
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}

	if _, err := svc.SignIn(ctx, "ukendt@x.example", "en lang og god adgangskode", ""); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Fatalf("unknown address: %v", err)
	}
	first, err := svc.SignIn(ctx, " A@X.example", "en lang og god adgangskode", "")
	if err != nil || first.CodeDue || !first.EnrolmentDue || first.User.ID != u.ID {
		t.Fatalf("right password: %+v %v", first, err)
	}
	second, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", first.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Session(ctx, first.Token); !errors.Is(err, accounts.ErrNoSession) {
		t.Fatalf("the session before the new login lives on: %v", err)
	}
	if _, got, err := svc.Session(ctx, second.Token); err != nil || got.ID != u.ID {
		t.Fatalf("the new session: %v %v", got, err)
	}

	for range accounts.MaxFailedLogins {
		now = now.Add(time.Second)
		if _, err := svc.SignIn(ctx, "a@x.example", "forkert", ""); !errors.Is(err, accounts.ErrWrongPassword) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", ""); !errors.Is(err, accounts.ErrThrottled) {
		t.Fatalf("after %d failures: %v", accounts.MaxFailedLogins, err)
	}
	now = now.Add(accounts.LoginWindow + time.Second)

	secret, _ := models.NewTOTPSecret()
	code, _ := models.TOTPCode(secret, now)
	if _, err := svc.EnableTOTP(ctx, u, second.Token, secret, code); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second)
	login, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
	if err != nil || !login.CodeDue {
		t.Fatalf("with a second factor: %+v %v", login, err)
	}
	if sess, _, err := svc.Session(ctx, login.Token); err != nil || !sess.SecondFactorDue {
		t.Fatalf("the pending session: %+v %v", sess, err)
	}
	if err := svc.CheckCode(ctx, u, login.Token, "000000"); !errors.Is(err, accounts.ErrWrongCode) {
		t.Fatalf("a wrong code: %v", err)
	}
	if code, _ = models.TOTPCode(secret, now); svc.CheckCode(ctx, u, login.Token, code) != nil {
		t.Fatal("the right code is refused")
	}
	if sess, _, err := svc.Session(ctx, login.Token); err != nil || sess.SecondFactorDue {
		t.Fatalf("the session after the code: %+v %v", sess, err)
	}
}

// Twenty wrong codes sent at once after one right password: at most
// MaxCodeAttempts are tried, the login is then dropped, and not even the
// right code opens it; the password must be given again.
func TestCodeAttemptsHoldUnderARace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
		hash, _ := models.HashPassword("en lang og god adgangskode")
		u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
		if err := db.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
		first, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
		if err != nil || !first.EnrolmentDue {
			t.Fatalf("first login: %+v %v", first, err)
		}
		secret, _ := models.NewTOTPSecret()
		code, _ := models.TOTPCode(secret, now)
		if _, err := svc.EnableTOTP(ctx, u, first.Token, secret, code); err != nil {
			t.Fatal(err)
		}
		now = now.Add(30 * time.Second)
		login, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
		if err != nil || !login.CodeDue {
			t.Fatalf("password: %+v %v", login, err)
		}

		var tried, stopped atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				switch err := svc.CheckCode(ctx, u, login.Token, "000000"); {
				case errors.Is(err, accounts.ErrWrongCode):
					tried.Add(1)
				case errors.Is(err, accounts.ErrCodesUsed), errors.Is(err, accounts.ErrThrottled):
					stopped.Add(1)
				default:
					t.Errorf("a wrong code: %v", err)
				}
			})
		}
		wg.Wait()
		if n := tried.Load(); n < 1 || n > accounts.MaxCodeAttempts {
			t.Errorf("%d codes were tried, want at most %d", n, accounts.MaxCodeAttempts)
		}
		if tried.Load()+stopped.Load() != 20 {
			t.Errorf("%d tried + %d stopped, want 20", tried.Load(), stopped.Load())
		}
		if code, _ = models.TOTPCode(secret, now); svc.CheckCode(ctx, u, login.Token, code) == nil {
			t.Error("the dropped login opened with the right code")
		}
		if _, _, err := svc.Session(ctx, login.Token); !errors.Is(err, accounts.ErrNoSession) {
			t.Errorf("the login lives on: %v", err)
		}
		// The right password again buys no new codes: the wrong ones are
		// counted apart, until the window has passed.
		again, err := svc.SignIn(ctx, "a@x.example", "en lang og god adgangskode", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.CheckCode(ctx, u, again.Token, code); !errors.Is(err, accounts.ErrThrottled) {
			t.Errorf("a new login's code right after: %v, want throttled", err)
		}
		now = now.Add(accounts.LoginWindow + time.Second)
		if code, _ = models.TOTPCode(secret, now); svc.CheckCode(ctx, u, again.Token, code) != nil {
			t.Error("after the window the right code is refused")
		}
	})
}

// Staff without TOTP get a session that must enrol; enabling turns it
// into a full session with a new token and gives ten recovery codes,
// stored hashed, each good for one login; a party secretary needs none.
func TestForcedEnrolmentAndRecoveryCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		svc := &accounts.Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
		hash, _ := models.HashPassword("en lang og god adgangskode")
		u := models.User{Email: "ro@x.example", Name: "R", Role: models.RoleReadOnly, PasswordHash: hash, CreatedAt: now}
		party := models.Party{Name: "Partiet", Letter: "P", Kind: "council_group"}
		if err := db.Create(&party).Error; err != nil {
			t.Fatal(err)
		}
		sec := models.User{Email: "sec@x.example", Name: "S", Role: models.RolePartySecretary, PartyID: &party.ID, PasswordHash: hash, CreatedAt: now}
		for _, x := range []*models.User{&u, &sec} {
			if err := db.Create(x).Error; err != nil {
				t.Fatal(err)
			}
		}
		if l, err := svc.SignIn(ctx, sec.Email, "en lang og god adgangskode", ""); err != nil || l.EnrolmentDue || l.CodeDue {
			t.Fatalf("party secretary: %+v %v", l, err)
		}
		login, err := svc.SignIn(ctx, u.Email, "en lang og god adgangskode", "")
		if err != nil || !login.EnrolmentDue || login.CodeDue {
			t.Fatalf("read-only without TOTP: %+v %v", login, err)
		}
		if sess, _, err := svc.Session(ctx, login.Token); err != nil || !sess.EnrolmentDue || sess.SecondFactorDue {
			t.Fatalf("the enrolment session: %+v %v", sess, err)
		}
		secret, _ := models.NewTOTPSecret()
		code, _ := models.TOTPCode(secret, now)
		if _, err := svc.EnableTOTP(ctx, u, login.Token, secret, "000000"); !errors.Is(err, accounts.ErrWrongCode) {
			t.Fatalf("a wrong code: %v", err)
		}
		e, err := svc.EnableTOTP(ctx, u, login.Token, secret, code)
		if err != nil || len(e.RecoveryCodes) != models.RecoveryCodeCount || e.Token == login.Token {
			t.Fatalf("enable: %+v %v", e, err)
		}
		// The session it was set up in is replaced once: a second request
		// with it enables nothing.
		if _, err := svc.EnableTOTP(ctx, u, login.Token, secret, code); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("enable again with the replaced session: %v", err)
		}
		if _, _, err := svc.Session(ctx, login.Token); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("the enrolment session lives on: %v", err)
		}
		if sess, _, err := svc.Session(ctx, e.Token); err != nil || sess.EnrolmentDue || sess.SecondFactorDue {
			t.Fatalf("the session after enabling: %+v %v", sess, err)
		}
		// The set-up completes the login, and is audited.
		var stored models.User
		db.First(&stored, u.ID)
		if stored.LastLoginAt == nil || !stored.LastLoginAt.Equal(now) {
			t.Errorf("last login %v after the set-up, want %v", stored.LastLoginAt, now)
		}
		var audited int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND actor_id = ?", models.AuditTOTPEnabled, u.ID).Count(&audited)
		if audited != 1 {
			t.Errorf("%d audit entries of the set-up, want 1", audited)
		}
		var hashes []string
		db.Model(&models.TOTPRecoveryCode{}).Where("user_id = ?", u.ID).Pluck("code_hash", &hashes)
		if len(hashes) != models.RecoveryCodeCount {
			t.Fatalf("%d recovery codes stored", len(hashes))
		}
		for _, h := range hashes {
			for _, c := range e.RecoveryCodes {
				n, _ := models.NormalizeRecoveryCode(c)
				if h == c || h == n {
					t.Fatal("a recovery code is stored in clear")
				}
			}
		}

		// A recovery code opens a pending login once, in any case, with or
		// without dashes.
		now = now.Add(time.Minute)
		recovery := e.RecoveryCodes[3]
		l, _ := svc.SignIn(ctx, u.Email, "en lang og god adgangskode", "")
		if !l.CodeDue {
			t.Fatalf("with TOTP: %+v", l)
		}
		if err := svc.CheckCode(ctx, u, l.Token, strings.ToUpper(strings.ReplaceAll(recovery, "-", " "))); err != nil {
			t.Fatalf("a recovery code: %v", err)
		}
		l, _ = svc.SignIn(ctx, u.Email, "en lang og god adgangskode", "")
		if err := svc.CheckCode(ctx, u, l.Token, recovery); !errors.Is(err, accounts.ErrWrongCode) {
			t.Fatalf("a recovery code again: %v", err)
		}
		if f, err := svc.SecondFactorOf(ctx, u); err != nil || !f.Enabled || f.RecoveryCodesLeft != models.RecoveryCodeCount-1 {
			t.Fatalf("second factor: %+v %v", f, err)
		}

		// A fresh set takes a current code; the old set dies.
		now = now.Add(time.Minute)
		if _, err := svc.NewRecoveryCodes(ctx, u, "000000"); !errors.Is(err, accounts.ErrWrongCode) {
			t.Fatalf("new codes with a wrong code: %v", err)
		}
		code, _ = models.TOTPCode(secret, now)
		fresh, err := svc.NewRecoveryCodes(ctx, u, code)
		if err != nil || len(fresh) != models.RecoveryCodeCount {
			t.Fatalf("new codes: %v %v", fresh, err)
		}
		now = now.Add(time.Minute)
		l, _ = svc.SignIn(ctx, u.Email, "en lang og god adgangskode", "")
		if err := svc.CheckCode(ctx, u, l.Token, e.RecoveryCodes[0]); !errors.Is(err, accounts.ErrWrongCode) {
			t.Fatalf("an old code after a new set: %v", err)
		}
		if err := svc.CheckCode(ctx, u, l.Token, fresh[0]); err != nil {
			t.Fatalf("a new code: %v", err)
		}
	})
}
