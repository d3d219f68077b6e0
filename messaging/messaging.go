// Package messaging is what the product says to people and what it has
// said: the message templates and their merge fields, the message log and a
// retry of a failed message, and the group messages of an election.
//
// It speaks in keyed errors, as recruit does: a refusal is a
// models.UserError or one of the refusals of models (ErrNotFound,
// ErrForbidden, ErrStale, FieldErrors, …), translated where it is shown.
//
// Imports flow one way: web → messaging → store → models.
package messaging

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
	// Temporal starts the retry of a failed message and answers a group
	// message's progress; nil in tests that need neither.
	Temporal client.Client
	// TaskQueue is where workflows are started.
	TaskQueue string
	Log       *slog.Logger
	Now       func() time.Time
}

// CountFailedMessages is how many of an election's messages could not be
// delivered, for the overview's warning.
func (s *Service) CountFailedMessages(ctx context.Context, electionID int64) (int64, error) {
	return store.CountFailedMessages(ctx, s.DB, electionID)
}
