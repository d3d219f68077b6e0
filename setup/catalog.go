package setup

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The catalogue every election reuses: polling stations and their areas,
// task types, parties and valggrupper.

// Stations is the polling stations in district order, then the work
// locations by name, with their task types.
func (s *Service) Stations(ctx context.Context) ([]models.PollingStation, error) {
	return store.Stations(ctx, s.DB)
}

// Station is one polling station or work location with its task types;
// models.ErrNotFound when there is none.
func (s *Service) Station(ctx context.Context, id int64) (models.PollingStation, error) {
	return store.Station(ctx, s.DB, id)
}

// SaveStation creates a station (ID 0) or changes one; a change based on
// an older version is models.ErrStale.
func (s *Service) SaveStation(ctx context.Context, actor models.User, st models.PollingStation) (models.PollingStation, error) {
	return store.SaveStation(ctx, s.DB, actor, st)
}

// Areas is the areas in Danish order.
func (s *Service) Areas(ctx context.Context) ([]models.Area, error) {
	var areas []models.Area
	if err := s.DB.WithContext(ctx).Find(&areas).Error; err != nil {
		return nil, err
	}
	models.SortDanish(areas, func(a models.Area) string { return a.Name })
	return areas, nil
}

// AreaNames names each area by ID.
func (s *Service) AreaNames(ctx context.Context) (map[int64]string, error) {
	var areas []models.Area
	err := s.DB.WithContext(ctx).Find(&areas).Error
	names := make(map[int64]string, len(areas))
	for _, a := range areas {
		names[a.ID] = a.Name
	}
	return names, err
}

// SaveArea creates an area (ID 0) or renames one.
func (s *Service) SaveArea(ctx context.Context, actor models.User, a models.Area) (models.Area, error) {
	return store.SaveArea(ctx, s.DB, actor, a)
}

// TaskTypes is the task types in Danish order.
func (s *Service) TaskTypes(ctx context.Context) ([]models.TaskType, error) {
	var list []models.TaskType
	if err := s.DB.WithContext(ctx).Find(&list).Error; err != nil {
		return nil, err
	}
	models.SortDanish(list, func(t models.TaskType) string { return t.Name })
	return list, nil
}

// TaskType is one task type; models.ErrNotFound when there is none.
func (s *Service) TaskType(ctx context.Context, id int64) (models.TaskType, error) {
	var t models.TaskType
	err := first(s.DB.WithContext(ctx), &t, id)
	return t, err
}

// SaveTaskType creates a task type (ID 0) or changes one; a change based on
// an older version is models.ErrStale.
func (s *Service) SaveTaskType(ctx context.Context, actor models.User, t models.TaskType) (models.TaskType, error) {
	return store.SaveTaskType(ctx, s.DB, actor, t)
}

// Parties is the council groups (most seats first), the pools and the
// valggrupper (in Danish order).
func (s *Service) Parties(ctx context.Context) (groups, pools []models.Party, valggrupper []models.Valggruppe, err error) {
	return store.Parties(ctx, s.DB)
}

// SaveParty creates a council group or pool (ID 0) or changes one.
func (s *Service) SaveParty(ctx context.Context, actor models.User, p models.Party) (models.Party, error) {
	return store.SaveParty(ctx, s.DB, actor, p)
}

// CreateValggruppe adds a valggruppe; council groups join it by SaveParty.
func (s *Service) CreateValggruppe(ctx context.Context, actor models.User, name string) (models.Valggruppe, error) {
	return store.CreateValggruppe(ctx, s.DB, actor, name)
}

// DeleteValggruppe removes a valggruppe; its members stand alone again.
func (s *Service) DeleteValggruppe(ctx context.Context, actor models.User, id int64) error {
	return store.DeleteValggruppe(ctx, s.DB, actor, id)
}

// first reads the row with the primary key id into dst; no row is
// models.ErrNotFound, so the web needs no gorm to tell.
func first(db *gorm.DB, dst any, id int64) error {
	err := db.First(dst, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
