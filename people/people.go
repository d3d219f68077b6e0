// Package people is the people recruited and what is known of them: the
// participants and their details, the lists and exports of an election,
// attendance at its closing, the subject-access export, and erasure when
// the retention period has passed.
//
// It speaks in keyed errors, as recruit does: a refusal is a
// models.UserError or one of the refusals of models (ErrNotFound,
// ErrForbidden, ErrStale, FieldErrors, …), translated where it is shown.
//
// Imports flow one way: web → people → store → models.
package people

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
)

// Service is the use cases with what they need; usecases.New builds it
// (every field set).
type Service struct {
	DB *gorm.DB
	// Keys decrypt CPR numbers and compute their blind indexes.
	Keys *vault.Keyring
	Log  *slog.Logger
	Now  func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// ParticipantsOfParty is the people on a party's list, as actor may see
// them (a party secretary only their own party's).
func (s *Service) ParticipantsOfParty(ctx context.Context, actor models.User, partyID int64) ([]models.Participant, error) {
	return store.ParticipantsOfParty(ctx, s.DB, actor, partyID)
}
