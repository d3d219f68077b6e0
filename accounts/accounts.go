// Package accounts is who may use the product and how they prove it: users
// and their roles, sessions and sign-in with a password and TOTP, account
// links, a party's request for another secretary, and API tokens.
//
// It speaks in keyed errors, as recruit does: a refusal is a
// models.UserError or one of the refusals of models (ErrNotFound,
// ErrForbidden, ErrStale, FieldErrors, …), translated where it is shown.
//
// Imports flow one way: web → accounts → store → models.
package accounts

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/store"
)

// Service is the use cases with what they need; usecases.New builds it
// (every field set).
type Service struct {
	DB *gorm.DB
	// Temporal starts the workflow that e-mails a new login its one-time
	// link; nil sends none (the creation still stands).
	Temporal client.Client
	// TaskQueue is where workflows are started.
	TaskQueue string
	Log       *slog.Logger
	Now       func() time.Time
}

// StationsOf is the polling stations a party secretary is limited to;
// none means every station.
func (s *Service) StationsOf(ctx context.Context, userID int64) ([]int64, error) {
	return store.StationsOf(ctx, s.DB, userID)
}
