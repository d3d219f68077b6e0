package models

import (
	"fmt"
	"time"
)

// The recruitment pages' read rows: the status overview, a party's slots
// and reserves on the nomination page, a task on the answer page. The
// store fills them and the web renders them, so they live here, where
// both may name them.

// Counts are the numbers of one cell of the status overview, or a total.
//
// Slots = Vacant + Nominated + Invited + Confirmed + NoShow: those columns
// count slots, by the state of the person holding each (see
// AssignmentState.HoldsSlot). Declined and Ended count assignments
// that no longer hold their slot: a slot declined by two people in turn
// counts 2 in Declined, and it is vacant again (or held by the next person).
// Ended is "ended without a confirmation": expired (no answer in time),
// cancelled (retracted by staff or cancelled by the worker) and removed (no
// longer eligible); its parts are kept apart for whoever needs them.
type Counts struct {
	Slots     int
	Vacant    int
	Nominated int // on the slot, not yet invited
	Invited   int // invited, awaiting an answer
	Confirmed int // confirmed or completed
	NoShow    int // confirmed but did not turn up: still holds the slot
	Declined  int
	Expired   int
	Cancelled int
	Removed   int
}

// Ended is the number of assignments that ended without a confirmation
// other than by declining: expired, cancelled or removed.
func (c Counts) Ended() int { return c.Expired + c.Cancelled + c.Removed }

// OverviewFilter narrows the overview; zero values mean "all".
type OverviewFilter struct {
	Day        Date
	PartyID    int64
	TaskTypeID int64
	StationID  int64
}

// PartyCounts is the finest cell: one party's slots of one task type at
// one polling station (over all days, or the filtered day).
type PartyCounts struct {
	Party Party
	Counts
}

// TaskTypeOverview is one task type at one station, party by party.
type TaskTypeOverview struct {
	TaskType TaskType
	Parties  []PartyCounts
	Total    Counts
}

// StationOverview is one polling station, task type by task type.
type StationOverview struct {
	Station   PollingStation
	TaskTypes []TaskTypeOverview
	Total     Counts
}

// AreaOverview is one area, station by station.
type AreaOverview struct {
	Area     Area
	Stations []StationOverview
	Total    Counts
}

// DeclinedInvitation is one "no" in the list under the overview: a name and
// where, never a CPR number nor contact data.
type DeclinedInvitation struct {
	AssignmentID  int64
	ParticipantID int64
	Name          string
	Station       PollingStation
	TaskType      TaskType
	Party         Party
	Day           Date
	Reason        DeclineReason
	At            *time.Time // when they answered; nil if not recorded
}

// ElectionOverview is the status overview of one election as one actor
// may see it.
type ElectionOverview struct {
	Election Election
	Filter   OverviewFilter
	// HasSlots tells whether the election has any slots the actor may see,
	// whatever the filter: "no slots planned" differs from "none match".
	HasSlots bool
	Areas    []AreaOverview
	Total    Counts
	Declined []DeclinedInvitation
	// What the filter form offers: the election's task days, the parties,
	// task types and stations the actor may choose among.
	Days      []Date
	Parties   []Party
	TaskTypes []TaskType
	Stations  []PollingStation
}

// NoticeView is a slot that became free again, as the staff and the
// party's secretaries are told on the overview: where and when, and
// whether the reserve list filled it. No names: the overview's declined
// list names the people.
type NoticeView struct {
	At        time.Time
	Station   string
	TaskType  string
	Day       Date
	PartyID   int64
	State     AssignmentState // how the lifecycle ended
	Refilled  bool            // a person from the reserve list took over
	SlotState AssignmentState // the replacement's state, when refilled
}

// Placement is where a nomination puts a person: a vacant slot of the
// party's in a cell, or (Reserve) the party's reserve list for the station,
// StationID 0 meaning the whole municipality.
type Placement struct {
	ElectionID int64
	PartyID    int64
	StationID  int64
	TaskTypeID int64
	Day        Date
	Reserve    bool
}

// SlotView is one of a party's slots with the person holding it, if any.
type SlotView struct {
	SlotID        int64
	ByAgreement   bool
	AssignmentID  int64
	ParticipantID int64
	Name          string
	State         AssignmentState
}

// Held tells whether someone holds the slot.
func (v SlotView) Held() bool { return v.AssignmentID != 0 }

// NominationCell is a party's slots of one polling station × task type × day.
type NominationCell struct {
	Station  PollingStation
	TaskType TaskType
	Day      Date
	Slots    []SlotView
	Vacant   int
}

// Key names the cell in a form: station, task type and day.
func (c NominationCell) Key() string {
	return fmt.Sprintf("%d/%d/%s", c.Station.ID, c.TaskType.ID, c.Day)
}

// ReserveEntry is a reserve with the person's name and the station's, for
// the lists.
type ReserveEntry struct {
	Reserve
	Name        string
	StationName string // empty for the whole municipality
}

// TaskView is what the answer page and the staff's page of an assignment
// show about the task: no CPR number, and no party (the answer page is the
// person's own, but a party nomination is sensitive; it is not needed
// there).
type TaskView struct {
	Assignment Assignment
	Election   Election
	TaskType   TaskType
	Station    PollingStation
	// LockFrom starts the lock period, after which the person cannot
	// cancel by themselves.
	LockFrom time.Time
}
