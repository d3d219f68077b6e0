package people

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// ContactEdit is an edit of a person's contact data (store.ContactEdit):
// nil fields are left as they are; Version is the one the editor read.
type ContactEdit = store.ContactEdit

// EditsAll reports whether actor edits a person's own contact data (staff)
// rather than their party's membership's (a party secretary).
func EditsAll(actor models.User) bool { return store.MayEditAll(actor) }

// ContactToEdit is a person with the contact data actor may edit: staff
// the person's own, a party secretary what their party typed. The reading
// is audited; a person actor may not see is models.ErrNotFound.
func (s *Service) ContactToEdit(ctx context.Context, actor models.User, id int64) (models.Participant, error) {
	p, _, err := s.audited(ctx, actor, id, models.AuditParticipantRead, "contact data")
	return p, err
}

// EditParticipant changes a person's contact data, as ContactToEdit says
// whose: checked as at registration (a refusal changes nothing), refused
// with models.ErrStale when someone else changed it since Version, and
// audited with the changed fields' names. It returns the names of the
// fields changed and the person as actor now sees them.
func (s *Service) EditParticipant(ctx context.Context, actor models.User, id int64, in ContactEdit) ([]string, models.Participant, error) {
	return store.EditParticipant(ctx, s.DB, s.Keys, actor, id, in, s.now())
}

// ContactDetails is what staff see of a person's contact data besides
// their own: what each party typed, and the history of edits with the
// values before and after.
type ContactDetails struct {
	ByParty []store.PartyContact
	Changes []store.ParticipantChangeView
	// PartyNames names the parties of Changes by id.
	PartyNames map[int64]string
}

// ContactDetailsOf is a person's contact data by party and its edit
// history, for staff only (models.ErrForbidden otherwise). Read with the
// person's page, whose reading is audited.
func (s *Service) ContactDetailsOf(ctx context.Context, actor models.User, id int64) (ContactDetails, error) {
	var out ContactDetails
	var err error
	if out.ByParty, err = store.ContactsByParty(ctx, s.DB, actor, id); err != nil {
		return out, err
	}
	if out.Changes, err = store.ChangesOf(ctx, s.DB, actor, id); err != nil {
		return out, err
	}
	var parties []models.Party
	if err := s.DB.WithContext(ctx).Select("id", "name").Find(&parties).Error; err != nil {
		return out, err
	}
	out.PartyNames = make(map[int64]string, len(parties))
	for _, p := range parties {
		out.PartyNames[p.ID] = p.Name
	}
	return out, nil
}
