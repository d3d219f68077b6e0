package recruit

import (
	"context"
	"errors"
	"strconv"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// Taking a person off a party's list (issue 18), by the party's secretary
// or the staff, or because the person answered "Nej, og fjern mig fra
// listen". The database side is store.RemoveFromList / RemoveAtRequest;
// here the party's open invitations of the person are retracted through
// their lifecycles (the staff's CancelUpdate), so the person hears that the
// invitation is withdrawn and gets no more reminders. A person with an
// open removal is refused to that party — registration, nomination by
// page, API and CSV, rounds — until staff re-add them with a reason.

// RemoveFromList takes a person off a party's list: the party's secretary
// (their own party; another party's person is NotFound) or the staff.
// Confirmed tasks stay and are listed in the outcome for the page.
func (s *Service) RemoveFromList(ctx context.Context, actor models.User, participantID, partyID int64) (models.RemovalOutcome, error) {
	out, err := store.RemoveFromList(ctx, s.DB, actor, participantID, partyID, s.now())
	if err != nil {
		return out, fromStore(err)
	}
	return out, s.retract(ctx, out, "staff:"+strconv.FormatInt(actor.ID, 10))
}

// PreviewRemoval tells what RemoveFromList would do, for the confirmation
// step; it changes nothing.
func (s *Service) PreviewRemoval(ctx context.Context, actor models.User, participantID, partyID int64) (models.RemovalOutcome, error) {
	out, err := store.PreviewRemoval(ctx, s.DB, actor, participantID, partyID)
	return out, fromStore(err)
}

// ReaddToList puts a person back on a party's list they were removed from
// and lifts the block: staff only, with a reason (required; a field
// error otherwise, and nothing changes).
func (s *Service) ReaddToList(ctx context.Context, actor models.User, participantID, partyID int64, reason string) (models.ListRemoval, error) {
	r, err := store.ReaddToList(ctx, s.DB, actor, participantID, partyID, reason, s.now())
	return r, fromStore(err)
}

// RemovalsOf lists a person's removals from lists, for staff.
func (s *Service) RemovalsOf(ctx context.Context, actor models.User, participantID int64) ([]models.ListRemovalView, error) {
	out, err := store.RemovalsOf(ctx, s.DB, actor, participantID)
	return out, fromStore(err)
}

// honourRemoveMe carries out "Nej, og fjern mig fra listen" once the
// person's lifecycle has applied the decline (the answer's update
// succeeded, or a retried answer finds it declined already, or closed):
// the person goes off the list of the party that nominated them, and that
// party's other open invitations are retracted. The lifecycle's own projection
// write does the database part too (activities.RecordTransitions), so a
// crash between the two loses nothing; both are idempotent. It returns an
// error only when the answer went through and the retraction did not:
// answering again finishes it.
func (s *Service) honourRemoveMe(ctx context.Context, a models.Assignment, choice Choice, by string, answerErr error) error {
	if choice != RemoveMe {
		return nil
	}
	if kind := workflows.Refusal(answerErr); answerErr != nil && kind != workflows.RefusedAlreadyDeclined && kind != workflows.RefusedEnded {
		return nil // refused: a yes came first, the deadline passed, …
	}
	out, err := store.RemoveAtRequest(ctx, s.DB, a.ID, by, s.now())
	if errors.Is(err, models.ErrNotFound) {
		return nil // declined for another reason, or not (yet) in the projection
	}
	if err == nil {
		err = s.retract(ctx, out, "removal")
	}
	if err != nil && answerErr == nil {
		s.Log.ErrorContext(ctx, "remove-me not carried out", "assignment_id", a.ID, "error", err)
		return &Refusal{Kind: Unavailable, UserError: models.Refuse("error.recruit.answer.unavailable"), cause: err}
	}
	return nil
}

// retract cancels the open invitations of a removal through their
// lifecycles. A lifecycle that has ended meanwhile is fine.
func (s *Service) retract(ctx context.Context, out models.RemovalOutcome, by string) error {
	if len(out.Retract) == 0 {
		return nil
	}
	if s.Temporal == nil {
		return &Refusal{Kind: Unavailable, UserError: models.Refuse("error.removal.unavailable"), cause: errors.New("no Temporal client")}
	}
	var failed error
	for _, a := range out.Retract {
		uctx, cancel := context.WithTimeout(ctx, answerTimeout)
		_, err := workflows.UpdateLifecycle(uctx, s.Temporal, a.WorkflowID, workflows.CancelUpdate, workflows.Cancellation{By: by})
		cancel()
		if err != nil && workflows.Refusal(err) == "" {
			s.Log.ErrorContext(ctx, "invitation not retracted", "assignment_id", a.ID, "error", err)
			failed = err
		}
	}
	if failed != nil {
		return &Refusal{Kind: Unavailable, UserError: models.Refuse("error.removal.unavailable"), cause: failed}
	}
	return nil
}

// refuseRemoved refuses, before anyone is looked up in the CPR register, a
// person the party may not contact again: picked from the list
// (participantID) or typed in by CPR number. A number that does not parse
// is left to the checks that follow.
func (s *Service) refuseRemoved(ctx context.Context, participantID int64, cpr string, partyID int64) error {
	var r models.ListRemoval
	var err error
	if participantID != 0 {
		r, err = store.OpenRemovalOf(ctx, s.DB, participantID, partyID)
	} else if number, perr := models.ParseCPR(cpr); perr == nil {
		r, err = store.OpenRemovalByCPR(ctx, s.DB, s.Keys, number, partyID)
	}
	if err != nil || !r.Open() {
		return err
	}
	cause := store.RemovalRefusal(r)
	ue, _ := models.AsUserError(cause)
	return &Refusal{Kind: Conflict, UserError: ue, cause: cause}
}
