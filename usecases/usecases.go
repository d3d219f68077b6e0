// Package usecases builds the use-case layer in one go: each area's
// service (recruit, accounts, setup, people, messaging, signup) over the same
// database, Temporal client, CPR register and keys. The web app takes the
// result; it never sees what the services are built from.
package usecases

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/electionday"
	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/mitid"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/selfservice"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/vault"
)

// Config is what the services are built from.
type Config struct {
	DB       *gorm.DB
	Temporal client.Client
	// CPR is the CPR register; nil refuses registration (see recruit).
	CPR cpr.Register
	// Keys encrypt personal data and compute the blind index.
	Keys *vault.Keyring
	// TaskQueue is where workflows are started.
	TaskQueue string
	// MitID is the OpenID Connect client that logs volunteers in with
	// MitID (providers/oidc); nil switches MitID off.
	MitID mitid.Provider
	// MitIDIssuer is the provider's issuer URL (its origin is where the
	// pages' forms may send the browser).
	MitIDIssuer string
	Log         *slog.Logger
	Now         func() time.Time
}

// UseCases is every area's service.
type UseCases struct {
	Recruit   *recruit.Service
	Accounts  *accounts.Service
	Setup     *setup.Service
	People    *people.Service
	Messaging *messaging.Service
	Signup    *signup.Service
	// SelfService is Min side, the volunteers' own site.
	SelfService *selfservice.Service
	// MitID is nil when OIDC_ISSUER is unset: MitID is off.
	MitID *mitid.Service
	// ElectionDay is check-in on the task day and the station leaders.
	ElectionDay *electionday.Service
}

// New builds every service over c; Log and Now get defaults.
func New(c Config) UseCases {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	var mitID *mitid.Service
	if c.MitID != nil {
		mitID = &mitid.Service{DB: c.DB, Keys: c.Keys, Client: c.MitID, Issuer: c.MitIDIssuer, Log: c.Log, Now: c.Now}
	}
	rec := recruit.New(recruit.Config{DB: c.DB, Temporal: c.Temporal, CPR: c.CPR, Keys: c.Keys,
		TaskQueue: c.TaskQueue, Log: c.Log, Now: c.Now})
	return UseCases{
		MitID:     mitID,
		Recruit:   rec,
		Accounts:  &accounts.Service{DB: c.DB, Temporal: c.Temporal, TaskQueue: c.TaskQueue, Log: c.Log, Now: c.Now},
		Setup:     &setup.Service{DB: c.DB, Log: c.Log, Now: c.Now, Temporal: c.Temporal, TaskQueue: c.TaskQueue},
		People:    &people.Service{DB: c.DB, Keys: c.Keys, Log: c.Log, Now: c.Now},
		Messaging: &messaging.Service{DB: c.DB, Temporal: c.Temporal, TaskQueue: c.TaskQueue, Log: c.Log, Now: c.Now},
		Signup: &signup.Service{DB: c.DB, Temporal: c.Temporal, TaskQueue: c.TaskQueue, Keys: c.Keys, Recruit: rec,
			Log: c.Log, Now: c.Now},
		ElectionDay: &electionday.Service{DB: c.DB, Temporal: c.Temporal, Log: c.Log, Now: c.Now},
		SelfService: &selfservice.Service{DB: c.DB, Temporal: c.Temporal, TaskQueue: c.TaskQueue, Keys: c.Keys, Log: c.Log, Now: c.Now,
			Recruit: rec},
	}
}
