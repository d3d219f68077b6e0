package people

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// SearchParticipants is one page of the participants list for actor: a
// search by name, CPR number (staff only, audited as a lookup), phone or
// e-mail, filtered by party, pool, election and state, in Danish order.
// A party secretary finds their own party's people only.
func (s *Service) SearchParticipants(ctx context.Context, actor models.User, q models.ParticipantQuery) (models.ParticipantPage, error) {
	return store.SearchParticipants(ctx, s.DB, s.Keys, actor, q, s.now())
}

// ParticipantFilters are the list's filter choices for actor.
func (s *Service) ParticipantFilters(ctx context.Context, actor models.User) (models.ParticipantFilters, error) {
	var f models.ParticipantFilters
	f.States = []models.AssignmentState{models.StateNominated, models.StateInvited, models.StateConfirmed, models.StateDeclined,
		models.StateExpired, models.StateCancelled, models.StateRemoved, models.StateCompleted, models.StateNoShow}
	groups, pools, _, err := store.Parties(ctx, s.DB)
	if err != nil {
		return f, err
	}
	if actor.Role == models.RolePartySecretary {
		for _, p := range groups {
			if actor.PartyID != nil && p.ID == *actor.PartyID {
				f.Parties = append(f.Parties, p)
			}
		}
		for _, p := range pools {
			if actor.PartyID != nil && p.ID == *actor.PartyID {
				f.Parties = append(f.Parties, p)
			}
		}
	} else {
		f.Parties, f.Pools = groups, pools
	}
	f.Elections, err = store.OverviewElections(ctx, s.DB, actor)
	return f, err
}
