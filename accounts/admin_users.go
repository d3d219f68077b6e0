package accounts

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// UserEdit is a login as its edit form shows it: the user, what the form
// holds (their name, e-mail, role, party and station limit), and whether
// they have a second factor.
type UserEdit struct {
	User    models.User
	Form    models.NewUser
	HasTOTP bool
}

// User is the login id for its edit form. Administrators only.
func (s *Service) User(ctx context.Context, actor models.User, id int64) (UserEdit, error) {
	var e UserEdit
	if actor.Role != models.RoleAdmin {
		return e, models.ErrForbidden
	}
	res := s.DB.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&e.User)
	switch {
	case res.Error != nil:
		return e, res.Error
	case res.RowsAffected == 0:
		return e, models.ErrNotFound
	}
	u := e.User
	limit, err := s.StationLimitOf(ctx, u)
	if err != nil {
		return e, err
	}
	e.Form = models.NewUser{Email: u.Email, Name: u.Name, Role: u.Role, PartyID: u.PartyID,
		StationLimited: limit.Limited, StationIDs: limit.IDs}
	e.HasTOTP, err = s.HasTOTP(ctx, u.ID)
	return e, err
}

// Stations are the polling stations a party secretary may be limited to,
// by district.
func (s *Service) Stations(ctx context.Context) ([]models.PollingStation, error) {
	var stations []models.PollingStation
	return stations, s.DB.WithContext(ctx).Order("district").Find(&stations).Error
}

// limitedStations fills in the stations of every station-limited user.
func (s *Service) limitedStations(ctx context.Context, into map[int64][]models.PollingStation) error {
	limits, err := store.StationLimits(ctx, s.DB)
	if err != nil {
		return err
	}
	stations, err := s.Stations(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]models.PollingStation{}
	for _, st := range stations {
		byID[st.ID] = st
	}
	for userID, ids := range limits {
		for _, id := range ids {
			into[userID] = append(into[userID], byID[id])
		}
	}
	return nil
}

// UpdateUser changes a login's name, e-mail, role, party and station
// limit; a new role or party ends their sessions. An administrator cannot
// demote themselves, nor the last active administrator. Administrators
// only.
func (s *Service) UpdateUser(ctx context.Context, actor models.User, id int64, in models.NewUser) (models.User, error) {
	u, err := store.UpdateUser(ctx, s.DB, actor, id, in, s.Now().UTC())
	if err == nil {
		s.Log.InfoContext(ctx, "user changed", "user_id", id, "by", actor.ID)
	}
	return u, err
}

// DeactivateUser stops a login at once: their sessions, pending logins,
// API tokens and one-time links end, and their password is refused as a
// wrong one. Administrators only; not oneself, nor the last active
// administrator.
func (s *Service) DeactivateUser(ctx context.Context, actor models.User, id int64) error {
	err := store.DeactivateUser(ctx, s.DB, actor, id, s.Now().UTC())
	if err == nil {
		s.Log.InfoContext(ctx, "user deactivated", "user_id", id, "by", actor.ID)
	}
	return err
}

// ReactivateUser lets a deactivated login in again with their password.
// Administrators only.
func (s *Service) ReactivateUser(ctx context.Context, actor models.User, id int64) error {
	err := store.ReactivateUser(ctx, s.DB, actor, id, s.Now().UTC())
	if err == nil {
		s.Log.InfoContext(ctx, "user reactivated", "user_id", id, "by", actor.ID)
	}
	return err
}

// ResendAccountLink ends the login's unused one-time links and starts the
// e-mail of a new one, as creation does; invited says whether the e-mail
// is on its way. A deactivated login gets none. Administrators only.
func (s *Service) ResendAccountLink(ctx context.Context, actor models.User, id int64) (invited bool, err error) {
	if err := store.EndAccountLinks(ctx, s.DB, actor, id, s.Now().UTC()); err != nil {
		return false, err
	}
	return s.invite(ctx, id), nil
}
