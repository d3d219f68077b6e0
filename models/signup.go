package models

import (
	"slices"
	"time"
)

// Sign-up links (issue 19, M22): a link that staff, or a party's secretary
// for their own party, hand out so that people put themselves on a party's
// or pool's list. The public page behind the link asks for the person's
// CPR number (or takes it from MitID) and contact data, checks them against
// the CPR register and the election type's rules, and puts them on the
// list; a claim link also gives them a vacant slot at once, confirmed.

// Audit actions of sign-up links.
const (
	AuditSignupLinkCreated  AuditAction = "signup.link_created"
	AuditSignupLinkDisabled AuditAction = "signup.link_disabled"
	AuditSignedUp           AuditAction = "signup.signed_up"
	AuditSignupConsent      AuditAction = "signup.consent_changed"
)

// SignupLink is one sign-up link. The token in its address is 128 random
// bits; the database finds the link by the token's hash and keeps the token
// itself encrypted, so staff can copy the address again.
type SignupLink struct {
	ID        int64
	TokenHash string
	Token     Secret
	// Name is what staff call the link ("Medarbejdere, Rådhuset").
	Name       string
	ElectionID int64
	PartyID    int64
	// TaskTypeIDs and StationIDs limit the link; empty is no limit.
	TaskTypeIDs []int64 `gorm:"serializer:json"`
	StationIDs  []int64 `gorm:"serializer:json"`
	// Claim: the person takes a vacant slot of the link's task types and
	// stations at once, and their lifecycle starts confirmed.
	Claim      bool
	EndsAt     time.Time
	MaxSignups int
	// Signups is how many people signed up through the link.
	Signups    int
	DisabledAt *time.Time
	DisabledBy *int64
	CreatedBy  *int64
	CreatedAt  time.Time
}

// SignupLinkState is what a sign-up link can do now.
type SignupLinkState string

const (
	SignupOpen     SignupLinkState = "open"
	SignupFull     SignupLinkState = "full"
	SignupExpired  SignupLinkState = "expired"
	SignupDisabled SignupLinkState = "disabled"
)

// StateAt tells whether the link takes sign-ups at now.
func (l SignupLink) StateAt(now time.Time) SignupLinkState {
	switch {
	case l.DisabledAt != nil:
		return SignupDisabled
	case !now.Before(l.EndsAt):
		return SignupExpired
	case l.Signups >= l.MaxSignups:
		return SignupFull
	}
	return SignupOpen
}

// Allows tells whether the link covers a task type and a station (an
// empty limit covers all).
func (l SignupLink) Allows(taskTypeID, stationID int64) bool {
	return (len(l.TaskTypeIDs) == 0 || slices.Contains(l.TaskTypeIDs, taskTypeID)) &&
		(len(l.StationIDs) == 0 || slices.Contains(l.StationIDs, stationID))
}

// Signup is one person's sign-up through a link: one per person and link.
type Signup struct {
	ID            int64
	LinkID        int64
	ParticipantID int64
	// AssignmentID is the slot a claim link gave them; Reserve: a claim
	// link found no vacant slot and put them on the reserve list.
	AssignmentID *int64
	Reserve      bool
	CreatedAt    time.Time
}

// SignupLinkView is a link as the staff's list shows it.
type SignupLinkView struct {
	Link      SignupLink
	Election  Election
	Party     Party
	TaskTypes []TaskType
	Stations  []PollingStation
	State     SignupLinkState
}

// NewSignupLink is what staff or a secretary fill in to make a link.
type NewSignupLink struct {
	Name        string
	ElectionID  int64
	PartyID     int64
	TaskTypeIDs []int64
	StationIDs  []int64
	Claim       bool
	// EndsOn is the last day (Europe/Copenhagen) the link takes sign-ups.
	EndsOn     Date
	MaxSignups int
}

// MaxSignupsLimit bounds a link's limit.
const MaxSignupsLimit = 10000

// Check refuses, at its field, the first thing that cannot make a link;
// now decides whether the end lies ahead.
func (n NewSignupLink) Check(now time.Time) error {
	switch {
	case !CleanText(n.Name) || len([]rune(n.Name)) > 200:
		return RefuseField("name", "error.signup.name")
	case n.ElectionID == 0:
		return RefuseField("election_id", "error.signup.election")
	case n.PartyID == 0:
		return RefuseField("party_id", "error.signup.party")
	case n.EndsOn.IsZero() || !n.EndsAt().After(now):
		return RefuseField("ends_on", "error.signup.endson")
	case n.MaxSignups < 1 || n.MaxSignups > MaxSignupsLimit:
		return RefuseField("max_signups", "error.signup.max", MaxSignupsLimit)
	}
	return nil
}

// EndsAt is the instant the link closes: the end of its last day in
// Copenhagen.
func (n NewSignupLink) EndsAt() time.Time {
	return time.Date(n.EndsOn.Year, n.EndsOn.Month, n.EndsOn.Day, 0, 0, 0, 0, Copenhagen).AddDate(0, 0, 1).UTC()
}

// SignupOffer is what the public page of an open link shows: the task, the
// municipality and the consent text, nobody's personal data.
type SignupOffer struct {
	Link      SignupLink
	Election  Election
	Party     Party
	TaskTypes []TaskType
	Stations  []PollingStation
	// Consent is the municipality's consent and disclosure text; empty:
	// the product's default (locale signup.consent.default).
	Consent      string
	Municipality Municipality
}
