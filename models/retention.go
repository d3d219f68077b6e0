package models

import (
	"time"
)

// Audit actions of closing an election and deleting personal data.
const (
	// AuditAttendance: staff marked whether a confirmed person served.
	AuditAttendance AuditAction = "attendance"
	// AuditAnonymised: an election's personal data was deleted (counts kept).
	AuditAnonymised AuditAction = "election.anonymised"
	// AuditParticipantDeleted: an administrator deleted a person. The entry
	// names no one: its detail is a hash of the person's id only.
	AuditParticipantDeleted AuditAction = "participant.deleted"
)

// Retention bounds, in days. The least keeps the data until every
// lifecycle has completed (a day after its task day) with a margin, so no
// lifecycle wakes to find its assignment gone.
const (
	MinRetentionDays = 7
	MaxRetentionDays = 3650
)

// RetentionDue is the instant personal data is deleted: the start
// (Copenhagen midnight) of the day retentionDays after day.
func RetentionDue(day Date, retentionDays int) time.Time {
	return day.AddDays(retentionDays).In(Copenhagen).UTC()
}

// RetentionDue is when the election's personal data is deleted: its
// retention days after the election day, or after the last task day when
// tasks (fintælling) fall after the election day.
func (e Election) RetentionDue() time.Time {
	days := e.TaskDays()
	last := e.ElectionDay
	if len(days) > 0 && days[len(days)-1].DaysSince(last) > 0 {
		last = days[len(days)-1]
	}
	return RetentionDue(last, e.RetentionDays)
}

// ElectionStatistic is one count kept after an election's personal data is
// deleted, e.g. "state:completed" = 412 or "channel:sms/failed" = 3.
type ElectionStatistic struct {
	ElectionID int64  `gorm:"primaryKey"`
	Key        string `gorm:"primaryKey"`
	Count      int64
}

// TableName: "election_statistics", one row per count.
func (ElectionStatistic) TableName() string { return "election_statistics" }

// CheckAttendance refuses (a *UserError) when staff cannot mark an assignment in
// state from as to: only confirmed people are marked completed or no-show,
// and a completed one (the lifecycle completes the confirmed when the day
// is over) may still be marked as a no-show; only on or after the task day
// (today is the date in Copenhagen).
func CheckAttendance(from, to AssignmentState, day, today Date) error {
	switch to {
	case StateCompleted, StateNoShow:
	default:
		return Refuse("error.attendance.choose")
	}
	if today.DaysSince(day) < 0 {
		return Refuse("error.attendance.beforeday", day.String())
	}
	switch {
	case from == to:
		return nil
	case from == StateConfirmed:
		return nil
	case from == StateCompleted && to == StateNoShow:
		return nil
	case from == StateNoShow && to == StateCompleted:
		// Nobody checked them in, yet they served: staff correct the
		// day's marks afterwards.
		return nil
	}
	return Refuse("error.attendance.notconfirmed", string(from))
}

// RetentionCounts is what deleting an election's personal data removes and
// keeps: the dry run shown before it happens, and the result after.
type RetentionCounts struct {
	Due          time.Time
	AnonymisedAt *time.Time
	// People: everyone with an assignment or reserve entry in the election.
	People        int
	Deleted       int // deleted with their contact data and party memberships
	KeptConsent   int // consented to stay in the reserve pool
	KeptOther     int // in another election
	Assignments   int64
	Reserves      int64
	Messages      int64
	MessageEvents int64
	Tokens        int64
	GroupMessages int64
	AuditEntries  int // entries whose person and detail are blanked
}
