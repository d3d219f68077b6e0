package models

import "time"

// Municipality is the one municipality a deployment serves.
type Municipality struct {
	ID int64
	// Code is the kommunekode (101–860) stored in four digits with a leading
	// zero, as CPR reports an address's municipality: "0607" for 607
	// (ParseMunicipalityCode). The demo and test seeds use the fictitious
	// "0999", which no real municipality has.
	Code string
	Name string
	// CVR is eight digits that pass the modulus-11 check (ValidCVR); the
	// sender of Digital Post.
	CVR string
	// EmailSenderName and DigitalPostSenderName are the sender names of
	// e-mail and Digital Post; empty means the municipality's name
	// (EmailSender, DigitalPostSender).
	EmailSenderName       string
	DigitalPostSenderName string
	// The election secretariat's contact details, shown in messages
	// ([site:address], [site:phone], [site:email]) and on the answer page;
	// each may be empty.
	SecretariatAddress string
	SecretariatPhone   string
	SecretariatEmail   string
	// SecretaryLookupsPerDay is how many CPR register lookups a party
	// secretary may make a day (Europe/Copenhagen); SecretaryCSVRows the
	// most rows of a nomination upload by a party secretary. Zero (a row
	// written before they existed) means the defaults (LookupsPerDay,
	// CSVRows).
	SecretaryLookupsPerDay int `gorm:"default:200"`
	SecretaryCSVRows       int `gorm:"default:500"`
	CreatedAt              time.Time
}

// Area groups polling stations for the overviews (område).
type Area struct {
	ID   int64
	Name string
}

// StationKind tells a polling station (valgsted, with an afstemningsområde)
// from a work location: a place where election work is done that is no
// polling station (a postal-vote desk, the counting hall).
type StationKind string

const (
	KindPollingStation StationKind = "polling_station"
	KindWorkLocation   StationKind = "work_location"
)

// PollingStation is a valgsted or, by Kind, a work location. Slots, lists,
// overviews and messages treat both alike; only a polling station has an
// afstemningsområde number and goes into the election-system export.
type PollingStation struct {
	ID         int64
	AreaID     int64
	Kind       StationKind `gorm:"default:polling_station"`
	Name       string
	Address    string
	PostalCode string
	City       string
	// District is the afstemningsområde number of a polling station; 0
	// (NULL in the database) for a work location.
	District int
	// TaskTypeIDs are the task types done at a work location (the plan
	// offers only these there); a polling station offers every task type.
	// Loaded only where needed.
	TaskTypeIDs []int64 `gorm:"-"`
	// Version grows with every change: an edit based on an older version
	// is refused, so two staff members cannot overwrite each other.
	Version int
}

// PartyKind tells a council group, which takes part in the d'Hondt quota,
// from a pool (volunteers, staff) outside it.
type PartyKind string

const (
	CouncilGroup PartyKind = "council_group"
	Pool         PartyKind = "pool"
)

// Party is a council group with its seats in the municipal council, or a pool.
type Party struct {
	ID           int64
	Name         string
	Letter       string // the party letter; empty for pools
	Kind         PartyKind
	CouncilSeats int
	// ValggruppeID joins council groups that combine for the proportional
	// election; the quota is then computed over the groups.
	ValggruppeID *int64
}

// Valggruppe is a combination of council groups for the quota.
type Valggruppe struct {
	ID   int64
	Name string
}

// TableName: the Danish word is the concept's name.
func (Valggruppe) TableName() string { return "valggrupper" }

// TaskType is an opgavetype. Times are civil "HH:MM" in Copenhagen.
type TaskType struct {
	ID            int64
	Name          string
	ShortName     string
	Description   string
	StartTime     string
	EndTime       string
	AllowanceKr   int  // diæt; 0 is allowed and then not shown
	AppointedOnly bool // betroet: filled by the council, not by recruitment
	Validation    bool // eligibility is checked at nomination
	Reminders     bool // task reminders are sent to the confirmed
	Version       int  // grows with every change (optimistic locking)
}

// ElectionKind decides the eligibility rules.
type ElectionKind string

const (
	Folketingsvalg       ElectionKind = "FV"
	Folkeafstemning      ElectionKind = "FA"
	Kommunalvalg         ElectionKind = "KV"
	EuropaParlamentsvalg ElectionKind = "EP"
)

// ElectionState: only active elections send anything.
type ElectionState string

const (
	ElectionDraft  ElectionState = "draft"
	ElectionActive ElectionState = "active"
	ElectionClosed ElectionState = "closed"
)

// Election is one election the municipality staffs.
type Election struct {
	ID          int64
	Title       string
	Kind        ElectionKind
	ElectionDay Date
	State       ElectionState
	// TasksFrom and TasksUntil bound the days staff tasks may fall on
	// (brevstemmemodtagere before the day, fintællere after); nil means
	// the election day itself.
	TasksFrom  *Date
	TasksUntil *Date
	// LockDays: inside this many days before a task a worker can no
	// longer cancel by themselves.
	LockDays int `gorm:"default:3"`
	// AnswerDays: an invitation expires this many days after it was sent
	// (never later than the day before the task).
	AnswerDays int `gorm:"default:14"`
	// ReminderEveryDays reminds an unanswered invitation every so many
	// days (0: never); ReminderDaysBefore ("14,7,3") reminds on given
	// days before the election instead, when set.
	ReminderEveryDays  int `gorm:"default:4"`
	ReminderDaysBefore string
	// TaskReminderDays: the confirmed are reminded this many days before
	// their task (0: not), and the evening before when EveningReminder.
	TaskReminderDays int  `gorm:"default:5"`
	EveningReminder  bool `gorm:"default:true"`
	// AutoReplace invites the next person on the party's reserve list at
	// once when a slot reopens.
	AutoReplace bool `gorm:"default:true"`
	// DayReplaceMinutes: a replacement searched for on the task day (a
	// no-show) asks candidates for this long before it tells the station
	// leader and the secretariat that nobody was found.
	DayReplaceMinutes int `gorm:"default:60"`
	// (The defaults above are the schema's: a zero value in Go means "the
	// default" when an election is created.)
	// QuotaSeed seeds the lot that settles equal d'Hondt quotients, so the
	// recorded plan can be computed again with the same result.
	QuotaSeed int64
	// Version grows with every change of the settings, PlanVersion with
	// every change of the slot plan (optimistic locking for both).
	Version     int `gorm:"default:1"`
	PlanVersion int `gorm:"default:1"`
	// RetentionDays: the election's personal data is deleted this many
	// days after the election day (the Retention workflow); AnonymisedAt
	// is when that happened, nil until then.
	RetentionDays int `gorm:"default:90"`
	AnonymisedAt  *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TaskDays lists the days staff tasks of the election may fall on.
func (e Election) TaskDays() []Date {
	from, until := e.ElectionDay, e.ElectionDay
	if e.TasksFrom != nil {
		from = *e.TasksFrom
	}
	if e.TasksUntil != nil {
		until = *e.TasksUntil
	}
	var days []Date
	for d := from; d.DaysSince(until) <= 0; d = d.AddDays(1) {
		days = append(days, d)
	}
	return days
}

// Role is what a login may do; enforced on the server for every request.
type Role string

const (
	RoleAdmin          Role = "admin"
	RoleStaff          Role = "staff"
	RoleReadOnly       Role = "read_only"
	RolePartySecretary Role = "party_secretary"
)

// User is a login: one per person, never shared.
type User struct {
	ID      int64
	Email   string
	Name    string
	Role    Role
	PartyID *int64 // set for party secretaries only
	// StationLimited: a party secretary who works for the stations in
	// user_stations only. When those are deleted the limit stays: none left
	// means none, never every station.
	StationLimited bool
	PasswordHash   string
	CreatedAt      time.Time
	// DeactivatedAt: the user may no longer log in, nor use a session, an
	// API token or a one-time link (nil: active).
	DeactivatedAt *time.Time
	// LastLoginAt is when the user's last login completed.
	LastLoginAt *time.Time
}

// SystemCheck records one round trip web → Temporal → worker → database,
// the proof an operator asks for when something seems stuck.
type SystemCheck struct {
	ID         int64
	WorkflowID string
	Elections  int64
	CheckedAt  time.Time
}

// Session is a server-side login session. Only a hash of the cookie's token
// is stored, so a copy of the database opens no session.
type Session struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// SecondFactorDue: the password was right, the TOTP code is still to
	// come; the session opens nothing but the code page until then.
	SecondFactorDue bool
	// CodeAttempts counts the codes tried on a pending session; past the
	// limit it is dropped and the password must be given again.
	CodeAttempts int
	// EnrolmentDue: the password was right, but the user's role must have
	// TOTP and they have none yet; the session opens nothing but the
	// enrolment page (and logout) until they have set it up.
	EnrolmentDue bool
}

// LoginAttempt records one try to log in to an account (its e-mail,
// lower-cased), for throttling guessing across all web replicas.
type LoginAttempt struct {
	ID      int64
	Account string
	Success bool
	At      time.Time
}

// AccountToken is a one-time login link that lets a new user choose a
// password. Only its hash is stored.
type AccountToken struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// AccountLinkURL is the address of a one-time login link: the page under
// baseURL (BASE_URL, no trailing slash) where its owner chooses a password.
// The account e-mail carries it, and `valghalla setup` prints the first
// administrator's.
func AccountLinkURL(baseURL, token string) string { return baseURL + "/konto/aktiver/" + token }

// UserStation limits a party secretary (User.StationLimited) to a polling
// station.
type UserStation struct {
	UserID    int64 `gorm:"primaryKey"`
	StationID int64 `gorm:"primaryKey"`
}

// SecretaryRequest is a party secretary's request for an extra secretary
// limited to chosen polling stations; an administrator approves or rejects.
type SecretaryRequest struct {
	ID            int64
	RequestedBy   int64
	PartyID       int64
	Name          string
	Email         string
	State         string // pending, approved, rejected
	DecidedBy     *int64
	DecidedAt     *time.Time
	CreatedUserID *int64
	CreatedAt     time.Time
}

// SecretaryRequestStation is one polling station a request asks for.
type SecretaryRequestStation struct {
	RequestID int64 `gorm:"primaryKey"`
	StationID int64 `gorm:"primaryKey"`
}
