package recruit

import (
	"context"
	"errors"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// The election office's use cases: recruitment rounds, the plan, group
// messages, closing an election. Store refusals keep their types in the
// chain (errors.As finds a *models.NeedsConfirmation, a *models.PlanRefused,
// a *models.TemplateError), and every one that is a sentence or a sentinel
// is also a keyed *Refusal.

// RoundFilter narrows a round to stations, task types and parties.
type RoundFilter = store.RoundFilter

// RoundRow is a round with its progress: the workflow's own count of
// lifecycles started, and the database's count of invitations sent.
type RoundRow struct {
	models.Round
	Progress workflows.RoundProgress
	Sends    store.RoundSends
	Known    bool // the workflow answered the progress query
	Running  bool
	Percent  int
}

// RoundsView is an election's rounds page: its rounds and what a new one
// can be narrowed to.
type RoundsView struct {
	Election   models.Election
	Rounds     []RoundRow
	AnyRunning bool
	models.Choices
}

// roundQueryTimeout bounds the wait for a round's progress.
const roundQueryTimeout = 5 * time.Second

// Rounds is an election's recruitment rounds with their progress.
func (s *Service) Rounds(ctx context.Context, actor models.User, electionID int64) (RoundsView, error) {
	var v RoundsView
	db := s.DB.WithContext(ctx)
	if err := db.Where("id = ?", electionID).Limit(1).Find(&v.Election).Error; err != nil {
		return v, err
	}
	if v.Election.ID == 0 {
		return v, refuse(NotFound, "error.recruit.notfound")
	}
	rs, err := store.RoundsOf(ctx, s.DB, actor, electionID)
	if err != nil {
		return v, fromStore(err)
	}
	v.Rounds = make([]RoundRow, len(rs))
	for i, r := range rs {
		if v.Rounds[i], err = s.roundRow(ctx, r); err != nil {
			return v, err
		}
		v.AnyRunning = v.AnyRunning || v.Rounds[i].Running
	}
	v.Choices, err = store.ChoicesOf(ctx, s.DB)
	return v, err
}

func (s *Service) roundRow(ctx context.Context, r models.Round) (RoundRow, error) {
	row := RoundRow{Round: r}
	if s.Temporal != nil {
		qctx, cancel := context.WithTimeout(ctx, roundQueryTimeout)
		p, err := workflows.QueryRound(qctx, s.Temporal, r.WorkflowID)
		cancel()
		row.Progress, row.Known = p, err == nil
	}
	var err error
	if row.Sends, err = store.RoundSendsOf(ctx, s.DB, r.ID); err != nil {
		return row, err
	}
	row.Running = row.Known && !row.Progress.Done && !row.Progress.Cancelled
	if t := row.Progress.Total; t > 0 {
		row.Percent = min(100, 100*(row.Sends.Sent+row.Sends.Failed)/t)
	} else if row.Progress.Done {
		row.Percent = 100
	}
	return row, nil
}

// LaunchRound records a recruitment round of an election and starts its
// workflow, which invites the nominated people the filter covers.
func (s *Service) LaunchRound(ctx context.Context, actor models.User, electionID int64, f RoundFilter) (models.Round, error) {
	r, err := store.CreateRound(ctx, s.DB, actor, electionID, f, s.now())
	if err != nil {
		return r, fromStore(err)
	}
	if s.Temporal == nil {
		return r, errors.New("no Temporal client")
	}
	return r, workflows.StartRound(ctx, s.Temporal, s.TaskQueue, workflows.RoundRef{ID: r.ID, ElectionID: electionID, WorkflowID: r.WorkflowID})
}

// RoundSignal is what staff do to a running round.
type RoundSignal string

// The signals a round takes.
const (
	PauseRound  RoundSignal = "pause"
	ResumeRound RoundSignal = "genoptag"
	CancelRound RoundSignal = "annuller"
)

var roundSignals = map[RoundSignal]string{
	PauseRound: workflows.RoundPauseSignal, ResumeRound: workflows.RoundResumeSignal, CancelRound: workflows.RoundCancelSignal,
}

// SignalRound pauses, resumes or cancels a round; it returns the round. A
// round that no longer runs is a Conflict.
func (s *Service) SignalRound(ctx context.Context, actor models.User, roundID int64, signal RoundSignal) (models.Round, error) {
	r, err := store.RoundByID(ctx, s.DB, actor, roundID)
	if err != nil {
		return r, fromStore(err)
	}
	name, ok := roundSignals[signal]
	if !ok {
		return r, refuse(NotFound, "error.recruit.notfound")
	}
	if s.Temporal == nil {
		return r, errors.New("no Temporal client")
	}
	if err := workflows.SignalRound(ctx, s.Temporal, r.WorkflowID, name); err != nil {
		return r, &Refusal{Kind: Conflict, UserError: models.Refuse("error.recruit.round.notrunning"), cause: err}
	}
	return r, nil
}

// QuotaRequest is a distribution of a task type's slots on a day.
type QuotaRequest = store.QuotaRequest

// DistributeQuota distributes the council groups' slots of a task type on
// a day by d'Hondt: per station, or municipality-wide and spread. A change
// that would remove empty slots needs Confirm (*models.NeedsConfirmation).
func (s *Service) DistributeQuota(ctx context.Context, actor models.User, req QuotaRequest) (store.QuotaResult, error) {
	res, err := store.DistributeByQuota(ctx, s.DB, actor, req, s.now())
	return res, fromStore(err)
}

// MoveSlot gives a never-used slot of one party in a cell to another.
func (s *Service) MoveSlot(ctx context.Context, actor models.User, electionID int64, planVersion int, cell models.PlanCell,
	fromParty, toParty int64) error {
	return fromStore(store.MoveVacantSlot(ctx, s.DB, actor, electionID, planVersion, cell, fromParty, toParty, s.now()))
}

// SendGroupMessage records a message to a group of an election's people
// and starts the workflow that sends it. A template that does not render
// is refused with a *models.TemplateError in the chain.
func (s *Service) SendGroupMessage(ctx context.Context, actor models.User, gm models.GroupMessage) (models.GroupMessage, error) {
	gm.CreatedAt = s.now()
	gm, err := store.CreateGroupMessage(ctx, s.DB, actor, gm)
	if err != nil {
		return gm, fromStore(err)
	}
	if s.Temporal == nil {
		return gm, errors.New("no Temporal client")
	}
	return gm, workflows.StartGroupMessage(ctx, s.Temporal, s.TaskQueue, gm.ID)
}

// SetElectionState moves an election on: draft → active → closed. Closing
// starts the election's Retention workflow, which anonymises its people
// when the retention has passed; a failed start is logged, not refused —
// the election is closed either way, and SaveRetention starts it again.
// Activating makes the election's re-validation schedule (weekly, daily in
// the last two weeks), closing deletes it; a failure there is logged too:
// the worker reconciles the schedules when it starts.
func (s *Service) SetElectionState(ctx context.Context, actor models.User, electionID int64, to models.ElectionState) error {
	if err := store.SetElectionState(ctx, s.DB, actor, electionID, to, s.now()); err != nil {
		return fromStore(err)
	}
	if s.Temporal == nil {
		return nil
	}
	switch to {
	case models.ElectionActive:
		var e models.Election
		err := s.DB.WithContext(ctx).First(&e, electionID).Error
		if err == nil {
			err = workflows.EnsureRevalidationSchedule(ctx, s.Temporal, s.TaskQueue, e.ID, e.ElectionDay)
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "the re-validation schedule was not made", "election", electionID, "error", err)
		}
	case models.ElectionClosed:
		if err := workflows.DeleteRevalidationSchedule(ctx, s.Temporal, electionID); err != nil {
			s.Log.ErrorContext(ctx, "the re-validation schedule was not deleted", "election", electionID, "error", err)
		}
		if err := workflows.StartRetention(ctx, s.Temporal, s.TaskQueue, electionID); err != nil {
			s.Log.ErrorContext(ctx, "start of the retention workflow failed", "election", electionID, "error", err)
		}
	}
	return nil
}

// SaveRetention changes how long a closed election's personal data is
// kept and wakes its Retention workflow to read the new date (starting it,
// should the start at closing have failed: starting twice starts once).
func (s *Service) SaveRetention(ctx context.Context, actor models.User, electionID int64, days string) error {
	e, err := store.SetRetentionDays(ctx, s.DB, actor, electionID, days, s.now())
	if err != nil {
		return fromStore(err)
	}
	if e.State != models.ElectionClosed || s.Temporal == nil {
		return nil
	}
	if err := workflows.StartRetention(ctx, s.Temporal, s.TaskQueue, e.ID); err != nil {
		return err
	}
	return workflows.RescheduleRetention(ctx, s.Temporal, e.ID)
}

// Revalidate starts the check of an active election's invited and
// confirmed people against the CPR register (the Revalidation workflow).
func (s *Service) Revalidate(ctx context.Context, electionID int64) error {
	var e models.Election
	if err := s.DB.WithContext(ctx).Where("id = ?", electionID).Limit(1).Find(&e).Error; err != nil {
		return err
	}
	switch {
	case e.ID == 0:
		return refuse(NotFound, "error.recruit.notfound")
	case e.State != models.ElectionActive:
		return refuse(Conflict, "error.recruit.revalidate.inactive")
	}
	_, err := workflows.StartRevalidation(ctx, s.Temporal, s.TaskQueue, electionID, s.Now())
	return err
}
