package models

// The lists of an election's people as the pages and exports show them:
// read by the store, shaped by the people use cases, rendered by the web.

// ListFilter narrows a participant list; an empty list or zero day means
// all.
type ListFilter struct {
	StationIDs, TaskTypeIDs, PartyIDs []int64
	States                            []AssignmentState
	Day                               Date
}

// ListRow is one assignment on a participant list, with the person's
// contact data decrypted. Party is filled for every actor who may read a
// list at all: staff see every party, a party secretary only rows of their
// own party.
type ListRow struct {
	AssignmentID  int64
	ParticipantID int64
	Station       PollingStation // Name and District (afstemningsområde)
	TaskType      TaskType       // Name and AllowanceKr
	Party         Party
	Day           Date
	Name          string
	State         AssignmentState
	Attendance    Attendance // the day's check-in mark
	SpecialDiet   string
	Mobile        string
	Email         string
	// Protected: the person has name and address protection
	// (adressebeskyttelse). The row is on every list, marked; on a party
	// secretary's list it holds no contact data nor special diet.
	Protected bool
}

// AllowanceKr is the diæt the task pays.
func (r ListRow) AllowanceKr() int { return r.TaskType.AllowanceKr }

// ExportRecord is what the audit log keeps of an export: which list of
// which election, in which format, how many rows; and, for an export of
// CPR numbers, whose.
type ExportRecord struct {
	ElectionID int64
	List       string // e.g. "valgsteder", "diaeter"
	Format     string // "csv" or "xlsx"
	Rows       int
	// ParticipantIDs get an entry each (AuditExport on the person).
	ParticipantIDs []int64
}

// AttendanceRow is a person who was confirmed for a slot, for marking
// whether they served.
type AttendanceRow struct {
	AssignmentID  int64
	ParticipantID int64
	Name          string
	StationID     int64
	StationName   string
	TaskTypeName  string
	Day           Date
	State         AssignmentState
	Protected     bool // name and address protection: marked on the page
}

// ListScope is what an actor may list in an election: the election itself
// and, for the filter form, the stations and parties in scope (all task
// types). ErrNotFound for an election the actor may not see (a party
// secretary and a draft).
type ListScope struct {
	Election  Election
	Stations  []PollingStation // Danish order
	TaskTypes []TaskType
	Parties   []Party
	OneParty  bool // a party secretary: the party column says nothing
}
