package recruit

import (
	"context"
	"slices"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The status overview: an election's slots per area, station, task type
// and party, as the actor may see them (the store decides). The store's
// refusals (models.ErrForbidden, models.ErrNotFound) pass unchanged: the
// page and the API map them as they always have.

// reopenedShown caps the overview's list of slots that became free again.
const reopenedShown = 50

// OverviewPage is the start page of everyone logged in: the elections to
// choose among and, when there is one, the chosen election's overview and
// its newest reopened slots.
type OverviewPage struct {
	Elections []models.Election
	Overview  models.ElectionOverview
	Reopened  []models.NoticeView
	// CheckIn: on a task day of the election, the day's check-in counts
	// per station (staff only; nil otherwise).
	CheckIn map[int64]models.CheckInCounts
	// DayReplacements are the searches for someone to replace a no-show
	// on the task day (staff only; empty for a secretary).
	DayReplacements []models.DayReplacementView
}

// OverviewPage reads the overview of electionID (0: the first of the
// chooser's order) narrowed by f. An election the actor may not choose is
// models.ErrNotFound; no election at all is a page without an overview.
func (s *Service) OverviewPage(ctx context.Context, actor models.User, electionID int64, f models.OverviewFilter) (OverviewPage, error) {
	var p OverviewPage
	var err error
	if p.Elections, err = store.OverviewElections(ctx, s.DB, actor); err != nil || len(p.Elections) == 0 {
		return p, err
	}
	if electionID == 0 {
		electionID = p.Elections[0].ID
	} else if !slices.ContainsFunc(p.Elections, func(e models.Election) bool { return e.ID == electionID }) {
		return p, models.ErrNotFound
	}
	if p.Overview, err = store.Overview(ctx, s.DB, actor, electionID, f); err != nil {
		return p, err
	}
	if p.Reopened, err = store.ReopenedSlots(ctx, s.DB, actor, electionID, reopenedShown); err != nil {
		return p, err
	}
	today := models.DateOf(s.now().In(models.Copenhagen))
	staff := actor.Role == models.RoleAdmin || actor.Role == models.RoleStaff || actor.Role == models.RoleReadOnly
	if staff && slices.Contains(p.Overview.Days, today) {
		if p.CheckIn, err = store.StationCounts(ctx, s.DB, electionID, today); err != nil {
			return p, err
		}
	}
	p.DayReplacements, err = store.DayReplacements(ctx, s.DB, actor, electionID, reopenedShown)
	return p, err
}

// Overview is one election's status overview narrowed by f (the JSON API).
func (s *Service) Overview(ctx context.Context, actor models.User, electionID int64, f models.OverviewFilter) (models.ElectionOverview, error) {
	return store.Overview(ctx, s.DB, actor, electionID, f)
}
