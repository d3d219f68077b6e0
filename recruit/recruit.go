// Package recruit is the product's use cases: one method per thing a person
// does — register a participant, nominate, answer an invitation (by link,
// SMS or staff on their behalf), launch and steer a recruitment round,
// distribute the quota, move a slot, send a group message, close an
// election. It owns the database, the CPR register and the Temporal client;
// the pages, the JSON API and the CSV upload all call the same method, so
// there is one implementation of each.
//
// It speaks in keyed errors: a refusal is a *Refusal, which is a
// models.UserError (a key of locale/*/recruit.json and its arguments) with
// a Kind that says what sort of refusal it is (an HTTP status to the web).
// Any other error is a failure (the database, Temporal) for the log.
//
// Imports flow one way: web → recruit → workflows / store → models.
package recruit

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
)

// Service is the use cases with what they need.
type Service struct {
	DB       *gorm.DB
	Temporal client.Client
	// CPR is the CPR register; nil when not configured (registration and
	// nomination are then refused with error.recruit.noregister).
	CPR cpr.Register
	// Keys encrypt CPR numbers and compute their blind indexes.
	Keys *vault.Keyring
	// TaskQueue is where workflows are started.
	TaskQueue string
	Log       *slog.Logger
	Now       func() time.Time
}

// Config is what New takes: the Service's fields.
type Config = Service

// New returns the use cases over what c names; Log and Now get defaults.
func New(c Config) *Service {
	s := c
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return &s
}

// HasRegister tells whether people can be registered: a CPR register and
// the keys to store their numbers are configured.
func (s *Service) HasRegister() bool { return s.CPR != nil && s.Keys != nil }

func (s *Service) now() time.Time { return s.Now().UTC() }

// Kind is the sort of a refusal.
type Kind int

const (
	// Invalid: what was asked cannot be done as asked (422).
	Invalid Kind = iota
	// Conflict: the state of things does not allow it now (409).
	Conflict
	// Forbidden: not for this person's role, party or stations (403).
	Forbidden
	// NotFound: it does not exist, or is not the person's to see (404).
	NotFound
	// Unavailable: a part of the product it needs is not set up or does
	// not answer right now; nothing was done (503).
	Unavailable
	// RegisterDown: the CPR register did not answer; nothing was done (502).
	RegisterDown
)

// Refusal is a use case's keyed refusal. It is a *models.UserError (so
// locale.Error translates it) and keeps the error it stands for, if any
// (errors.Is(err, store.ErrSlotTaken) still holds).
type Refusal struct {
	Kind Kind
	*models.UserError
	// Ineligible: why the CPR register's facts rule the person out, when
	// that is the refusal.
	Ineligible []models.Ineligibility
	// Election is the election they are not eligible for.
	Election models.Election
	cause    error
}

// Unwrap gives the UserError and the cause.
func (r *Refusal) Unwrap() []error {
	if r.cause != nil {
		return []error{r.UserError, r.cause}
	}
	return []error{r.UserError}
}

func refuse(kind Kind, key string, args ...any) *Refusal {
	return &Refusal{Kind: kind, UserError: models.Refuse(key, args...)}
}

func refuseField(kind Kind, field, key string, args ...any) *Refusal {
	return &Refusal{Kind: kind, UserError: models.RefuseField(field, key, args...)}
}

// KindOf tells the kind of a refusal; ok is false for an error that is no
// refusal (a failure).
func KindOf(err error) (kind Kind, ok bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Kind, true
	}
	if _, ok := models.AsUserError(err); ok {
		return Invalid, true
	}
	return 0, false
}

// AsRefusal finds a Refusal in err's chain.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// storeRefusals are the store's refusals with their keys.
var storeRefusals = []struct {
	err  error
	kind Kind
	key  string
}{
	{store.ErrSlotTaken, Conflict, "error.recruit.slottaken"},
	{store.ErrBusyThatDay, Conflict, "error.recruit.busythatday"},
	{store.ErrWasOnSlot, Conflict, "error.recruit.wasonslot"},
	{store.ErrNoVacancy, Conflict, "error.recruit.novacancy"},
	{store.ErrClosed, Conflict, "error.recruit.closed"},
	{store.ErrOnReserveList, Conflict, "error.recruit.onreserve"},
	{store.ErrInvitedOn, Conflict, "error.recruit.invitedon"},
	{store.ErrNotOnList, Invalid, "error.recruit.notonlist"},
	{models.ErrStale, Conflict, "error.recruit.stale"},
	{models.ErrForbidden, Forbidden, "error.recruit.forbidden"},
	{models.ErrNotFound, NotFound, "error.recruit.notfound"},
}

// fromStore turns what the store refuses into a keyed refusal and passes
// failures on; the store's own keyed refusals keep their keys.
func fromStore(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := AsRefusal(err); ok {
		return err
	}
	for _, r := range storeRefusals {
		if errors.Is(err, r.err) {
			return &Refusal{Kind: r.kind, UserError: models.Refuse(r.key), cause: err}
		}
	}
	if ue, ok := models.AsUserError(err); ok {
		return &Refusal{Kind: Invalid, UserError: ue, cause: err}
	}
	return err
}

// Ready checks what the use cases stand on, by name: the app database and
// the Temporal frontend. A nil error means the dependency answered.
func (s *Service) Ready(ctx context.Context) map[string]error {
	ready := map[string]error{"database": store.Ping(ctx, s.DB), "temporal": errors.New("no Temporal client")}
	if s.Temporal != nil {
		_, ready["temporal"] = s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	}
	return ready
}
