package setup

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Municipality reads the municipality's settings: its name, kommunekode and
// CVR number, the sender names of e-mail and Digital Post and the election
// secretariat's contact details. None of it is personal data: the public
// answer page shows the contact details. models.ErrNotFound before
// `valghalla setup`.
func (s *Service) Municipality(ctx context.Context) (models.Municipality, error) {
	return store.MunicipalityOf(ctx, s.DB)
}

// SaveMunicipality changes the municipality's settings
// (models.MunicipalitySettings.Check), audited. Administrators only
// (models.ErrForbidden); a bad value is refused per field
// (models.FieldErrors) and nothing is written.
func (s *Service) SaveMunicipality(ctx context.Context, actor models.User, in models.MunicipalitySettings) (models.Municipality, error) {
	m, err := store.SaveMunicipality(ctx, s.DB, actor, in, s.now())
	if err == nil {
		s.Log.InfoContext(ctx, "municipality settings saved", "user_id", actor.ID)
	}
	return m, err
}
