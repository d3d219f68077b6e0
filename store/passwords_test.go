package store_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

const oldPassword = "den gamle lange adgangskode"

// resetUser is a user with a password and n open sessions.
func resetUser(t *testing.T, db *gorm.DB, email string, n int, now time.Time) (models.User, []string) {
	t.Helper()
	hash, _ := models.HashPassword(oldPassword)
	u := models.User{Email: email, Name: "Glemsom", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for range n {
		tok, err := store.CreateSession(ctx, db, u.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	return u, tokens
}

// resetLink asks for a reset of email and makes its token, as the e-mail's
// activity does.
func resetLink(t *testing.T, db *gorm.DB, email string, now time.Time) string {
	t.Helper()
	id, _, err := store.CreatePasswordReset(ctx, db, email, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := store.IssuePasswordResetToken(ctx, db, id, now)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func sessionsOf(db *gorm.DB, userID int64) int64 {
	var n int64
	db.Model(&models.Session{}).Where("user_id = ?", userID).Count(&n)
	return n
}

func TestPasswordResetLinkWorksOnceAndEndsEverySession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		u, _ := resetUser(t, db, "glemsom@x.example", 2, t0)
		_, otherSessions := resetUser(t, db, "anden@x.example", 1, t0)
		token := resetLink(t, db, " Glemsom@X.example ", t0)
		spare := resetLink(t, db, "glemsom@x.example", t0)
		var stored []models.PasswordReset
		db.Find(&stored)
		for _, r := range stored {
			if r.TokenHash == nil || *r.TokenHash == token || *r.TokenHash == spare {
				t.Fatalf("stored token hash %v", r.TokenHash)
			}
		}
		if got, err := store.CheckPasswordReset(ctx, db, token, t0.Add(59*time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("check: %v %v", got.ID, err)
		}
		// A password too weak is refused and the link still works.
		var ue *models.UserError
		if _, err := store.UsePasswordReset(ctx, db, token, "kort", t0); !errors.As(err, &ue) {
			t.Fatalf("a short password: %v", err)
		}
		const chosen = "en helt ny og lang adgangskode"
		if got, err := store.UsePasswordReset(ctx, db, token, chosen, t0.Add(time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("use: %v", err)
		}
		if _, err := store.UsePasswordReset(ctx, db, token, chosen, t0.Add(2*time.Minute)); !errors.Is(err, store.ErrLinkUsed) {
			t.Fatalf("second use: %v, want ErrLinkUsed", err)
		}
		// The other link of the user is used up too; the other user is untouched.
		if _, err := store.CheckPasswordReset(ctx, db, spare, t0.Add(2*time.Minute)); !errors.Is(err, store.ErrLinkUsed) {
			t.Fatalf("the other link: %v, want ErrLinkUsed", err)
		}
		if n := sessionsOf(db, u.ID); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if _, _, err := store.LookupSession(ctx, db, otherSessions[0], t0.Add(time.Minute)); err != nil {
			t.Fatalf("another user's session ended: %v", err)
		}
		db.First(&u, u.ID)
		if ok, _ := models.VerifyPassword(u.PasswordHash, chosen); !ok {
			t.Fatal("the new password does not verify")
		}
		var audits int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND actor_id = ?", models.AuditPasswordReset, u.ID).Count(&audits)
		if audits != 1 {
			t.Fatalf("%d audit entries", audits)
		}
		if _, err := store.CheckPasswordReset(ctx, db, "ukendt", t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Fatalf("unknown: %v", err)
		}
	})
}

func TestPasswordResetLinkExpiresAfterAnHour(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		resetUser(t, db, "glemsom@x.example", 0, t0)
		token := resetLink(t, db, "glemsom@x.example", t0)
		if _, err := store.CheckPasswordReset(ctx, db, token, t0.Add(time.Hour)); !errors.Is(err, store.ErrLinkExpired) {
			t.Fatalf("after an hour: %v, want ErrLinkExpired", err)
		}
		if _, err := store.UsePasswordReset(ctx, db, token, "en helt ny og lang adgangskode", t0.Add(time.Hour)); !errors.Is(err, store.ErrLinkExpired) {
			t.Fatalf("use after an hour: %v, want ErrLinkExpired", err)
		}
		// An e-mail retried after the hour sends no dead link.
		id, _, _ := store.CreatePasswordReset(ctx, db, "glemsom@x.example", 3, t0)
		if _, _, err := store.IssuePasswordResetToken(ctx, db, id, t0.Add(time.Hour)); !errors.Is(err, store.ErrLinkExpired) {
			t.Fatalf("token after an hour: %v", err)
		}
	})
}

func TestPasswordResetsAreLimitedAndOnlyForAccountsWithAPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		u, _ := resetUser(t, db, "glemsom@x.example", 0, t0)
		for i := range 3 {
			if _, _, err := store.CreatePasswordReset(ctx, db, u.Email, 3, t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if _, id, err := store.CreatePasswordReset(ctx, db, u.Email, 3, t0.Add(30*time.Minute)); !errors.Is(err, store.ErrResetThrottled) || id != u.ID {
			t.Fatalf("a fourth in the hour: %v", err)
		}
		if _, _, err := store.CreatePasswordReset(ctx, db, u.Email, 3, t0.Add(61*time.Minute)); err != nil {
			t.Fatalf("an hour after the first: %v", err)
		}
		if _, _, err := store.CreatePasswordReset(ctx, db, "ingen@x.example", 3, t0); !errors.Is(err, store.ErrNoReset) {
			t.Fatalf("unknown address: %v", err)
		}
		pending := models.User{Email: "ny@x.example", Name: "Ny", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&pending)
		if _, _, err := store.CreatePasswordReset(ctx, db, pending.Email, 3, t0); !errors.Is(err, store.ErrNoReset) {
			t.Fatalf("a login without a password: %v", err)
		}
	})
}

func TestChangePasswordKeepsTheCurrentSessionOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		u, sessions := resetUser(t, db, "glemsom@x.example", 3, t0)
		link := resetLink(t, db, u.Email, t0)
		const chosen = "en helt ny og lang adgangskode"
		if err := store.ChangePassword(ctx, db, u, sessions[0], chosen, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.LookupSession(ctx, db, sessions[0], t0.Add(2*time.Minute)); err != nil {
			t.Fatalf("the current session ended: %v", err)
		}
		if n := sessionsOf(db, u.ID); n != 1 {
			t.Fatalf("%d sessions, want the current one only", n)
		}
		if _, err := store.CheckPasswordReset(ctx, db, link, t0.Add(2*time.Minute)); !errors.Is(err, store.ErrLinkUsed) {
			t.Fatalf("a reset link after the change: %v", err)
		}
		db.First(&u, u.ID)
		if ok, _ := models.VerifyPassword(u.PasswordHash, chosen); !ok {
			t.Fatal("the new password does not verify")
		}
		var audits int64
		db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditPasswordChanged).Count(&audits)
		if audits != 1 {
			t.Fatalf("%d audit entries", audits)
		}
	})
}

// Housekeeping deletes reset links that expired long ago, as it does
// account links, and keeps the recent ones (they count towards the limit).
func TestPurgeDeletesLongExpiredResetLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		now := t0.Add(40 * 24 * time.Hour)
		u, _ := resetUser(t, db, "glemsom@x.example", 0, t0)
		resetLink(t, db, u.Email, t0)
		recent := resetLink(t, db, u.Email, now.Add(-10*time.Minute))
		p, err := store.Purge(ctx, db, now)
		if err != nil || p.PasswordResets != 1 {
			t.Fatalf("purged %+v, %v; want one reset link", p, err)
		}
		if _, err := store.CheckPasswordReset(ctx, db, recent, now); err != nil {
			t.Fatalf("the recent link: %v", err)
		}
	})
}

// A deactivated user gets no reset link, and a link sent before the
// deactivation no longer works.
func TestDeactivatedUserGetsNoPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		u, _ := resetUser(t, db, "forladt@x.example", 0, t0)
		sent := resetLink(t, db, u.Email, t0)
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		db.Create(&admin)
		if err := store.DeactivateUser(ctx, db, admin, u.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.CheckPasswordReset(ctx, db, sent, t0.Add(2*time.Minute)); err == nil {
			t.Error("a link sent before the deactivation still works")
		}
		if _, _, err := store.CreatePasswordReset(ctx, db, u.Email, 3, t0.Add(2*time.Minute)); !errors.Is(err, store.ErrNoReset) {
			t.Errorf("a reset for a deactivated user: %v, want ErrNoReset", err)
		}
		if _, _, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: u.ID, Name: "script"}, t0.Add(2*time.Minute)); err == nil {
			t.Error("an API token was issued to a deactivated user")
		}
	})
}
