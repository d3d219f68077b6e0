package setup

import (
	"context"
	"slices"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The plan of slots per station × task type × day × party. Distributing by
// the quota and moving a slot are recruit.DistributeQuota and
// recruit.MoveSlot.

// quotaRecordsShown is how many recorded distributions a plan page shows.
const quotaRecordsShown = 3

// Plan is an election's slot plan. Staff and read-only staff.
func (s *Service) Plan(ctx context.Context, actor models.User, electionID int64) (models.Plan, error) {
	return store.LoadPlan(ctx, s.DB, actor, electionID)
}

// PlanPage is a plan with the task type and day a page shows of it, and
// the recent distributions by the quota of that task type on that day.
type PlanPage struct {
	Plan     models.Plan
	TaskType models.TaskType // zero when the election has no task types
	Day      models.Date
	Records  []models.QuotaRecord
}

// PlanPage reads an election's plan for the grid of one task type on one
// day: the ones asked for, or the first task type and the election day when
// none or an unknown one is asked for.
func (s *Service) PlanPage(ctx context.Context, actor models.User, electionID, taskTypeID int64, day string) (PlanPage, error) {
	var v PlanPage
	plan, err := store.LoadPlan(ctx, s.DB, actor, electionID)
	if err != nil {
		return v, err
	}
	v.Plan = plan
	for _, t := range plan.TaskTypes {
		if t.ID == taskTypeID || v.TaskType.ID == 0 {
			v.TaskType = t
		}
	}
	v.Day = plan.Election.ElectionDay
	if d, err := models.ParseDate(day); err == nil && slices.Contains(plan.Days, d) {
		v.Day = d
	}
	if v.TaskType.ID == 0 {
		return v, nil
	}
	v.Records, err = store.QuotaRecords(ctx, s.DB, actor, electionID, v.TaskType.ID, v.Day, quotaRecordsShown)
	return v, err
}

// SetCellCounts sets parties' counts in one cell: pools by hand, council
// groups by agreement. Removing empty slots needs Confirm
// (*models.NeedsConfirmation).
func (s *Service) SetCellCounts(ctx context.Context, actor models.User, req models.CellRequest) error {
	return store.SetCellCounts(ctx, s.DB, actor, req, s.now())
}

// StationDeletion is what deleting a polling station would take with it.
func (s *Service) StationDeletion(ctx context.Context, actor models.User, id int64) (models.StationImpact, error) {
	return store.StationDeletion(ctx, s.DB, actor, id)
}

// DeleteStation deletes a polling station with its empty slots, reserve
// entries and secretaries' limits to it; anything to take along needs
// confirm (*models.NeedsConfirmation).
func (s *Service) DeleteStation(ctx context.Context, actor models.User, id int64, confirm bool) error {
	return store.DeleteStation(ctx, s.DB, actor, id, confirm, s.now())
}
