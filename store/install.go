package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// InstallMunicipality creates, in one transaction, the municipality m and
// its first administrator admin (Role admin, no password) with a one-time
// account link, and returns the administrator and the link's token. The
// caller has checked m and admin. A database that has a municipality already
// is refused with the keyed error error.municipality.exists and left as it
// was; an e-mail address taken is error.user.emailtaken on the field
// "email". Of two installs at the same moment one wins, the other is refused.
func InstallMunicipality(ctx context.Context, db *gorm.DB, m models.Municipality, admin models.NewUser, now time.Time) (models.User, string, error) {
	var u models.User
	var token string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// SQLite's transactions take the write lock up front (_txlock
		// immediate); PostgreSQL's need this lock, which conflicts with
		// itself, so the check below and the insert are one step.
		if DialectOf(tx) == Postgres {
			if err := tx.Exec("LOCK TABLE municipalities IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		var existing []models.Municipality
		if err := tx.Limit(1).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) > 0 {
			return models.Refuse("error.municipality.exists", existing[0].Name)
		}
		m.ID, m.CreatedAt = 0, now
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		u = models.User{Email: admin.Email, Name: admin.Name, Role: models.RoleAdmin, CreatedAt: now}
		err := tx.Create(&u).Error
		switch {
		case errors.Is(err, gorm.ErrDuplicatedKey):
			return models.RefuseField("email", "error.user.emailtaken")
		case err != nil:
			return err
		}
		if err := Audit(tx, models.AuditEntry{At: now, Action: models.AuditUserCreated,
			Detail: fmt.Sprintf("user %d, role %s, with municipality %s by valghalla setup", u.ID, u.Role, m.Code)}); err != nil {
			return err
		}
		token, err = CreateAccountLink(ctx, tx, u.ID, now)
		return err
	})
	if err != nil {
		return models.User{}, "", err
	}
	return u, token, nil
}
