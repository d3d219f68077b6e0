package models

import "time"

// ListRemoval records that a person was taken off a party's (or pool's)
// list: by that party's secretary or the staff, or at the person's own
// request ("Nej, og fjern mig fra listen"). While it is open (ReaddedAt
// nil) the party can neither register nor nominate the person again, and
// no round of theirs invites them; staff may re-add the person with a
// recorded reason, which closes it. Other parties are not affected.
type ListRemoval struct {
	ID            int64
	ParticipantID int64
	PartyID       int64
	// AssignmentID is the invitation the person answered "fjern mig" to;
	// nil for a removal by a secretary or the staff. One answer makes one
	// removal, however often it is retried.
	AssignmentID *int64
	// AtRequest: the person asked for it.
	AtRequest bool
	RemovedAt time.Time
	// RemovedBy is the user who removed the person, or who recorded their
	// answer on their behalf; nil when the person answered by link.
	RemovedBy   *int64
	ReaddedAt   *time.Time
	ReaddedBy   *int64
	ReaddReason string
}

// Open tells whether the removal still blocks the party.
func (r ListRemoval) Open() bool { return r.ID != 0 && r.ReaddedAt == nil }

// Audit actions of a party's list.
const (
	AuditListRemoved AuditAction = "list.removed"
	AuditListReadded AuditAction = "list.readded"
)

// RemovedFromListSentence is what the decline confirmation of a person who
// asked to be taken off the list says about it ([answer:removal]), by
// language. Messages go in Danish; the English is for the pages. It names
// no party: an e-mail or SMS never ties a person to one.
var RemovedFromListSentence = map[string]string{
	"da": "Du er fjernet fra listen og bliver ikke kontaktet igen om denne opgave af dem, der indstillede dig.",
	"en": "You have been taken off the list and will not be contacted about this task again by those who nominated you.",
}

// RemovalField is the merge field of the decline confirmation that holds
// RemovedFromListSentence for a person who asked to be taken off the list,
// and nothing otherwise.
const RemovalField = "answer:removal"

// optionalFields may render empty (Template.Render refuses an empty value
// of any other field): [answer:removal] says something only after a
// "remove me".
var optionalFields = map[string]bool{RemovalField: true}

// RemovalValue is the value of [answer:removal] for an assignment that
// ended with reason: the sentence (with a leading space, so it follows the
// sentence before it) for "remove me", empty otherwise.
func RemovalValue(reason DeclineReason) string {
	if reason == DeclineRemoveMe {
		return " " + RemovedFromListSentence["da"]
	}
	return ""
}

// KeptTask is a confirmed task of a person taken off a party's list: the
// person said yes to it, so it is kept, and the page tells who removed them.
type KeptTask struct {
	AssignmentID  int64
	ElectionTitle string
	TaskName      string
	StationName   string
	Day           Date
}

// RemovalOutcome is what taking a person off a party's list did and must
// still do.
type RemovalOutcome struct {
	Removal ListRemoval
	// Name is the person's, PartyName the party's, for the pages.
	Name, PartyName string
	// Retract are the party's open invitations of the person (invited, in
	// an active election), whose lifecycles are to cancel them.
	Retract []Assignment
	// Withdrawn counts the nominations (not yet invited) withdrawn, and
	// Reserves the reserve places taken away.
	Withdrawn, Reserves int
	// Kept are the person's confirmed tasks of the party, which stay.
	Kept []KeptTask
}

// ListRemovalView is a removal as the participant page lists it.
type ListRemovalView struct {
	ListRemoval
	PartyName string
}

// ReaddReasonMax bounds the reason recorded for a re-add.
const ReaddReasonMax = 1000
