package recruit

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The nomination pages' reads: which elections one can nominate for, the
// election and party a page is about, and a party's slots, reserves and
// people. The store's refusals (models.ErrForbidden, models.ErrNotFound)
// pass unchanged: the pages and the API map them as they always have.

// Limits of a nomination upload (ImportNominations): the web caps the
// request body by them before anything reads it.
const (
	MaxCSVBytes = store.MaxCSVBytes
	MaxCSVRows  = store.MaxCSVRows
)

// NominationElections lists the elections one can nominate for, by day: a
// party secretary the active ones, staff every one that is not closed.
func (s *Service) NominationElections(ctx context.Context, actor models.User) ([]models.Election, error) {
	q := s.DB.WithContext(ctx).Where("state <> ?", models.ElectionClosed)
	if actor.Role == models.RolePartySecretary {
		q = q.Where("state = ?", models.ElectionActive)
	}
	var es []models.Election
	return es, q.Order("election_day").Find(&es).Error
}

// NominationElection is the election a nomination page or call is about;
// models.ErrNotFound when there is none, or when it is a draft a party
// secretary has no business with.
func (s *Service) NominationElection(ctx context.Context, actor models.User, electionID int64) (models.Election, error) {
	var e models.Election
	if err := s.DB.WithContext(ctx).Where("id = ?", electionID).Limit(1).Find(&e).Error; err != nil {
		return e, err
	}
	if e.ID == 0 || (e.State == models.ElectionDraft && actor.Role == models.RolePartySecretary) {
		return e, models.ErrNotFound
	}
	return e, nil
}

// NominationParty is the party a nomination page or form is about: a party
// secretary's own whatever was asked, for staff partyID; the zero party
// when staff chose none or one that does not exist.
func (s *Service) NominationParty(ctx context.Context, actor models.User, partyID int64) (models.Party, error) {
	var p models.Party
	if actor.Role == models.RolePartySecretary {
		partyID = *actor.PartyID
	}
	if partyID == 0 {
		return p, nil
	}
	return p, s.DB.WithContext(ctx).Where("id = ?", partyID).Limit(1).Find(&p).Error
}

// NominationPage is what the nomination page shows of a party in an
// election: its slots cell by cell with who holds them, its reserve list,
// the people on its list to pick and the stations reserves may be placed
// at. Parties is the choice of party, for everyone but a party secretary.
type NominationPage struct {
	Parties  []models.Party
	Cells    []models.NominationCell
	Reserves []models.ReserveEntry
	People   []models.Participant
	Stations []models.PollingStation
}

// NominationPage reads a party's nomination page (partyID 0: staff have
// chosen no party yet, only the choice is read).
func (s *Service) NominationPage(ctx context.Context, actor models.User, electionID, partyID int64) (NominationPage, error) {
	var p NominationPage
	if actor.Role != models.RolePartySecretary {
		if err := s.DB.WithContext(ctx).Find(&p.Parties).Error; err != nil {
			return p, err
		}
		models.SortDanish(p.Parties, func(p models.Party) string { return p.Name })
	}
	if partyID == 0 {
		return p, nil
	}
	var err error
	if p.Cells, err = store.PartySlots(ctx, s.DB, actor, electionID, partyID); err != nil {
		return p, err
	}
	if p.Reserves, err = store.ReservesOf(ctx, s.DB, actor, electionID, partyID); err != nil {
		return p, err
	}
	if p.People, err = store.ParticipantsOfParty(ctx, s.DB, actor, partyID); err != nil {
		return p, err
	}
	p.Stations, err = s.reserveStations(ctx, actor)
	return p, err
}

// reserveStations lists the stations a user may place reserves at, in
// district order: a limited secretary's own, otherwise all.
func (s *Service) reserveStations(ctx context.Context, actor models.User) ([]models.PollingStation, error) {
	q := s.DB.WithContext(ctx).Order("district")
	if actor.Role == models.RolePartySecretary {
		own, err := store.StationLimitOf(ctx, s.DB, actor)
		if err != nil {
			return nil, err
		}
		if own.Limited {
			q = q.Where("id IN ?", own.IDs)
		}
	}
	var stations []models.PollingStation
	return stations, q.Find(&stations).Error
}

// PartySlots lists a party's slots in an election, cell by cell, with who
// holds each (the JSON API's ids to nominate to).
func (s *Service) PartySlots(ctx context.Context, actor models.User, electionID, partyID int64) ([]models.NominationCell, error) {
	return store.PartySlots(ctx, s.DB, actor, electionID, partyID)
}
