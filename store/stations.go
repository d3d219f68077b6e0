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
	if s.Kind == "" {
		s.Kind = models.KindPollingStation
	}
	switch {
	case s.Kind != models.KindPollingStation && s.Kind != models.KindWorkLocation:
		return models.RefuseField("kind", "error.station.kind")
	case s.Name == "":
		return models.RefuseField("name", "error.station.name")
	case s.Address == "" || s.City == "":
		return models.RefuseField("address", "error.station.address")
	case !postalCode.MatchString(s.PostalCode):
		return models.RefuseField("postal_code", "error.station.postal")
	case s.IsPollingStation() && s.District == 0:
		return models.RefuseField("district", "error.station.districtmissing")
	case s.IsPollingStation() && (s.District < 1 || s.District > 999):
		return models.RefuseField("district", "error.station.district")
	case !s.IsPollingStation() && s.District != 0:
		return models.RefuseField("district", "error.station.worklocationdistrict")
	case !s.IsPollingStation() && len(s.TaskTypeIDs) == 0:
		return models.RefuseField("task_type_ids", "error.station.notasktypes")
	case s.AreaID == 0:
		return models.RefuseField("area_id", "error.station.area")
	}
	if s.IsPollingStation() {
		s.TaskTypeIDs = nil // a polling station offers every task type
	}
	s.TaskTypeIDs = uniq(s.TaskTypeIDs)
	return nil
}

// districtValue is what the district column holds: NULL for none.
func districtValue(s models.PollingStation) any {
	if s.District == 0 {
		return nil
	}
	return s.District
}

// SaveStation creates a polling station or work location (ID 0) or changes
// one, with a work location's task types. A change carries the version it
// was based on; if the station has changed since, models.ErrStale is
// returned and nothing is written. Staff only.
func SaveStation(ctx context.Context, db *gorm.DB, actor models.User, s models.PollingStation) (models.PollingStation, error) {
	if !isStaff(actor) {
		return s, models.ErrForbidden
	}
	if err := checkStation(&s); err != nil {
		return s, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.ID == 0 {
			s.Version = 1
			q := tx
			if s.District == 0 {
				q = q.Omit("District") // NULL, not 0: UNIQUE lets NULLs repeat
			}
			if err := q.Create(&s).Error; err != nil {
				return err
			}
		} else {
			err := updateVersioned(tx, &models.PollingStation{}, s.ID, s.Version, map[string]any{
				"area_id": s.AreaID, "kind": s.Kind, "name": s.Name, "address": s.Address, "postal_code": s.PostalCode,
				"city": s.City, "district": districtValue(s)})
			if err != nil {
				return err
			}
			s.Version++
		}
		return saveStationTaskTypes(tx, s)
	})
	if errors.Is(err, models.ErrStale) || errors.Is(err, models.ErrNotFound) {
		return s, err
	}
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return s, models.RefuseField("district", "error.station.districttaken", s.District)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		if len(s.TaskTypeIDs) > 0 && !taskTypesExist(ctx, db, s.TaskTypeIDs) {
			return s, models.RefuseField("task_type_ids", "error.tasktype.unknown")
		}
		return s, models.RefuseField("area_id", "error.area.unknown")
	}
	return s, err
}

// stationTaskType is a row of station_task_types.
type stationTaskType struct {
	StationID  int64
	TaskTypeID int64
}

// saveStationTaskTypes makes a station's task types those of s.
func saveStationTaskTypes(tx *gorm.DB, s models.PollingStation) error {
	if err := tx.Exec(`DELETE FROM station_task_types WHERE station_id = ?`, s.ID).Error; err != nil {
		return err
	}
	rows := make([]stationTaskType, len(s.TaskTypeIDs))
	for i, id := range s.TaskTypeIDs {
		rows[i] = stationTaskType{StationID: s.ID, TaskTypeID: id}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.Table("station_task_types").Create(&rows).Error
}

func taskTypesExist(ctx context.Context, db *gorm.DB, ids []int64) bool {
	var n int64
	db.WithContext(ctx).Model(&models.TaskType{}).Where("id IN ?", ids).Count(&n)
	return int(n) == len(uniq(ids))
}

// withTaskTypes fills in the work locations' task types.
func withTaskTypes(db *gorm.DB, stations []models.PollingStation) error {
	var rows []stationTaskType
	if err := db.Table("station_task_types").Order("task_type_id").Find(&rows).Error; err != nil {
		return err
	}
	byStation := map[int64][]int64{}
	for _, r := range rows {
		byStation[r.StationID] = append(byStation[r.StationID], r.TaskTypeID)
	}
	for i := range stations {
		stations[i].TaskTypeIDs = byStation[stations[i].ID]
	}
	return nil
}

// Stations is every polling station by afstemningsområde, then every work
// location by name, with their task types.
func Stations(ctx context.Context, db *gorm.DB) ([]models.PollingStation, error) {
	var stations []models.PollingStation
	db = db.WithContext(ctx)
	if err := db.Find(&stations).Error; err != nil {
		return nil, err
	}
	models.SortStations(stations)
	return stations, withTaskTypes(db, stations)
}

// Station is one polling station or work location with its task types;
// models.ErrNotFound when there is none.
func Station(ctx context.Context, db *gorm.DB, id int64) (models.PollingStation, error) {
	var st models.PollingStation
	db = db.WithContext(ctx)
	if err := db.First(&st, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return st, models.ErrNotFound
	} else if err != nil {
		return st, err
	}
	one := []models.PollingStation{st}
	err := withTaskTypes(db.Where("station_id = ?", id), one)
	return one[0], err
}

// stationOrder orders polling stations by afstemningsområde and work
// locations (no number) after them, alike on both databases (NULLs sort
// first on SQLite, last on PostgreSQL).
const stationOrder = "district IS NULL, district, name"

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

// ChoicesOf is every polling station (by district, work locations last), task type (by name)
// and party (groups before pools, by letter), for a filter's choices.
func ChoicesOf(ctx context.Context, db *gorm.DB) (models.Choices, error) {
	var ch models.Choices
	db = db.WithContext(ctx)
	for _, q := range []struct {
		order string
		into  any
	}{{stationOrder, &ch.Stations}, {"name", &ch.TaskTypes}, {"kind, letter, name", &ch.Parties}} {
		if err := db.Order(q.order).Find(q.into).Error; err != nil {
			return ch, err
		}
	}
	return ch, nil
}
