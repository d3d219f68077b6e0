package models

import "time"

// Audit actions of the audit log page: an administrator read the log (a
// page of it) or exported it. Their detail names the filter, never a CPR
// number: a filter by CPR number says "person by CPR" and the entry's
// SubjectIndex holds the number's blind index.
const (
	AuditAuditLogRead   AuditAction = "audit.read"
	AuditAuditLogExport AuditAction = "audit.export"
)

// AuditFilter chooses entries of the audit log. The zero filter is every
// entry.
type AuditFilter struct {
	// ActorID: entries by this user (0: by anyone). System: entries
	// without an actor (the system's own: workflows, schedules, answers).
	ActorID int64
	System  bool
	// ParticipantID: entries about this person, their CPR lookups
	// included (0: about anyone).
	ParticipantID int64
	// SubjectIndex: entries about the person with this CPR blind index,
	// registered or never registered ("" : about anyone).
	SubjectIndex string
	// Action: entries of this action ("": every action).
	Action AuditAction
	// From and To are calendar days in Europe/Copenhagen, both included;
	// a zero date leaves that end open.
	From, To Date
}

// Window is the filter's date range as instants: entries at or after from
// and before until; a zero time leaves that end open.
func (f AuditFilter) Window() (from, until time.Time) {
	if !f.From.IsZero() {
		from = f.From.In(Copenhagen).UTC()
	}
	if !f.To.IsZero() {
		until = f.To.AddDays(1).In(Copenhagen).UTC()
	}
	return from, until
}

// AuditCursor is a place in the log, newest first: an entry's time and
// id. A page continues strictly after (older) or before (newer) it.
type AuditCursor struct {
	At time.Time
	ID int64
}

// IsZero: no cursor (the first page).
func (c AuditCursor) IsZero() bool { return c.ID == 0 }

// AuditRow is an entry of the log as the log page shows it: with the
// names of its actor and of its person, when there are ones.
type AuditRow struct {
	AuditEntry
	ActorName  string // "" for the system, or a user since deleted
	PersonName string // "" when the entry names no registered person
}

// Unregistered tells that the entry is about a person only by their CPR
// blind index: a lookup of someone never registered (or since deleted).
func (r AuditRow) Unregistered() bool {
	return r.ParticipantID == nil && r.SubjectIndex != nil && *r.SubjectIndex != ""
}
