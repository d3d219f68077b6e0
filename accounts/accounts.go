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

	"github.com/valghalla/valghalla/models"
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

// StationLimitOf is the polling stations u works for.
func (s *Service) StationLimitOf(ctx context.Context, u models.User) (models.StationLimit, error) {
	return store.StationLimitOf(ctx, s.DB, u)
}
