package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// MunicipalityOf reads the municipality the deployment serves;
// models.ErrNotFound before `valghalla setup` has made it.
func MunicipalityOf(ctx context.Context, db *gorm.DB) (models.Municipality, error) {
	var m models.Municipality
	err := db.WithContext(ctx).Order("id").First(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, models.ErrNotFound
	}
	return m, err
}

// SaveMunicipality checks the municipality's settings and writes them,
// with an audit entry naming the fields changed (never their values), in
// one transaction. Administrators only (models.ErrForbidden); a bad value
// is refused per field (models.FieldErrors) and nothing is written.
func SaveMunicipality(ctx context.Context, db *gorm.DB, actor models.User, in models.MunicipalitySettings, now time.Time) (models.Municipality, error) {
	if actor.Role != models.RoleAdmin {
		return models.Municipality{}, models.ErrForbidden
	}
	if stored, err := MunicipalityOf(ctx, db); err == nil {
		in.StoredCode = stored.Code
	}
	m, errs := in.Check()
	if len(errs) > 0 {
		return models.Municipality{}, errs
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := MunicipalityOf(ctx, tx)
		if err != nil {
			return err
		}
		fields := []struct {
			column   string
			old, new string
		}{
			{"name", old.Name, m.Name},
			{"code", old.Code, m.Code},
			{"cvr", old.CVR, m.CVR},
			{"email_sender_name", old.EmailSenderName, m.EmailSenderName},
			{"digital_post_sender_name", old.DigitalPostSenderName, m.DigitalPostSenderName},
			{"secretariat_address", old.SecretariatAddress, m.SecretariatAddress},
			{"secretariat_phone", old.SecretariatPhone, m.SecretariatPhone},
			{"secretariat_email", old.SecretariatEmail, m.SecretariatEmail},
		}
		changes := map[string]any{}
		var names []string
		for _, f := range fields {
			if f.old != f.new {
				changes[f.column] = f.new
				names = append(names, f.column)
			}
		}
		for _, f := range []struct {
			column   string
			old, new int
		}{
			{"secretary_lookups_per_day", old.LookupsPerDay(), m.SecretaryLookupsPerDay},
			{"secretary_csv_rows", old.CSVRows(), m.SecretaryCSVRows},
		} {
			if f.old != f.new {
				changes[f.column] = f.new
				names = append(names, f.column)
			}
		}
		m.ID, m.CreatedAt = old.ID, old.CreatedAt
		if len(changes) == 0 {
			return nil // nothing changed: nothing to write or log
		}
		if err := tx.Model(&models.Municipality{}).Where("id = ?", old.ID).Updates(changes).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditMunicipalityUpdated,
			Detail: fmt.Sprintf("municipality settings: %s", strings.Join(names, ", "))})
	})
	if err != nil {
		return models.Municipality{}, err
	}
	return m, nil
}
