package payload

import (
	"testing"
	"time"
)

// Workflow ids are stored in the database and name running workflows: a
// changed format would lose them. This pins every format.
func TestWorkflowIDFormats(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 30, 0, 5, time.UTC)
	for got, want := range map[string]string{
		LifecycleID(7, 42):            "lifecycle-slot-7-person-42",
		RoundID(3, at):                "round-election-3-1793698200000000005",
		GroupMessageID(9):             "group-message-9",
		PendingGroupMessageID(at):     "group-message-pending-1793698200000000005",
		RevalidationID(3, at):         "revalidation-election-3-1793698200000000005",
		RetentionID(3):                "retention-election-3",
		AccountInvitationID(5, at):    "account-invitation-user-5-1793698200000000005",
		SelfCheckID(at):               "selfcheck-20261103T093000.000000005",
		RetryMessageID("0b6c-uuid-1"): "message-retry-0b6c-uuid-1",
	} {
		if got != want {
			t.Errorf("%s, want %s", got, want)
		}
	}
}
