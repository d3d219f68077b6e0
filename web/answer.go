package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// The answer page: the link in every invitation leads here. No login: the
// unguessable token in the link is the key, tied to one lifecycle. The
// answer goes to the lifecycle as an Update, which accepts it or says why
// not; nothing is written here.

// answerChoices maps the form's choices to the lifecycle's updates.
var answerChoices = map[string]struct {
	update string
	answer *workflows.Answer
}{
	"ja":    {workflows.AnswerUpdate, &workflows.Answer{Accept: true}},
	"nej":   {workflows.AnswerUpdate, &workflows.Answer{Reason: models.DeclineNotThisTime}},
	"fjern": {workflows.AnswerUpdate, &workflows.Answer{Reason: models.DeclineRemoveMe}},
	"afbud": {workflows.WithdrawUpdate, nil},
}

// answerNotices are the thank-you notes the page shows after an answer.
var answerNotices = []string{"answer.thanks.ja", "answer.thanks.nej", "answer.thanks.fjern", "answer.thanks.afbud"}

func (s *server) answerTask(c *gin.Context) (store.TaskView, bool) {
	ctx := c.Request.Context()
	a, err := store.AssignmentByAnswerToken(ctx, s.DB, c.Param("token"))
	if errors.Is(err, store.ErrNotFound) {
		s.render(c, http.StatusNotFound, "answer_gone.html", "answer.unknown.title", map[string]any{"Message": "answer.unknown"})
		return store.TaskView{}, false
	} else if err != nil {
		s.fail(c, err)
		return store.TaskView{}, false
	}
	v, err := store.TaskOf(ctx, s.DB, a.ID)
	if err != nil {
		s.fail(c, err)
		return v, false
	}
	return v, true
}

func (s *server) answerForm(c *gin.Context) {
	v, ok := s.answerTask(c)
	if !ok {
		return
	}
	s.renderAnswer(c, http.StatusOK, v, noticeOf(c, answerNotices...), "")
}

func (s *server) renderAnswer(c *gin.Context, status int, v store.TaskView, notice, refusal string) {
	now := s.Now()
	s.render(c, status, "answer.html", "answer.title", map[string]any{
		"Task": v, "Notice": notice, "Refusal": refusal, "Self": c.Request.URL.Path,
		"Open":        v.Assignment.State == models.StateInvited && (v.Assignment.AnswerDeadline == nil || now.Before(*v.Assignment.AnswerDeadline)),
		"MayWithdraw": v.Assignment.State == models.StateConfirmed && now.Before(v.LockFrom),
		"Locked":      v.Assignment.State == models.StateConfirmed && !now.Before(v.LockFrom),
	})
}

func (s *server) answer(c *gin.Context) {
	v, ok := s.answerTask(c)
	if !ok {
		return
	}
	choice, known := answerChoices[c.PostForm("svar")]
	if !known {
		s.renderAnswer(c, http.StatusBadRequest, v, "", "answer.choose")
		return
	}
	var args []any
	if choice.answer != nil {
		ans := *choice.answer
		ans.By = "link"
		args = append(args, ans)
	} else {
		args = append(args, "link")
	}
	refusal, err := s.updateLifecycle(c.Request.Context(), v.Assignment, choice.update, args...)
	switch {
	case refusal != "":
		v, _ = store.TaskOf(c.Request.Context(), s.DB, v.Assignment.ID)
		s.renderAnswer(c, http.StatusConflict, v, "", refusal)
	case err != nil:
		s.Log.ErrorContext(c.Request.Context(), "answer not delivered", "assignment_id", v.Assignment.ID, "error", err)
		s.renderAnswer(c, http.StatusServiceUnavailable, v, "", "answer.unavailable")
	default:
		c.Redirect(http.StatusSeeOther, c.Request.URL.Path+"?besked=answer.thanks."+c.PostForm("svar"))
	}
}

// updateLifecycle sends an update to an assignment's lifecycle and returns
// the message key of a refusal, or the error when the lifecycle could not
// be reached. A lifecycle that has closed is explained by its final state.
func (s *server) updateLifecycle(ctx context.Context, a models.Assignment, update string, args ...any) (string, error) {
	if s.Temporal == nil {
		return "", errors.New("no Temporal client")
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := workflows.UpdateLifecycle(ctx, s.Temporal, a.WorkflowID, update, args...)
	if err == nil {
		return "", nil
	}
	kind := workflows.Refusal(err)
	if kind == workflows.RefusedEnded {
		switch a.State {
		case models.StateExpired:
			kind = workflows.RefusedDeadlinePassed
		case models.StateConfirmed, models.StateCompleted:
			kind = workflows.RefusedAlreadyConfirmed
		case models.StateDeclined:
			kind = workflows.RefusedAlreadyDeclined
		case models.StateNominated:
			kind = "NotInvited"
		}
	}
	if kind == "" {
		return "", err
	}
	return "answer.refused." + kind, nil
}

// assignment is the staff's (and the owning party secretary's) page of one
// person on one slot: the state, and for staff the actions on the person's
// behalf.
func (s *server) assignment(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	v, name, err := store.AssignmentFor(c.Request.Context(), s.DB, *currentUser(c), id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	s.renderAssignment(c, http.StatusOK, v, name, noticeOf(c, "assignment.done"), "")
}

func (s *server) renderAssignment(c *gin.Context, status int, v store.TaskView, name, notice, refusal string) {
	st := v.Assignment.State
	s.render(c, status, "assignment.html", "assignment.title", map[string]any{
		"Task": v, "Name": name, "Notice": notice, "Refusal": refusal,
		"MayAct":    staffWrite.allows(currentUser(c)) && (st == models.StateInvited || st == models.StateConfirmed),
		"MayAnswer": st == models.StateInvited,
	})
}

// staffActions are what staff may do for or to a person on a slot.
var staffActions = map[string]string{
	"ja": workflows.AnswerUpdate, "nej": workflows.AnswerUpdate, "fjern": workflows.AnswerUpdate,
	"annuller": workflows.CancelUpdate,
}

// actOnAssignment answers on a person's behalf (phone, letter) or cancels
// their invitation or task. Staff only; the lock period does not bind them.
func (s *server) actOnAssignment(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	u := currentUser(c)
	v, name, err := store.AssignmentFor(c.Request.Context(), s.DB, *u, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	action := c.PostForm("handling")
	update, known := staffActions[action]
	if !known {
		s.renderAssignment(c, http.StatusBadRequest, v, name, "", "answer.choose")
		return
	}
	by := "staff:" + strconv.FormatInt(u.ID, 10)
	var arg any = workflows.Cancellation{By: by}
	if update == workflows.AnswerUpdate {
		ans := *answerChoices[action].answer
		ans.By = by
		arg = ans
	}
	refusal, err := s.updateLifecycle(c.Request.Context(), v.Assignment, update, arg)
	switch {
	case refusal != "":
		s.renderAssignment(c, http.StatusConflict, v, name, "", refusal)
	case err != nil:
		s.Log.ErrorContext(c.Request.Context(), "staff action not delivered", "assignment_id", id, "error", err)
		s.renderAssignment(c, http.StatusServiceUnavailable, v, name, "", "answer.unavailable")
	default:
		c.Redirect(http.StatusSeeOther, "/tildelinger/"+c.Param("id")+"?besked=assignment.done")
	}
}
