package models

import (
	"time"
)

// Channel is how a person prefers to be reached; empty means the default
// order (Digital Post, then e-mail, then SMS).
type Channel string

const (
	ChannelDefault     Channel = ""
	ChannelDigitalPost Channel = "digitalpost"
	ChannelEmail       Channel = "email"
	ChannelSMS         Channel = "sms"
)

// Participant is a person who may staff an election. The CPR number and the
// contact data are encrypted at rest; CPRIndex (a keyed blind index) finds and
// de-duplicates a person without decrypting.
type Participant struct {
	ID       int64
	CPR      Secret `gorm:"column:cpr"`
	CPRIndex string `gorm:"column:cpr_index"`
	Name     string
	Mobile   Secret // E.164
	Email    Secret
	// MobileIndex is the blind index of the mobile number: an SMS reply
	// finds its sender by it.
	MobileIndex *string
	// EmailIndex is the blind index of the e-mail address, lower-cased:
	// the participants search finds a person by it.
	EmailIndex *string
	// NameFold and SortKey are kept from Name on every write (the hooks
	// in participant_search.go): the search's lower-cased name and the
	// Danish order in SQL.
	NameFold         string
	SortKey          string
	PreferredChannel Channel
	SpecialDiet      string
	// DigitalPostExempt: the CPR register says the person is exempt from
	// Digital Post (or Digital Post refused a letter to them).
	DigitalPostExempt bool
	// ProtectedAddress: the CPR register says the person has name and
	// address protection; they are on every list and export like anyone
	// else, marked, with no address, and on a party's list by name only.
	ProtectedAddress bool
	// KeepInPool: the person consented (at PoolConsentAt) to stay in the
	// reserve pool after the election; without it they are deleted with
	// their last election's personal data.
	KeepInPool    bool
	PoolConsentAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PartyMembership puts a participant on a party's or pool's list. A party
// nomination reveals political opinion: only staff and that party's own
// secretaries may see it.
type PartyMembership struct {
	ParticipantID int64 `gorm:"primaryKey"`
	PartyID       int64 `gorm:"primaryKey"`
	CreatedBy     *int64
	CreatedAt     time.Time
}

// AuditAction names what was done to personal data.
type AuditAction string

const (
	AuditParticipantCreated AuditAction = "participant.created"
	AuditParticipantRead    AuditAction = "participant.read"
	AuditParticipantChanged AuditAction = "participant.changed"
	AuditCPRRevealed        AuditAction = "cpr.revealed"
	AuditCPRLookup          AuditAction = "cpr.lookup"
	AuditExport             AuditAction = "export"
	AuditMessageSent        AuditAction = "message.sent"
	AuditUserCreated        AuditAction = "user.created"
	AuditTOTPReset          AuditAction = "user.totp_reset"
	// AuditTOTPEnabled: a user set up their second factor and got
	// recovery codes; AuditRecoveryCodesRenewed: a fresh set of them.
	AuditTOTPEnabled          AuditAction = "user.totp_enabled"
	AuditRecoveryCodesRenewed AuditAction = "user.recovery_codes_renewed"
	AuditElectionState        AuditAction = "election.state"
	AuditLifecycle            AuditAction = "lifecycle"
	AuditRound                AuditAction = "round"
)

// AuditEntry is one line of the audit log: who did what to whose data, when.
// Detail is free text that never holds a CPR number.
type AuditEntry struct {
	ID            int64
	At            time.Time
	ActorID       *int64
	Action        AuditAction
	ParticipantID *int64
	// SubjectIndex is the blind index of the person's CPR number: it finds
	// a CPR lookup of someone who was never registered (not found,
	// ineligible) when that person asks what was done with their data.
	SubjectIndex *string
	Detail       string
}

// TableName: the log is one table, not "audit_entries".
func (AuditEntry) TableName() string { return "audit_log" }

// UserTOTP is a staff member's second factor. The secret is encrypted;
// LastCounter refuses a code's reuse.
type UserTOTP struct {
	UserID      int64 `gorm:"primaryKey"`
	Secret      Secret
	LastCounter int64
	EnabledAt   time.Time
}

// TableName keeps the table's name singular, like the concept.
func (UserTOTP) TableName() string { return "user_totp" }
