package models

import "time"

// A replacement on the task day (issue 20): a confirmed person marked
// absent ends as a no-show, and the search for someone to take their slot
// asks candidates by SMS, a few at a time. Each ask is a DayOffer, so an
// SMS reply from the candidate's number finds it.

// DayOfferState is where one candidate's offer stands.
type DayOfferState string

const (
	DayOfferAsked      DayOfferState = "asked"      // the SMS went (or is going) out; no answer yet
	DayOfferAccepted   DayOfferState = "accepted"   // their JA came first: the slot is theirs
	DayOfferTaken      DayOfferState = "taken"      // someone else's JA came first; they were told
	DayOfferUnanswered DayOfferState = "unanswered" // the search ended (escalated) without their answer
	DayOfferDeclined   DayOfferState = "declined"   // they answered NEJ
)

// DayCandidateSource says which list a candidate came from, in the order
// they are asked: the station's own reserves, the party's municipality-wide
// reserve list, the municipality's pool.
type DayCandidateSource string

const (
	FromStationReserve DayCandidateSource = "station"
	FromPartyReserve   DayCandidateSource = "party"
	FromPool           DayCandidateSource = "pool"
)

// DayOffer is one candidate asked to take the slot of an absent person.
type DayOffer struct {
	ID                 int64
	ElectionID         int64
	AbsentAssignmentID int64
	ParticipantID      int64
	Source             DayCandidateSource
	// Wave is the round of asks the offer went out in (0, 1, …): a retried
	// ask finds the wave it recorded the first time.
	Wave       int
	State      DayOfferState
	MessageID  *string
	WorkflowID string
	AskedAt    time.Time
	AnsweredAt *time.Time
}

// Notice kinds of the replacement on the day (models.Notice.Kind), for the
// secretariat: someone took the slot of a no-show, or nobody was found in
// time.
const (
	NoticeDayReplaced  = "day_replaced"
	NoticeDayEscalated = "day_escalated"
)

// Message kinds of the replacement on the day.
const (
	// KindDayOffer asks a candidate by SMS to come at once: "Kan du møde
	// på X kl. Y? Svar JA".
	KindDayOffer = "day_offer"
	// KindDayOfferTaken thanks a candidate whose JA came too late, or who
	// had not answered when someone else took the slot.
	KindDayOfferTaken = "day_offer_taken"
	// KindDayReplaced tells a station leader who comes instead: the
	// replacement's name and phone number (their own station's staff).
	KindDayReplaced = "day_replaced"
	// KindDayEscalation tells a station leader, and the secretariat by
	// e-mail, that nobody was found within the election's deadline.
	KindDayEscalation = "day_escalation"
)

// DayReplacementFields are the merge fields of the day's messages. The
// candidate's offer names the station and the time, never the absent
// person; the leader's messages name the replacement ([replacement:*]).
var DayReplacementFields = []string{
	"site:name",
	"site:phone",
	"election:name",
	"task:name",
	"station:name",
	"offer:time",
	"replacement:name",
	"replacement:phone",
	"search:minutes",
}

// ProtectedPhone stands for [replacement:phone] when the replacement has
// name and address protection: a station leader is shown no number of
// theirs, on the check-in list or in a message.
const ProtectedPhone = "oplyses af valgsekretariatet"

// MeetAt is the time a candidate asked at askedAt is asked to come: the
// task's start when that is still ahead, otherwise half an hour after the
// ask, on the next quarter hour (time to get there).
func MeetAt(taskStart, askedAt time.Time) time.Time {
	if taskStart.After(askedAt.Add(30 * time.Minute)) {
		return taskStart
	}
	t := askedAt.Add(30 * time.Minute)
	if r := t.Truncate(15 * time.Minute); r.Before(t) {
		t = r.Add(15 * time.Minute)
	}
	return t
}

// DayReplacementView is a replacement on the day as staff see it on the
// overview: where, since when (marked absent), how many were asked, how it stands. No
// names: the assignment page has them.
type DayReplacementView struct {
	AbsentAssignmentID int64
	Station            string
	TaskType           string
	MarkedAt           *time.Time // when the person was marked absent
	Asked              int
	Taken              bool
	// Escalated: the search ended without a JA and told the leader and
	// the secretariat.
	Escalated bool
}

// State is "taken", "escalated" or "searching", for the page.
func (v DayReplacementView) State() string {
	switch {
	case v.Taken:
		return "taken"
	case v.Escalated:
		return "escalated"
	}
	return "searching"
}
