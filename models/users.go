package models

// The audit actions of an administrator's changes to a login.
const (
	AuditUserChanged     AuditAction = "user.changed"
	AuditUserDeactivated AuditAction = "user.deactivated"
	AuditUserReactivated AuditAction = "user.reactivated"
	AuditAccountLinkSent AuditAction = "user.link_sent"
)
