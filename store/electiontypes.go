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

// Limits an administrator may set; migration 14's CHECKs say the same.
const (
	minMinAge, maxMinAge             = 16, 100
	minResidenceYears, maxResidYears = 0, 20
)

// ElectionTypes returns the four election types with their stored rules,
// in the order FV, FA, KV, EP. A kind missing from the table (it should not
// be: migration 14 seeds all four) is shown with the law's rules.
func ElectionTypes(ctx context.Context, db *gorm.DB) ([]models.ElectionType, error) {
	var stored []models.ElectionType
	if err := db.WithContext(ctx).Find(&stored).Error; err != nil {
		return nil, err
	}
	byKind := make(map[models.ElectionKind]models.ElectionType, len(stored))
	for _, t := range stored {
		byKind[t.Kind] = t
	}
	out := make([]models.ElectionType, 0, len(models.ElectionKinds))
	for _, k := range models.ElectionKinds {
		t, ok := byKind[k]
		if !ok {
			t, _ = models.DefaultElectionType(k)
		}
		out = append(out, t)
	}
	return out, nil
}

// ElectionType returns one election type (models.ErrNotFound for an unknown kind).
func ElectionType(ctx context.Context, db *gorm.DB, kind models.ElectionKind) (models.ElectionType, error) {
	def, ok := models.DefaultElectionType(kind)
	if !ok {
		return def, models.ErrNotFound
	}
	var t models.ElectionType
	n := db.WithContext(ctx).Where("kind = ?", kind).Limit(1).Find(&t)
	if n.Error != nil {
		return t, n.Error
	}
	if n.RowsAffected == 0 {
		return def, nil
	}
	return t, nil
}

// RulesFor returns the eligibility rules stored for an election kind, the
// law's (models.DefaultRules) if none are stored, and the zero rule set,
// which refuses everyone as unknown_election, for an unknown kind.
func RulesFor(ctx context.Context, db *gorm.DB, kind models.ElectionKind) (models.EligibilityRules, error) {
	t, err := ElectionType(ctx, db, kind)
	if errors.Is(err, models.ErrNotFound) {
		return models.EligibilityRules{}, nil
	}
	return t.EligibilityRules, err
}

// checkElectionType trims and checks what an administrator typed.
func checkElectionType(t *models.ElectionType) models.FieldErrors {
	errs := models.FieldErrors{}
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		errs["name"] = models.RefuseField("name", "error.electiontype.name")
	case len([]rune(t.Name)) > 100:
		errs["name"] = models.RefuseField("name", "error.electiontype.namelong")
	}
	if t.MinAge < minMinAge || t.MinAge > maxMinAge {
		errs["min_age"] = models.RefuseField("min_age", "error.electiontype.minage", minMinAge, maxMinAge)
	}
	if !t.Citizenship.Valid() {
		errs["citizenship"] = models.RefuseField("citizenship", "error.electiontype.citizenship")
	}
	if t.ResidenceYears < minResidenceYears || t.ResidenceYears > maxResidYears {
		errs["residence_years"] = models.RefuseField("residence_years", "error.electiontype.residence", minResidenceYears, maxResidYears)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// SaveElectionType changes an election type's name and rules, refusing a
// change based on an older version (models.ErrStale). The rules are the law's, so
// only administrators may change them (models.ErrForbidden); what is wrong with
// the input comes back as models.FieldErrors, keyed refusals, one per form field.
func SaveElectionType(ctx context.Context, db *gorm.DB, actor models.User, t models.ElectionType, now time.Time) (models.ElectionType, error) {
	if actor.Role != models.RoleAdmin {
		return t, models.ErrForbidden
	}
	if _, ok := models.DefaultRules(t.Kind); !ok {
		return t, models.ErrNotFound
	}
	if errs := checkElectionType(&t); errs != nil {
		return t, errs
	}
	return t, writeElectionType(ctx, db, actor, &t, now, "changed")
}

// ResetElectionType puts the law's name and rules back for a kind, refusing
// it when the type changed since version was read (models.ErrStale).
// Administrators only.
func ResetElectionType(ctx context.Context, db *gorm.DB, actor models.User, kind models.ElectionKind, version int, now time.Time) (models.ElectionType, error) {
	t, ok := models.DefaultElectionType(kind)
	if actor.Role != models.RoleAdmin {
		return t, models.ErrForbidden
	}
	if !ok {
		return t, models.ErrNotFound
	}
	t.Version = version
	return t, writeElectionType(ctx, db, actor, &t, now, "reset to the law's rules")
}

// writeElectionType stores t at t.Version+1 if the row is still at
// t.Version, and writes the audit entry in the same transaction.
func writeElectionType(ctx context.Context, db *gorm.DB, actor models.User, t *models.ElectionType, now time.Time, what string) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.ElectionType{}).Where("kind = ? AND version = ?", t.Kind, t.Version).Updates(map[string]any{
			"name": t.Name, "min_age": t.MinAge, "citizenship": t.Citizenship, "residence_years": t.ResidenceYears,
			"guardianship_excludes": t.GuardianshipExcludes, "must_live_in_municipality": t.MustLiveInMunicipality,
			"version": t.Version + 1})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale
		}
		return Audit(tx, models.AuditEntry{At: now.UTC(), ActorID: &actor.ID, Action: models.AuditElectionTypeChanged,
			Detail: fmt.Sprintf("election type %s %s: min age %d, citizenship %s, residence years %d, guardianship excludes %t, must live in municipality %t",
				t.Kind, what, t.MinAge, t.Citizenship, t.ResidenceYears, t.GuardianshipExcludes, t.MustLiveInMunicipality)})
	})
	if err == nil {
		t.Version++
	}
	return err
}
