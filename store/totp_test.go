package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A recovery code sent by many requests at once logs in once; a reset
// ends every session of the user, with TOTP or without, and removes the
// codes.
func TestRecoveryCodeOnceAndResetEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		u := models.User{Email: "a@x.example", Name: "A", Role: models.RoleStaff, CreatedAt: t0}
		plain := models.User{Email: "b@x.example", Name: "B", Role: models.RoleStaff, CreatedAt: t0}
		for _, x := range []*models.User{&admin, &u, &plain} {
			if err := db.Create(x).Error; err != nil {
				t.Fatal(err)
			}
		}
		secret, _ := models.NewTOTPSecret()
		code, _ := models.TOTPCode(secret, t0)
		codes, err := store.EnableTOTP(ctx, db, u, secret, code, t0)
		if err != nil || len(codes) != models.RecoveryCodeCount {
			t.Fatalf("enable: %v %v", codes, err)
		}
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				switch err := store.UseRecoveryCode(ctx, db, u.ID, codes[0], t0); {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, store.ErrWrongCode):
					t.Errorf("use: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("one recovery code logged in %d times", ok.Load())
		}
		if err := store.UseRecoveryCode(ctx, db, plain.ID, codes[1], t0); !errors.Is(err, store.ErrWrongCode) {
			t.Fatalf("another user's code: %v", err)
		}

		for _, x := range []models.User{u, plain} {
			for range 2 {
				if _, err := store.CreateSession(ctx, db, x.ID, t0); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.ResetTOTP(ctx, db, admin, x.ID, t0); err != nil {
				t.Fatalf("reset of %s: %v", x.Email, err)
			}
			for _, row := range []any{&models.Session{}, &models.UserTOTP{}, &models.TOTPRecoveryCode{}} {
				var n int64
				db.Model(row).Where("user_id = ?", x.ID).Count(&n)
				if n != 0 {
					t.Errorf("%d %T rows of %s after the reset", n, row, x.Email)
				}
			}
		}
		if err := store.ResetTOTP(ctx, db, admin, 987654, t0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("reset of an unknown user: %v", err)
		}
		if err := store.ResetTOTP(ctx, db, u, plain.ID, t0); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("reset by staff: %v", err)
		}
	})
}
