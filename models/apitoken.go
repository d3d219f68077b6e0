package models

import "time"

// APIToken lets a script use the JSON API as a user (Authorization: Bearer).
// Only the token's hash is stored; the token itself is shown once.
type APIToken struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// AuditAPITokenCreated: an administrator gave a user an API token.
const AuditAPITokenCreated AuditAction = "api_token.created"
