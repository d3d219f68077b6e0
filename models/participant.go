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
	// SpecialDiet is stored encrypted: a diet can reveal religion or
	// health (an Article 9 special category).
	SpecialDiet Secret
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
	// Version counts the edits of the contact data: an edit names the
	// version it started from and is refused (ErrStale) when another
	// edit came first.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PartyMembership puts a participant on a party's or pool's list. A party
// nomination reveals political opinion: only staff and that party's own
// secretaries may see it.
//
// Contact data per membership. A person may be on several parties' lists,
// and what one party typed about them (mobile, e-mail, preferred channel,
// special diet) is that party's: it is kept here, on the membership, and
// is never shown to another party. The Participant's own contact data is
// what staff or the person gave, and what the first registration typed:
//
//   - Registering a new person fills both the Participant and the new
//     membership. Registering a person who already exists, by another
//     party, fills only the new membership: the Participant is not changed
//     and its data is never shown to that party (nor is it told that the
//     person existed). A party registering its own member again updates
//     its membership with the fields it typed.
//   - A party secretary sees, everywhere (the participant page, the lists
//     and their exports, the API), only their own membership's contact
//     data. Staff see the Participant's data and, on the participant page,
//     each party's, labelled by party.
//   - A message about an assignment of party P goes to P's membership's
//     contact data when the membership has a mobile number or an e-mail,
//     otherwise to the Participant's (ContactOf). Pool assignments and
//     group messages use the Participant's. An SMS reply finds its sender
//     by the mobile index of the Participant or of any membership.
//   - Staff edit the Participant's data; a party secretary edits their own
//     membership's. Every edit is audited with the changed field names,
//     the values kept encrypted in ParticipantChange.
type PartyMembership struct {
	ParticipantID int64 `gorm:"primaryKey"`
	PartyID       int64 `gorm:"primaryKey"`
	CreatedBy     *int64
	CreatedAt     time.Time
	// What this party typed; all stored encrypted but the channel and the
	// mobile number's blind index.
	Mobile           Secret
	MobileIndex      *string
	Email            Secret
	EmailIndex       *string // the party's own search by e-mail finds it
	PreferredChannel Channel
	SpecialDiet      Secret
	// Version counts the edits of this membership's contact data (as
	// Participant.Version).
	Version int64
}

// HasContact reports whether the party typed a mobile number or an
// e-mail address: its messages then go there.
func (m PartyMembership) HasContact() bool { return !m.Mobile.IsZero() || !m.Email.IsZero() }

// ContactOf is p with the contact data of membership m in place of its
// own, when m has any (m.HasContact): whom a message about m's party's
// assignment reaches. Name, CPR number and Digital Post stay p's.
func ContactOf(p Participant, m PartyMembership) Participant {
	if !m.HasContact() {
		return p
	}
	return WithMembershipData(p, m)
}

// WithMembershipData is p as party m.PartyID holds it: the membership's
// contact data in place of the Participant's, even when empty. A party
// secretary is shown nothing else.
func WithMembershipData(p Participant, m PartyMembership) Participant {
	p.Mobile, p.MobileIndex, p.Email, p.EmailIndex = m.Mobile, m.MobileIndex, m.Email, m.EmailIndex
	p.PreferredChannel, p.SpecialDiet, p.Version = m.PreferredChannel, m.SpecialDiet, m.Version
	return p
}

// ParticipantChange keeps the values of one field before and after an
// edit (AuditParticipantChanged entry AuditID), encrypted: the audit log's
// Detail names the fields only. PartyID is the membership edited, nil for
// the Participant's own data. The rows go with the person.
type ParticipantChange struct {
	ID            int64
	AuditID       int64
	ParticipantID int64
	PartyID       *int64
	Field         string
	OldValue      Secret
	NewValue      Secret
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
