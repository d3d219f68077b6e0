package models

// Check-in on the task day (issue 20): what a station's check-in page and
// the overview's day columns show.

const (
	// AuditCheckIn: a confirmed person marked present or absent on the
	// task day (by staff or a station leader).
	AuditCheckIn AuditAction = "checkin"
	// AuditStationLeader: staff named or removed a station leader.
	AuditStationLeader AuditAction = "station_leader"
)

// StationPerson is one person on a station's check-in list: what a
// station leader may see of them, and nothing else (never a CPR number,
// never an address).
type StationPerson struct {
	AssignmentID  int64
	ParticipantID int64
	Name          string
	Phone         string // the party's typed number where it has one
	TaskType      string
	StartTime     string
	State         AssignmentState
	Attendance    Attendance
	// Protected: name and address protection. A station leader is shown
	// no phone number of theirs (as a party secretary is shown none).
	Protected bool
}

// CheckInCounts is a station's day so far among the people expected:
// present, absent, and not yet marked.
type CheckInCounts struct {
	Present, Absent, Unknown int
}

// Total is everyone expected at the station.
func (c CheckInCounts) Total() int { return c.Present + c.Absent + c.Unknown }

// StationLeaderRow is a named station leader.
type StationLeaderRow struct {
	ParticipantID int64
	Name          string
}

// LedStation is a station a volunteer leads in an active election.
type LedStation struct {
	ElectionID    int64
	ElectionTitle string
	StationID     int64
	StationName   string
	Day           Date
}
