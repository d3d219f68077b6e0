// Package setup is what staff set up before recruiting: elections and
// their settings, election types and their rules, polling stations, areas,
// task types, parties and valggrupper, and the plan of slots per station,
// task type and party.
//
// It speaks in keyed errors, as recruit does: a refusal is a
// models.UserError or one of the refusals of models (ErrNotFound,
// ErrForbidden, ErrStale, FieldErrors, …), translated where it is shown.
//
// Imports flow one way: web → setup → store → models.
package setup

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

// Service is the use cases with what they need; usecases.New builds it
// (every field set).
type Service struct {
	DB  *gorm.DB
	Log *slog.Logger
	Now func() time.Time
	// Temporal (nil: none) keeps an active election's re-validation
	// schedule at its election day; TaskQueue is where it starts runs.
	Temporal  client.Client
	TaskQueue string
}

// now is the time a change is stamped with.
func (s *Service) now() time.Time { return s.Now().UTC() }
