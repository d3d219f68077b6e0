package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// DayReplacementInput names the assignment whose person was marked absent
// on the task day: ids only.
type DayReplacementInput struct {
	AbsentAssignmentID int64
}

// DayReplacement finds someone to take the slot of a person marked absent
// on the task day. The lifecycle of the absent person starts it (abandoned
// child, id payload.DayReplacementID) when it ends as a no-show.
//
// CONTRACT (issue 20, being built): asks candidates by SMS, several at once;
// the first JA takes the slot; the others are told it is taken; nobody
// within the election's DayReplaceMinutes escalates to the station leader
// and the secretariat.
func DayReplacement(ctx workflow.Context, in DayReplacementInput) error {
	return nil
}
