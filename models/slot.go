package models

import (
	"time"
)

// Slot is one person-shift: election × polling station × task type × day,
// owned by a party or pool. ByAgreement marks a slot given outside the
// d'Hondt quota by the council's unanimous agreement.
type Slot struct {
	ID          int64
	ElectionID  int64
	StationID   int64
	TaskTypeID  int64
	Day         Date
	PartyID     int64
	ByAgreement bool
	CreatedAt   time.Time
}

// AssignmentState is where a person-on-a-slot is in their lifecycle. The
// lifecycle workflow decides the transitions; the database holds a
// projection for lists and overviews.
type AssignmentState string

const (
	StateNominated AssignmentState = "nominated" // on the slot, not yet invited
	StateInvited   AssignmentState = "invited"   // invitation sent, awaiting an answer
	StateConfirmed AssignmentState = "confirmed"
	StateDeclined  AssignmentState = "declined"
	StateExpired   AssignmentState = "expired"   // no answer before the deadline
	StateCancelled AssignmentState = "cancelled" // retracted or removed by staff, or cancelled by the worker
	StateRemoved   AssignmentState = "removed"   // no longer eligible (re-validation)
	StateCompleted AssignmentState = "completed" // served
	StateNoShow    AssignmentState = "no_show"
)

// HoldsSlot tells whether a person in this state occupies the slot. A
// no-show does not: the slot is free for whoever replaces them on the day. The
// database enforces one holder per slot and one held slot per person and
// day with unique partial indexes over exactly these states.
func (s AssignmentState) HoldsSlot() bool {
	switch s {
	case StateNominated, StateInvited, StateConfirmed, StateCompleted:
		return true
	}
	return false
}

// DeclineReason is what a person answered when they said no.
type DeclineReason string

const (
	DeclineNotThisTime DeclineReason = "not_this_time"
	DeclineRemoveMe    DeclineReason = "remove_me" // and take me off the list
)

// Assignment is a person on a slot: one lifecycle workflow. Station, task
// type, party and day are copied from the slot so the overview counts and
// the unique indexes need no join.
type Assignment struct {
	ID             int64
	SlotID         int64
	ParticipantID  int64
	ElectionID     int64
	StationID      int64
	TaskTypeID     int64
	PartyID        int64
	Day            Date
	State          AssignmentState
	DeclineReason  DeclineReason
	WorkflowID     string
	ReplacesID     *int64
	RoundID        *int64
	NominatedBy    *int64
	NominatedAt    time.Time
	InvitedAt      *time.Time
	AnswerDeadline *time.Time
	AnsweredAt     *time.Time
	AnsweredBy     string // link, sms, staff:<user id>
	EndedAt        *time.Time
	RemindersSent  int
	// Attendance is the check-in mark on the task day (AttendancePresent,
	// AttendanceAbsent, or "" while unknown); AttendanceBy says who marked
	// it ("staff:<user id>" or "leader:<participant id>").
	Attendance   Attendance
	AttendanceAt *time.Time
	AttendanceBy string
	UpdatedAt    time.Time
}

// Attendance is a confirmed person's check-in mark on the task day.
type Attendance string

const (
	AttendanceUnknown Attendance = ""
	AttendancePresent Attendance = "present"
	AttendanceAbsent  Attendance = "absent"
)

// StationLeader is a person staff have named to lead a polling station or
// work location in an election (e.g. the valgstyrer formand): through Min
// side they see that station's staff and check them in, and nothing else.
type StationLeader struct {
	ElectionID    int64 `gorm:"primaryKey"`
	StationID     int64 `gorm:"primaryKey"`
	ParticipantID int64 `gorm:"primaryKey"`
	CreatedBy     *int64
	CreatedAt     time.Time
}

// Reserve puts a person on a party's reserve list for an election, for one
// polling station or (StationID nil) the whole municipality. The list is
// first come, first served (by ID).
type Reserve struct {
	ID            int64
	ElectionID    int64
	PartyID       int64
	StationID     *int64
	ParticipantID int64
	CreatedBy     *int64
	CreatedAt     time.Time
}

// AnswerToken ties the unguessable token in an invitation's answer link to
// one assignment. Only a hash of the token is stored.
type AnswerToken struct {
	TokenHash    string `gorm:"primaryKey"`
	AssignmentID int64
	// SMSCode is the short code printed in an SMS invitation: a person
	// with more than one open invitation names the one they answer with it.
	SMSCode   *string `gorm:"column:sms_code"`
	CreatedAt time.Time
}

// MessageStatus is how far a message got.
type MessageStatus string

const (
	MessagePending   MessageStatus = "pending"
	MessageSent      MessageStatus = "sent"
	MessageDelivered MessageStatus = "delivered"
	MessageFailed    MessageStatus = "failed"
)

// Message is one message to a person. Its ID is made once, before the first
// attempt, and reused on every retry (the e-mail Message-ID, the Digital
// Post messageUUID), so a retried send never reaches the person twice.
// DedupeKey names the message in the workflow that sends it.
type Message struct {
	ID            string `gorm:"primaryKey"`
	DedupeKey     string
	Kind          string
	AssignmentID  *int64
	ParticipantID *int64
	ElectionID    *int64
	// GroupMessageID is set on a person's copy of a group message.
	GroupMessageID *int64
	Channel        string
	Status         MessageStatus
	Error          string
	// ProviderID is the provider's id of the last attempt: the Twilio
	// message SID, the Digital Post messageUUID, the e-mail Message-ID.
	ProviderID string
	CreatedAt  time.Time
	SentAt     *time.Time
}

// MessageEvent is one step in a message's history: an attempt on a channel
// and how it went, or a delivery status reported by the provider later.
type MessageEvent struct {
	ID         int64
	MessageID  string
	At         time.Time
	Channel    string
	Status     string // sent, delivered, failed, undelivered, RECEIVED, ...
	ProviderID string
	Detail     string // the provider's error; never personal data
}

// SMSOptOut mirrors a number's STOP: no SMS goes to it until it sends START.
// The number is kept only as its blind index.
type SMSOptOut struct {
	MobileIndex string `gorm:"primaryKey"`
	OptedOutAt  time.Time
}

// Round is a recruitment round: it invites everyone nominated and not yet
// invited in an election, filtered by stations, task types and parties
// (comma-separated ids; empty means all).
type Round struct {
	ID          int64
	ElectionID  int64
	StationIDs  string `gorm:"column:station_ids"`
	TaskTypeIDs string `gorm:"column:task_type_ids"`
	PartyIDs    string `gorm:"column:party_ids"`
	WorkflowID  string
	CreatedBy   *int64
	CreatedAt   time.Time
}

// Notice tells a party's secretaries (PartyID set) and the staff that
// something happened to a slot, e.g. that it reopened.
type Notice struct {
	ID           int64
	ElectionID   int64
	PartyID      *int64
	AssignmentID *int64
	Kind         string // slot_reopened, replaced
	CreatedAt    time.Time
}
