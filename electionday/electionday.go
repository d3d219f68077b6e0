// Package electionday is the task day at the polling stations (issue 20):
// staff and station leaders check people in, present or absent, through
// the person's lifecycle; staff see live counts per station and name the
// station leaders. A station leader is a volunteer signed in on Min side:
// they see their own station's people — name, phone, task, state, mark —
// and nothing else; anything outside their station is models.ErrNotFound,
// as an id that does not exist.
package electionday

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Service is the election day's use cases.
type Service struct {
	DB       *gorm.DB
	Temporal client.Client
	Log      *slog.Logger
	Now      func() time.Time
}

// Actor is who checks people in: a staff user, or a station leader (the
// participant id of a volunteer signed in on Min side).
type Actor struct {
	User     *models.User
	LeaderID int64
}

// AsStaff is a staff user acting.
func AsStaff(u models.User) Actor { return Actor{User: &u} }

// AsLeader is a volunteer acting as the leader of their station.
func AsLeader(participantID int64) Actor { return Actor{LeaderID: participantID} }

// by is how the lifecycle records who marked.
func (a Actor) by() string {
	if a.User != nil {
		return "staff:" + itoa(a.User.ID)
	}
	return "leader:" + itoa(a.LeaderID)
}

func (a Actor) staffReads() bool {
	return a.User != nil && (a.User.Role == models.RoleAdmin || a.User.Role == models.RoleStaff || a.User.Role == models.RoleReadOnly)
}

func (a Actor) staffWrites() bool {
	return a.User != nil && (a.User.Role == models.RoleAdmin || a.User.Role == models.RoleStaff)
}

// checkInTimeout bounds the wait for the lifecycle's outcome.
const checkInTimeout = 20 * time.Second

// mayCheckIn authorises an actor at an election's station: staff who
// write; a leader of that station in an active election. Everyone else
// gets models.ErrNotFound (a leader) or models.ErrForbidden (a user).
func (s *Service) mayCheckIn(ctx context.Context, a Actor, electionID, stationID int64) error {
	if a.User != nil {
		if !a.staffWrites() {
			return models.ErrForbidden
		}
		return nil
	}
	return s.leads(ctx, a, electionID, stationID)
}

// leads: the actor is a named leader of the station in an active election.
func (s *Service) leads(ctx context.Context, a Actor, electionID, stationID int64) error {
	if a.LeaderID == 0 {
		return models.ErrNotFound
	}
	ok, err := store.LeadsStation(ctx, s.DB, a.LeaderID, electionID, stationID)
	if err != nil {
		return err
	}
	if !ok {
		return models.ErrNotFound
	}
	var e models.Election
	if err := s.DB.WithContext(ctx).Select("id", "state").First(&e, electionID).Error; err != nil {
		return err
	}
	if e.State != models.ElectionActive {
		return models.ErrNotFound
	}
	return nil
}

// CheckIn marks a confirmed person present or absent on their task day,
// through their lifecycle (workflows.CheckInUpdate). Absent ends the
// person's task as a no-show and starts the search for a replacement.
// A refusal is keyed error.checkin.<kind> (Conflict); a lifecycle that
// cannot be reached is Unavailable (nothing was recorded).
func (s *Service) CheckIn(ctx context.Context, actor Actor, assignmentID int64, present bool) error {
	electionID, stationID, err := store.AssignmentPlace(ctx, s.DB, assignmentID)
	if err != nil {
		return err
	}
	if err := s.mayCheckIn(ctx, actor, electionID, stationID); err != nil {
		return err
	}
	f, err := store.LoadLifecycle(ctx, s.DB, assignmentID)
	if err != nil {
		return err
	}
	if f.Assignment.WorkflowID == "" || f.Assignment.State == models.StateNominated {
		return refusal(recruit.Conflict, workflows.RefusedNotConfirmed, nil)
	}
	if s.Temporal == nil {
		return refusal(recruit.Unavailable, "unavailable", errors.New("no Temporal client"))
	}
	uctx, cancel := context.WithTimeout(ctx, checkInTimeout)
	defer cancel()
	_, err = workflows.UpdateLifecycle(uctx, s.Temporal, f.Assignment.WorkflowID, workflows.CheckInUpdate,
		workflows.CheckIn{Present: present, By: actor.by()})
	if err == nil {
		return nil
	}
	switch kind := workflows.Refusal(err); kind {
	case workflows.RefusedNotTaskDay, workflows.RefusedNotConfirmed, workflows.RefusedEnded:
		return refusal(recruit.Conflict, kind, err)
	}
	s.Log.ErrorContext(ctx, "check-in not delivered", "assignment_id", assignmentID, "error", err)
	return refusal(recruit.Unavailable, "unavailable", err)
}

// refusal is a keyed refusal error.checkin.<kind> of the use cases' kind.
func refusal(kind recruit.Kind, key string, cause error) error {
	r := &recruit.Refusal{Kind: kind, UserError: models.Refuse("error.checkin." + key)}
	if cause != nil {
		return errors.Join(r, cause)
	}
	return r
}
