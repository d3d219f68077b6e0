package models

import "time"

// Message kinds: what a template is for. Each kind offers its own merge
// fields (AccountInvitationFields, ...) and ships a Danish default text.
const (
	// KindAccountInvitation is the e-mail with a one-time login link that a
	// new user gets (AccountInvitationDefault).
	KindAccountInvitation = "account_invitation"
)

// AuditTemplateChanged: a message template was saved or reset to the
// default. Its detail names the kind, channel and scope, never a text.
const AuditTemplateChanged AuditAction = "template.changed"

// MessageTemplate is a municipality's own text for one kind of message on one
// channel ("email", "sms" or "digitalpost"), replacing the shipped default.
// The scope is municipality-wide (no election), one election, or one task
// type within one election; the most specific one wins. Subject is empty for
// SMS. Subject and Body are written with merge fields (ParseTemplate).
type MessageTemplate struct {
	ID         int64
	Kind       string
	Channel    string
	ElectionID *int64
	TaskTypeID *int64 // only together with ElectionID
	Subject    string
	Body       string
	UpdatedBy  *int64
	UpdatedAt  time.Time
}
