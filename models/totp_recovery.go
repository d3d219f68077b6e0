package models

import (
	"crypto/rand"
	"strings"
	"time"
)

// RequiresTOTP tells whether a role must log in with a second factor:
// administrators, staff and read-only users all read personal data (CPR
// numbers, addresses, the lists), read-only users included, so a password
// alone must not open it. Party secretaries may turn TOTP on; they need not.
func RequiresTOTP(r Role) bool {
	switch r {
	case RoleAdmin, RoleStaff, RoleReadOnly:
		return true
	}
	return false
}

// Recovery codes stand in for a lost phone at login, each once. A code is
// RecoveryCodeLen base32 characters (80 random bits), shown in groups of
// four: "abcd-efgh-ijkl-mnop".
const (
	RecoveryCodeCount = 10
	RecoveryCodeLen   = 16
)

// TOTPRecoveryCode is one recovery code of a user: only its hash is kept,
// and UsedAt marks it spent.
type TOTPRecoveryCode struct {
	ID        int64
	UserID    int64
	CodeHash  string
	CreatedAt time.Time
	UsedAt    *time.Time
}

// NewRecoveryCodes returns RecoveryCodeCount fresh codes, in the form they
// are shown.
func NewRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		key := make([]byte, RecoveryCodeLen*5/8)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		s := strings.ToLower(totpEncoding.EncodeToString(key))
		var b strings.Builder
		for j, r := range s {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
		}
		codes[i] = b.String()
	}
	return codes, nil
}

// NormalizeRecoveryCode undoes what people do when they type a recovery
// code (case, dashes, spaces) and says whether it has a recovery code's
// form at all; a six-digit TOTP code has not.
func NormalizeRecoveryCode(code string) (string, bool) {
	s := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	if len(s) != RecoveryCodeLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !('A' <= s[i] && s[i] <= 'Z' || '2' <= s[i] && s[i] <= '7') {
			return "", false
		}
	}
	return s, true
}

// TableName names the table after what it holds.
func (TOTPRecoveryCode) TableName() string { return "totp_recovery_codes" }
