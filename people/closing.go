package people

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// ClosingView is an election's closing: who served, and what deleting its
// personal data removes (Plan, the dry run) or, once deleted, the counts
// kept (Stats).
type ClosingView struct {
	Election   models.Election
	Attendance []models.AttendanceRow  // by station, day and name
	Plan       *models.RetentionCounts // nil once anonymised
	Stats      map[string]int64        // once anonymised
}

// Closing is an election's closing page. Staff only.
func (s *Service) Closing(ctx context.Context, actor models.User, electionID int64) (ClosingView, error) {
	var v ClosingView
	if err := s.DB.WithContext(ctx).Where("id = ?", electionID).Limit(1).Find(&v.Election).Error; err != nil {
		return v, err
	}
	if v.Election.ID == 0 {
		return v, models.ErrNotFound
	}
	var err error
	if v.Attendance, err = store.AttendanceOf(ctx, s.DB, actor, v.Election.ID); err != nil {
		return v, err
	}
	if err := markProtected(ctx, s, v.Attendance); err != nil {
		return v, err
	}
	if v.Election.AnonymisedAt != nil {
		v.Stats, err = store.ElectionStatistics(ctx, s.DB, v.Election.ID)
		return v, err
	}
	plan, err := store.PreviewRetention(ctx, s.DB, v.Election.ID)
	v.Plan = &plan.RetentionCounts
	return v, err
}

// MarkAttendance marks one person completed or no-show.
func (s *Service) MarkAttendance(ctx context.Context, actor models.User, assignmentID int64, to models.AssignmentState) error {
	return store.MarkAttendance(ctx, s.DB, actor, assignmentID, to, s.now())
}

// MarkStation marks every confirmed person of a station completed or
// no-show; it tells how many.
func (s *Service) MarkStation(ctx context.Context, actor models.User, electionID, stationID int64, to models.AssignmentState) (int, error) {
	return store.MarkStationAttendance(ctx, s.DB, actor, electionID, stationID, to, s.now())
}

// markProtected marks the people with name and address protection on the
// attendance list: they are on it like anyone else.
func markProtected(ctx context.Context, s *Service, rows []models.AttendanceRow) error {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ParticipantID)
	}
	protected, err := store.ProtectedAmong(ctx, s.DB, ids)
	for i := range rows {
		rows[i].Protected = protected[rows[i].ParticipantID]
	}
	return err
}
