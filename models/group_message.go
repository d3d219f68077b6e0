package models

import "time"

// Group messages: a text the staff write once and send to everyone holding
// (or having held) a slot in an election that matches a filter. Every
// person gets it once, however many slots they hold, on the best channel
// that reaches them.

// Its kind is KindGroupMessage (message_defaults.go). Its text is the
// staff's own (GroupMessage.Subject and Body), not a stored template.

// GroupMessageSubjectDefault and GroupMessageDefault are the Danish text a
// new group message starts from.
const (
	GroupMessageSubjectDefault = "Besked om [election:name]"
	GroupMessageDefault        = `Kære [participant:name],



Med venlig hilsen
Valgsekretariatet, [site:name]
`
)

// AuditGroupMessage: staff sent a group message. Its detail names the
// message and election by id, never the text.
const AuditGroupMessage AuditAction = "group_message"

// GroupMessage is one message from the staff to a filter of the people in
// an election. The filter lists are comma-separated ids (or states), empty
// for all, as a Round's are. Recipients is the number counted when it was
// created.
type GroupMessage struct {
	ID          int64
	ElectionID  int64
	Subject     string
	Body        string
	StationIDs  string `gorm:"column:station_ids"`
	TaskTypeIDs string `gorm:"column:task_type_ids"`
	PartyIDs    string `gorm:"column:party_ids"`
	States      string
	CreatedBy   *int64
	CreatedAt   time.Time
	WorkflowID  string
	Recipients  int
}
