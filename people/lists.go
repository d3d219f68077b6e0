package people

import (
	"context"
	"slices"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Lists and exports of the people staffing an election. The store scopes
// them (a party secretary gets their own party's people and stations) and
// marks people with name and address protection (ListRow.Protected), who
// are on every list — by name only on a party secretary's; every export is
// written to the audit log before it is handed over.

// ListStates are the states a list may be filtered by, in the form's order.
var ListStates = store.ListStates

// ListView is an election's list as actor may see it, with what the filter
// form offers (Scope).
type ListView struct {
	Scope models.ListScope
	Rows  []models.ListRow
}

// List is the people of an election the filter covers.
func (s *Service) List(ctx context.Context, actor models.User, electionID int64, f models.ListFilter) (ListView, error) {
	var v ListView
	var err error
	if v.Scope, err = store.ListScopeOf(ctx, s.DB, actor, electionID); err != nil {
		return v, err
	}
	v.Rows, err = store.ParticipantList(ctx, s.DB, actor, v.Scope.Election.ID, f)
	return v, err
}

// ExportList is List for a download in format: the export is recorded.
func (s *Service) ExportList(ctx context.Context, actor models.User, electionID int64, f models.ListFilter, format string) (ListView, error) {
	v, err := s.List(ctx, actor, electionID, f)
	if err != nil {
		return v, err
	}
	return v, s.recordExport(ctx, actor, v.Scope.Election.ID, "liste", format, len(v.Rows))
}

// ServingExport is one of the ready-made exports of the people who serve
// (confirmed or completed); its value names the list in the audit log and
// the file.
type ServingExport string

// The ready-made exports.
const (
	// StationSheets: the election day's people at each polling station.
	StationSheets ServingExport = "valgsteder"
	// AllowanceList: every task of each person, by name, for the diæt.
	AllowanceList ServingExport = "diaeter"
	// DietList: the people with a special diet, for the catering.
	DietList ServingExport = "kost"
)

// ExportServing returns the rows of a ready-made export, in its order,
// and records the export.
func (s *Service) ExportServing(ctx context.Context, actor models.User, electionID int64, list ServingExport, format string) (models.Election, []models.ListRow, error) {
	scope, err := store.ListScopeOf(ctx, s.DB, actor, electionID)
	if err != nil {
		return scope.Election, nil, err
	}
	f := models.ListFilter{States: store.ServingStates}
	switch list {
	case StationSheets:
		f.Day = scope.Election.ElectionDay
	case AllowanceList, DietList:
	default:
		return scope.Election, nil, models.ErrNotFound
	}
	rows, err := store.ParticipantList(ctx, s.DB, actor, scope.Election.ID, f)
	if err != nil {
		return scope.Election, nil, err
	}
	switch list {
	case AllowanceList:
		store.SortByName(rows)
	case DietList:
		rows = slices.DeleteFunc(rows, func(r models.ListRow) bool { return r.SpecialDiet == "" })
	}
	return scope.Election, rows, s.recordExport(ctx, actor, scope.Election.ID, string(list), format, len(rows))
}

func (s *Service) recordExport(ctx context.Context, actor models.User, electionID int64, list, format string, rows int) error {
	return store.RecordExport(ctx, s.DB, actor, models.ExportRecord{ElectionID: electionID, List: list, Format: format, Rows: rows}, s.now())
}

// ExportForElectionSystem is the people who serve with their full CPR
// numbers, for the election system; the store audits the export and each
// person in it. Staff who may write only.
func (s *Service) ExportForElectionSystem(ctx context.Context, actor models.User, electionID int64, format string) ([]store.ElectionSystemRow, error) {
	return store.ElectionSystemExport(ctx, s.DB, actor, electionID, models.ListFilter{}, format, s.now())
}
