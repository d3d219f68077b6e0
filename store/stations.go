package store

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

var postalCode = regexp.MustCompile(`^\d{4}$`)

func checkStation(s *models.PollingStation) error {
	s.Name, s.Address, s.City = strings.TrimSpace(s.Name), strings.TrimSpace(s.Address), strings.TrimSpace(s.City)
	switch {
	case s.Name == "":
		return models.RefuseField("name", "error.station.name")
	case s.Address == "" || s.City == "":
		return models.RefuseField("address", "error.station.address")
	case !postalCode.MatchString(s.PostalCode):
		return models.RefuseField("postal_code", "error.station.postal")
	case s.District < 1 || s.District > 999:
		return models.RefuseField("district", "error.station.district")
	case s.AreaID == 0:
		return models.RefuseField("area_id", "error.station.area")
	}
	return nil
}

// SaveStation creates a polling station (ID 0) or changes one. A change
// carries the version it was based on; if the station has changed since,
// models.ErrStale is returned and nothing is written. Staff only.
func SaveStation(ctx context.Context, db *gorm.DB, actor models.User, s models.PollingStation) (models.PollingStation, error) {
	if !isStaff(actor) {
		return s, models.ErrForbidden
	}
	if err := checkStation(&s); err != nil {
		return s, err
	}
	db = db.WithContext(ctx)
	var err error
	if s.ID == 0 {
		s.Version = 1
		err = db.Create(&s).Error
	} else {
		err = updateVersioned(db, &models.PollingStation{}, s.ID, s.Version, map[string]any{
			"area_id": s.AreaID, "name": s.Name, "address": s.Address, "postal_code": s.PostalCode, "city": s.City,
			"district": s.District})
		if err == nil {
			s.Version++
		}
	}
	if errors.Is(err, models.ErrStale) || errors.Is(err, models.ErrNotFound) {
		return s, err
	}
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return s, models.RefuseField("district", "error.station.districttaken", s.District)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return s, models.RefuseField("area_id", "error.area.unknown")
	}
	return s, err
}

// updateVersioned writes fields to the row id of model's table if its
// version is still version, and raises the version. models.ErrStale when someone
// else changed it first, models.ErrNotFound when it is gone.
func updateVersioned(db *gorm.DB, model any, id int64, version int, fields map[string]any) error {
	fields["version"] = version + 1
	res := db.Model(model).Where("id = ? AND version = ?", id, version).Updates(fields)
	if res.Error != nil || res.RowsAffected == 1 {
		return res.Error
	}
	var n int64
	if err := db.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return models.ErrStale
}

// SaveArea creates an area (ID 0) or renames one. Staff only.
func SaveArea(ctx context.Context, db *gorm.DB, actor models.User, a models.Area) (models.Area, error) {
	if !isStaff(actor) {
		return a, models.ErrForbidden
	}
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.Name) > 100 {
		return a, models.RefuseField("name", "error.area.name")
	}
	db = db.WithContext(ctx)
	var err error
	if a.ID == 0 {
		err = db.Create(&a).Error
	} else {
		res := db.Model(&models.Area{}).Where("id = ?", a.ID).Update("name", a.Name)
		if err = res.Error; err == nil && res.RowsAffected == 0 {
			return a, models.ErrNotFound
		}
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return a, models.RefuseField("name", "error.area.nametaken")
	}
	return a, err
}

// ChoicesOf is every polling station (by district), task type (by name)
// and party (groups before pools, by letter), for a filter's choices.
func ChoicesOf(ctx context.Context, db *gorm.DB) (models.Choices, error) {
	var ch models.Choices
	db = db.WithContext(ctx)
	for _, q := range []struct {
		order string
		into  any
	}{{"district", &ch.Stations}, {"name", &ch.TaskTypes}, {"kind, letter, name", &ch.Parties}} {
		if err := db.Order(q.order).Find(q.into).Error; err != nil {
			return ch, err
		}
	}
	return ch, nil
}
