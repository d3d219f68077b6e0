package setup

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Elections and election types. Moving an election on (draft → active →
// closed) is recruit.SetElectionState: closing starts a workflow.

// Elections is every election, newest first (the id breaks a tie).
func (s *Service) Elections(ctx context.Context) ([]models.Election, error) {
	var es []models.Election
	err := s.DB.WithContext(ctx).Order("election_day DESC, id DESC").Find(&es).Error
	return es, err
}

// Election is one election as stored; models.ErrNotFound when there is none.
func (s *Service) Election(ctx context.Context, id int64) (models.Election, error) {
	var e models.Election
	err := first(s.DB.WithContext(ctx), &e, id)
	return e, err
}

// CreateElection adds a draft election of a kind on a day (YYYY-MM-DD).
func (s *Service) CreateElection(ctx context.Context, actor models.User, title string, kind models.ElectionKind, day string) (models.Election, error) {
	return store.CreateElection(ctx, s.DB, actor, title, kind, day, s.Now())
}

// UpdateElection changes an election's settings as typed; a change based
// on an older version than stored is models.ErrStale, a refused value a
// models.FieldErrors.
// An active election's re-validation schedule follows its election day; a
// failure there is logged, not refused (the worker reconciles the
// schedules when it starts).
func (s *Service) UpdateElection(ctx context.Context, actor models.User, id int64, version int, form models.ElectionSettings) (models.Election, error) {
	var before models.Election
	if err := s.DB.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&before).Error; err != nil {
		return before, err
	}
	e, err := store.UpdateElection(ctx, s.DB, actor, id, version, form, s.now())
	if err != nil || s.Temporal == nil || e.State != models.ElectionActive || e.ElectionDay == before.ElectionDay {
		return e, err
	}
	if err := workflows.EnsureRevalidationSchedule(ctx, s.Temporal, s.TaskQueue, e.ID, e.ElectionDay); err != nil {
		s.Log.ErrorContext(ctx, "the re-validation schedule did not follow the election day", "election", e.ID, "error", err)
	}
	return e, nil
}

// DuplicateElection starts a new draft from an election: its settings, plan
// and seed, under a new title and day.
func (s *Service) DuplicateElection(ctx context.Context, actor models.User, sourceID int64, title, day string) (models.Election, error) {
	return store.DuplicateElection(ctx, s.DB, actor, sourceID, title, day, s.Now())
}

// ElectionTypes is the election types with their eligibility rules.
func (s *Service) ElectionTypes(ctx context.Context) ([]models.ElectionType, error) {
	return store.ElectionTypes(ctx, s.DB)
}

// ElectionType is one election type as stored.
func (s *Service) ElectionType(ctx context.Context, kind models.ElectionKind) (models.ElectionType, error) {
	return store.ElectionType(ctx, s.DB, kind)
}

// SaveElectionType changes a type's name and rules. Administrators only.
func (s *Service) SaveElectionType(ctx context.Context, actor models.User, t models.ElectionType) (models.ElectionType, error) {
	return store.SaveElectionType(ctx, s.DB, actor, t, s.Now())
}

// ResetElectionType puts the law's rules back for a type. Administrators
// only.
func (s *Service) ResetElectionType(ctx context.Context, actor models.User, kind models.ElectionKind, version int) (models.ElectionType, error) {
	return store.ResetElectionType(ctx, s.DB, actor, kind, version, s.Now())
}
