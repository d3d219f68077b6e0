package models

import "time"

// Min side (issue 19): a volunteer's own pages. They log in by a one-time
// link sent to an address the municipality has for them, or by MitID; the
// session is a volunteer session, apart from the staff's.

// MinSideLinkValidity is how long a one-time login link works.
const MinSideLinkValidity = 15 * time.Minute

// MinSideSessionMax is how long a volunteer session lasts.
const MinSideSessionMax = 2 * time.Hour

// Audit actions of Min side. Their detail names the person by id only.
const (
	// AuditMinSideLogin: a volunteer logged in on Min side (by link or MitID).
	AuditMinSideLogin AuditAction = "minside.login"
	// AuditDeletionRequested: a volunteer asked to be deleted.
	AuditDeletionRequested AuditAction = "minside.deletion_requested"
	// AuditDeletionDecided: staff acted on a deletion request.
	AuditDeletionDecided AuditAction = "minside.deletion_decided"
)

// VolunteerLoginLink is a one-time link to Min side. The row is made when
// the link is asked for; TokenHash stays empty until the send's activity
// makes the token, so the token never passes through a workflow's history.
// Channel is where it goes (email or sms); PartyID names the party
// membership whose address matched (nil: the person's own).
type VolunteerLoginLink struct {
	ID            int64
	TokenHash     *string
	ParticipantID int64
	Channel       Channel
	PartyID       *int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
}

// VolunteerSession is a volunteer's session on Min side: only the token's
// hash is stored, never a CPR number.
type VolunteerSession struct {
	ID            int64
	TokenHash     string
	ParticipantID int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// DeletionRequest is a volunteer's request to be deleted. Staff decide it:
// the person is erased (and the row goes with them), or the request is
// refused while a current election needs them.
type DeletionRequest struct {
	ID            int64
	ParticipantID int64
	RequestedAt   time.Time
}

// DeletionRequestView is a request as staff see it.
type DeletionRequestView struct {
	ID            int64
	ParticipantID int64
	Name          string
	RequestedAt   time.Time
}

// MinSideLinkURL is the address of a one-time login link.
func MinSideLinkURL(baseURL, token string) string { return baseURL + "/minside/log-ind/" + token }

// MinSideLinkEmailSubject and MinSideLinkText are the message with the link,
// in Danish and English: it goes out before anyone has chosen a language.
// %s is the link.
const MinSideLinkEmailSubject = "Log ind på Min side / Log in to Min side"

// MinSideLinkEmailText is the e-mail's body; %s is the link.
const MinSideLinkEmailText = `Hej,

Du har bedt om et link til Min side, hvor du ser dine opgaver som valgtilforordnet. Linket virker én gang og udløber efter 15 minutter:

%s

Har du ikke bedt om det, kan du se bort fra denne e-mail.

---

You asked for a link to Min side, where you see your election tasks. The link works once and expires after 15 minutes:

%s

If you did not ask for it, you can ignore this e-mail.
`

// MinSideLinkSMSText is the SMS; %s is the link.
const MinSideLinkSMSText = "Dit link til Min side (virker 1 gang, 15 min): %s"
