package payload

import (
	"fmt"
	"time"
)

// The workflow ids of the product, all built here. A derived id (from the
// slot and the person, the group message, the election) makes a second
// start find the first; an id with an instant lets the same thing run
// again (a new round, a new re-validation, an invitation sent anew).

// LifecycleID is the id of the lifecycle of a person on a slot.
func LifecycleID(slotID, participantID int64) string {
	return fmt.Sprintf("lifecycle-slot-%d-person-%d", slotID, participantID)
}

// RoundID is the id of a recruitment round launched at an instant.
func RoundID(electionID int64, at time.Time) string {
	return fmt.Sprintf("round-election-%d-%d", electionID, at.UnixNano())
}

// GroupMessageID is the id of the workflow that sends a group message: one
// per message, so sending it twice sends it once.
func GroupMessageID(groupID int64) string {
	return fmt.Sprintf("group-message-%d", groupID)
}

// PendingGroupMessageID stands in for GroupMessageID while a group
// message's row is inserted, before its id is known.
func PendingGroupMessageID(createdAt time.Time) string {
	return fmt.Sprintf("group-message-pending-%d", createdAt.UnixNano())
}

// RevalidationID is the id of a re-validation of an election started at an
// instant.
func RevalidationID(electionID int64, at time.Time) string {
	return fmt.Sprintf("revalidation-election-%d-%d", electionID, at.UnixNano())
}

// RetentionID is the id of an election's retention workflow: one per
// election, so closing it twice starts it once.
func RetentionID(electionID int64) string {
	return fmt.Sprintf("retention-election-%d", electionID)
}

// AccountInvitationID is the id of an account invitation sent at an
// instant: each "send again" is a run of its own.
func AccountInvitationID(userID int64, at time.Time) string {
	return fmt.Sprintf("account-invitation-user-%d-%d", userID, at.UnixNano())
}

// PasswordResetID is the id of the e-mail of a password reset link: one
// per link, so a start repeated is one e-mail.
func PasswordResetID(resetID int64) string {
	return fmt.Sprintf("password-reset-%d", resetID)
}

// SelfCheckID is the id of a system check run at an instant.
func SelfCheckID(at time.Time) string {
	return "selfcheck-" + at.UTC().Format("20060102T150405.000000000")
}

// RetryMessageID is the id of a failed message's retry: one retry of a
// message runs at a time.
func RetryMessageID(messageID string) string { return "message-retry-" + messageID }

// MinSideLinkID is the workflow id of the send of a Min side login link:
// one per link.
func MinSideLinkID(linkID int64) string {
	return fmt.Sprintf("minside-link-%d", linkID)
}

// DayReplacementID is the id of the search for someone to take the slot of
// a person marked absent on the task day: one per absent assignment, so a
// second start finds the first.
func DayReplacementID(absentAssignmentID int64) string {
	return fmt.Sprintf("day-replacement-assignment-%d", absentAssignmentID)
}
