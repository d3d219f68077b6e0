package payload

import (
	"strconv"

	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
)

// LifecycleWorkflow is the type name of the lifecycle workflow
// (workflows.Lifecycle), for an activity that starts it by name.
const LifecycleWorkflow = "Lifecycle"

// LifecycleInput starts a lifecycle: the assignment, for a replacement
// the workflow id of the lifecycle it replaces, and whether it starts
// confirmed.
type LifecycleInput struct {
	AssignmentID int64
	Replaces     string
	// Confirmed: the person took the slot themselves (a claim sign-up
	// link): no invitation and no answer to wait for, the lifecycle starts
	// confirmed (confirmation message, task reminders).
	Confirmed bool `json:",omitempty"`
}

// LifecycleRef names one lifecycle to start: ids only, as workflows need.
type LifecycleRef struct {
	AssignmentID int64
	WorkflowID   string
	ElectionID   int64
	StationID    int64
	TaskTypeID   int64
	PartyID      int64
}

// RefOf returns the lifecycle reference of an assignment.
func RefOf(a models.Assignment) LifecycleRef {
	return LifecycleRef{AssignmentID: a.ID, WorkflowID: a.WorkflowID, ElectionID: a.ElectionID,
		StationID: a.StationID, TaskTypeID: a.TaskTypeID, PartyID: a.PartyID}
}

// Transition is one step of a lifecycle for the database projection.
type Transition struct {
	AssignmentID int64
	To           models.AssignmentState
	Reason       models.DeclineReason // for a decline
	By           string               // link, sms, staff:<id>, deadline, validation
	Reminded     bool                 // count a reminder; To is then the current state
	// Attendance records a check-in mark (by By) before the step; To is
	// empty for a mark that changes no state (present).
	Attendance models.Attendance
}

// DayOver is who steps a lifecycle to completed or no-show at the end of
// the task day: a step that never overrides a mark staff made themselves.
const DayOver = "day over"

// MemoRound is the memo field with the id of the round that started a
// lifecycle.
const MemoRound = "round"

// LifecycleMemo is the memo a lifecycle starts with: a non-personal summary,
// as the lifecycle publishes it once it has invited the person.
func LifecycleMemo(ref LifecycleRef) map[string]any {
	return map[string]any{"assignment": ref.AssignmentID, "state": string(models.StateInvited), "reminders": 0}
}

// LifecycleAttributes are the search attributes a lifecycle starts with.
func LifecycleAttributes(ref LifecycleRef) temporal.SearchAttributes {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return temporal.NewSearchAttributes(
		ElectionAttr.ValueSet(id(ref.ElectionID)),
		PollingStationAttr.ValueSet(id(ref.StationID)),
		PartyAttr.ValueSet(id(ref.PartyID)),
		TaskTypeAttr.ValueSet(id(ref.TaskTypeID)),
		StateAttr.ValueSet(string(models.StateInvited)),
	)
}
