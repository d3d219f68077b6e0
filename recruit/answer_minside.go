package recruit

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// ByMinSide is who answered when the person did on Min side: the
// lifecycle's "by" of such an answer.
const ByMinSide = "minside"

// AnswerOnMinSide answers for the person of a volunteer session on Min
// side — yes, no, "remove me", or withdraw after a yes — through the same
// lifecycle Update and with the same refusals as the link in the
// invitation. An assignment that is not participantID's is NotFound, as an
// unknown one. It returns the task as it is after the answer (for a
// refusal, as it is now).
func (s *Service) AnswerOnMinSide(ctx context.Context, participantID, assignmentID int64, choice Choice) (models.TaskView, error) {
	v, err := store.OwnTask(ctx, s.DB, participantID, assignmentID)
	if err != nil {
		return v, fromStore(err)
	}
	if choice == Cancel {
		return v, refuseField(Invalid, "svar", "error.recruit.answer.choose")
	}
	if err := s.answer(ctx, v.Assignment, choice, ByMinSide); err != nil {
		if AnswerRefusal(err) != "" {
			if now, rerr := store.TaskOf(ctx, s.DB, v.Assignment.ID); rerr == nil {
				v = now
			}
		}
		return v, err
	}
	if now, err := store.TaskOf(ctx, s.DB, v.Assignment.ID); err == nil {
		v = now
	}
	return v, nil
}
