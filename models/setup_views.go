package models

import (
	"fmt"
	"strconv"
	"time"
)

// What the setup pages read and send about elections, the plan and polling
// stations: the store fills and checks them, the setup use cases pass them
// on, and the web shows them without importing the store.

// ElectionSettings is the election page's form as typed: the store parses
// and checks it, so every client gets the same messages.
type ElectionSettings struct {
	Title              string
	Day                string // YYYY-MM-DD
	TasksFrom          string // YYYY-MM-DD; empty means the election day
	TasksUntil         string
	LockDays           string
	AnswerDays         string
	ReminderEveryDays  string
	ReminderDaysBefore string // "14,7,3"; empty for none
	TaskReminderDays   string
	EveningReminder    bool
	AutoReplace        bool
	DayReplaceMinutes  string // how long a replacement on the task day searches
}

// SettingsOf is the form of an election as it is.
func SettingsOf(e Election) ElectionSettings {
	date := func(d *Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	return ElectionSettings{Title: e.Title, Day: e.ElectionDay.String(), TasksFrom: date(e.TasksFrom), TasksUntil: date(e.TasksUntil),
		LockDays: strconv.Itoa(e.LockDays), AnswerDays: strconv.Itoa(e.AnswerDays), ReminderEveryDays: strconv.Itoa(e.ReminderEveryDays),
		ReminderDaysBefore: e.ReminderDaysBefore, TaskReminderDays: strconv.Itoa(e.TaskReminderDays),
		EveningReminder: e.EveningReminder, AutoReplace: e.AutoReplace, DayReplaceMinutes: strconv.Itoa(e.DayReplaceMinutes)}
}

// PlanCell names one cell of the plan.
type PlanCell struct {
	StationID  int64
	TaskTypeID int64
	Day        Date
}

// PartyCount is one party's slots in a cell.
type PartyCount struct {
	Slots  int // all slots
	Held   int // held by a person (AssignmentState.HoldsSlot)
	Used   int // with any assignment, held or ended: never removed nor moved
	Agreed int // given by agreement (slots.by_agreement)
}

// Empty is the number of slots that were never used: the ones a change may
// remove or move.
func (c PartyCount) Empty() int { return c.Slots - c.Used }

// Plan is an election's slot plan with what the plan page needs around it.
type Plan struct {
	Election  Election
	Stations  []PollingStation // district order
	TaskTypes []TaskType
	Days      []Date
	Groups    []Party // council groups, by letter
	Pools     []Party
	// Valggrupper names each valggruppe by ID.
	Valggrupper map[int64]string
	Cells       map[PlanCell]map[int64]PartyCount
}

// Count is a party's count in a cell.
func (p Plan) Count(c PlanCell, partyID int64) PartyCount { return p.Cells[c][partyID] }

// Total is the number of slots in a cell.
func (p Plan) Total(c PlanCell) PartyCount {
	var t PartyCount
	for _, n := range p.Cells[c] {
		t.Slots, t.Held, t.Used, t.Agreed = t.Slots+n.Slots, t.Held+n.Held, t.Used+n.Used, t.Agreed+n.Agreed
	}
	return t
}

// QuotaSlots is the number of council-group slots in a cell.
func (p Plan) QuotaSlots(c PlanCell) int {
	n := 0
	for _, g := range p.Groups {
		n += p.Cells[c][g.ID].Slots
	}
	return n
}

// Overridden tells whether a cell's counts were set by agreement: a
// distribution by the quota then leaves it alone.
func (p Plan) Overridden(c PlanCell) bool { return p.Total(c).Agreed > 0 }

// CellRequest sets parties' counts in one cell by hand: pools always so,
// council groups by agreement (the cell is then left alone by the quota
// until an agreement is released by distributing it by the quota again).
type CellRequest struct {
	ElectionID  int64
	PlanVersion int
	Cell        PlanCell
	Counts      map[int64]int // party → slots; parties not named keep theirs
	Confirm     bool
}

// Draw is one recorded d'Hondt computation: the slots, the seed derived for
// it, the contenders' seats and the lots drawn.
type Draw struct {
	StationID int64          `json:"station_id,omitempty"` // 0: municipality-wide
	Slots     int            `json:"slots"`
	Seed      SeedText       `json:"seed"`
	Seats     map[string]int `json:"seats"` // contender (party or valggruppe) → council seats
	Lots      []Lot          `json:"lots"`
	Result    map[string]int `json:"result"` // party → slots
}

// QuotaRecord is the detail of a plan.quota audit entry. Its first fields
// are fixed so the entries of one election, task type and day can be found
// by prefix.
type QuotaRecord struct {
	ElectionID int64     `json:"election_id"`
	TaskTypeID int64     `json:"task_type_id"`
	Day        string    `json:"day"`  // YYYY-MM-DD
	Mode       string    `json:"mode"` // station or municipality
	QuotaSeed  SeedText  `json:"quota_seed"`
	Draws      []Draw    `json:"draws"`
	Skipped    []int64   `json:"skipped,omitempty"` // stations set by agreement, left alone
	At         time.Time `json:"-"`
}

// SeedText is a seed written as four groups of hex digits ("1f2e.3d4c.…"):
// readable aloud, and never mistaken for a CPR number in the audit log.
type SeedText uint64

// MarshalText writes the seed in groups.
func (s SeedText) MarshalText() ([]byte, error) {
	v := uint64(s)
	return fmt.Appendf(nil, "%04x.%04x.%04x.%04x", v>>48, v>>32&0xffff, v>>16&0xffff, v&0xffff), nil
}

// UnmarshalText reads what MarshalText wrote.
func (s *SeedText) UnmarshalText(b []byte) error {
	var a, c, d, e uint64
	if _, err := fmt.Sscanf(string(b), "%04x.%04x.%04x.%04x", &a, &c, &d, &e); err != nil {
		return fmt.Errorf("seed %q: %w", b, err)
	}
	*s = SeedText(a<<48 | c<<32 | d<<16 | e)
	return nil
}

func (s SeedText) String() string { b, _ := s.MarshalText(); return string(b) }

// ElectionSlots is an election's number of slots somewhere.
type ElectionSlots struct {
	ElectionID int64
	Title      string
	Slots      int
}

// StationImpact is what deleting a polling station would take with it.
type StationImpact struct {
	Station     PollingStation
	Elections   []ElectionSlots // slots at the station, per election
	Slots       int
	Held        int // slots a person holds now
	Used        int // slots anyone was ever on (held included)
	Reserves    int // people on reserve lists for the station
	Secretaries int // party secretaries limited to the station (among others)
}

// Deletable tells whether the station can be deleted at all: not while
// anyone is or was on one of its slots.
func (i StationImpact) Deletable() bool { return i.Used == 0 }

// NeedsConfirmation tells whether deleting takes anything with it.
func (i StationImpact) NeedsConfirmation() bool {
	return i.Slots > 0 || i.Reserves > 0 || i.Secretaries > 0
}
