package site

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/setup"
	"github.com/valghalla/valghalla/vault"
)

// Deps is what the handlers need from the rest of the product: the use
// cases, and the few settings the pages show.
type Deps struct {
	// Recruit is the use cases (register, nominate, answer, rounds, …) the
	// pages and the API call: it owns the CPR register, so web imports no
	// provider client. Nil builds one from the fields below, without a CPR
	// register (registration then says so).
	Recruit *recruit.Service
	// Accounts, Setup, People and Messaging are the other areas' use cases;
	// nil builds each from DB.
	Accounts  *accounts.Service
	Setup     *setup.Service
	People    *people.Service
	Messaging *messaging.Service
	DB        *gorm.DB
	Temporal  client.Client
	Log       *slog.Logger
	// TemporalUIURL is linked from the pages for operators; empty hides it.
	TemporalUIURL string
	// SecureCookies marks cookies Secure: on whenever the site is served
	// over https (everywhere but `valghalla dev`).
	SecureCookies bool
	// Keys compute the blind index that finds a person by CPR number.
	Keys *vault.Keyring
	// TaskQueue is where workflows are started.
	TaskQueue string
	// Mailbox lists the e-mails the dev SMTP server received; nil outside
	// `valghalla dev`, and then /dev/postkasse does not exist.
	Mailbox func() []MailboxMessage
	// SMSReply sends an SMS reply from a number through the fake Twilio to
	// the webhook and returns the app's answer; nil outside `valghalla dev`.
	SMSReply func(ctx context.Context, from, body string) (string, error)
	Now      func() time.Time
	// PublicURL is the site's address as the outside world (Twilio) sees
	// it; webhook signatures are checked against it.
	PublicURL string
	// SMSAuthToken checks the signature of Twilio's webhooks; empty refuses
	// them all.
	SMSAuthToken string
}

// MailboxMessage is one message a fake provider received (or, for SMS,
// one reply a person sent).
type MailboxMessage struct {
	Channel       models.Channel
	To            string // e-mail address, mobile number or CPR number (Digital Post)
	From          string // the sender of an inbound SMS
	Subject, Text string
	At            time.Time
	Status        string // the provider's status, if it reports one
	Inbound       bool   // an SMS reply from the person
}
