package recruit

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The CPR register is no oracle: a party secretary may make only so many
// lookups a day (Europe/Copenhagen) and upload only so many rows at once,
// as the administrator sets on the municipality's settings page
// (models.Municipality.LookupsPerDay, CSVRows). Registration, nomination
// (page and API) and the CSV upload all look people up through lookUp,
// which counts each lookup here before the register is asked; an upload
// is refused as a whole, before any lookup, when it has too many rows or
// more than the lookups left today. Staff are not limited: they answer
// for the municipality's register use and re-validate whole elections.
//
// The count is a row per user and day (store.ReserveLookups), raised by
// one statement that cannot pass the limit, so two requests at once
// cannot both take the last lookup.

// TooMany: a limit of a period has been reached; it may be done again
// later (429). Its value stands apart from the kinds in recruit.go so that
// kinds added there do not take it.
const TooMany Kind = 100

// limited tells whether actor's lookups are limited.
func limited(actor models.User) bool { return actor.Role == models.RolePartySecretary }

// lookupLimits reads the municipality's limits and the day in Copenhagen.
func (s *Service) lookupLimits(ctx context.Context) (models.Municipality, models.Date, error) {
	m, err := store.MunicipalityOf(ctx, s.DB)
	return m, models.DateOf(s.Now().In(models.Copenhagen)), err
}

// countLookup counts one CPR register lookup against actor's limit of the
// day, before the register is asked; a party secretary at the limit is
// refused (TooMany) and the register is not asked.
func (s *Service) countLookup(ctx context.Context, actor models.User) error {
	if !limited(actor) {
		return nil
	}
	m, day, err := s.lookupLimits(ctx)
	if err != nil {
		return err
	}
	ok, err := store.ReserveLookups(ctx, s.DB, actor.ID, day, 1, m.LookupsPerDay())
	if err != nil {
		return err
	}
	if !ok {
		return refuse(TooMany, "error.lookups.limit", m.LookupsPerDay())
	}
	return nil
}

// checkUpload refuses a party secretary's upload of rows data rows as a
// whole, before any lookup, when it has more rows than the cap or than the
// lookups left today. Each row's lookup is still counted as it is made: a
// request at the same time may take the last ones, and those rows are then
// refused one by one with the limit's message.
func (s *Service) checkUpload(ctx context.Context, actor models.User, rows int) error {
	if !limited(actor) {
		return nil
	}
	m, day, err := s.lookupLimits(ctx)
	if err != nil {
		return err
	}
	if rows > m.CSVRows() {
		return refuse(Invalid, "error.lookups.csvcap", rows, m.CSVRows())
	}
	used, err := store.LookupsOn(ctx, s.DB, actor.ID, day)
	if err != nil {
		return err
	}
	if left := max(m.LookupsPerDay()-used, 0); rows > left {
		return refuse(TooMany, "error.lookups.csvlimit", rows, left, m.LookupsPerDay())
	}
	return nil
}

// UploadRows is the most rows actor's nomination upload may have: the cap
// the administrator set for a party secretary, the file limit for staff.
func (s *Service) UploadRows(ctx context.Context, actor models.User) int {
	if !limited(actor) {
		return MaxCSVRows
	}
	m, err := store.MunicipalityOf(ctx, s.DB)
	if err != nil {
		return models.DefaultCSVRows
	}
	return min(m.CSVRows(), MaxCSVRows)
}
