package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// The answer page: the link in every invitation leads here. No login: the
// unguessable token in the link is the key, tied to one lifecycle. The
// answer goes to the lifecycle as an Update, which accepts it or says why
// not; nothing is written here.

// answerNotices are the thank-you notes the page shows after an answer.
var answerNotices = []string{"answer.thanks.ja", "answer.thanks.nej", "answer.thanks.fjern", "answer.thanks.afbud"}

func (s *server) answerTask(c *gin.Context) (models.TaskView, bool) {
	v, err := s.Recruit.TaskByToken(c.Request.Context(), c.Param("token"))
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusNotFound {
		s.answerGone(c)
		return v, false
	} else if err != nil {
		s.fail(c, err)
		return v, false
	}
	return v, true
}

// answerGone is the page of a link that leads nowhere (unknown, replaced
// or expired): it shows the secretariat's contact details as the answer
// page does, so the two differ only in what the link may know.
func (s *server) answerGone(c *gin.Context) {
	s.render(c, http.StatusNotFound, "answer_gone.html", "answer.unknown.title",
		map[string]any{"Message": "answer.unknown", "Contact": s.secretariat(c)})
}

// secretariat is the election secretariat's contact details for the
// citizen's pages; none when they cannot be read (the page is still
// useful without them).
func (s *server) secretariat(c *gin.Context) models.Municipality {
	m, _ := s.Setup.Municipality(c.Request.Context())
	return m
}

func (s *server) answerForm(c *gin.Context) {
	v, ok := s.answerTask(c)
	if !ok {
		return
	}
	s.renderAnswer(c, http.StatusOK, v, noticeOf(c, answerNotices...), "")
}

func (s *server) renderAnswer(c *gin.Context, status int, v models.TaskView, notice, refusal string) {
	now := s.Now()
	s.renderView(c, status, "answer.html", "answer.title", &answerView{
		Task: v, Notice: notice, Refusal: refusal, Self: c.Request.URL.Path, Contact: s.secretariat(c),
		Open:        v.Assignment.State == models.StateInvited && (v.Assignment.AnswerDeadline == nil || now.Before(*v.Assignment.AnswerDeadline)),
		MayWithdraw: v.Assignment.State == models.StateConfirmed && now.Before(v.LockFrom),
		Locked:      v.Assignment.State == models.StateConfirmed && !now.Before(v.LockFrom),
		// "Nej, og fjern mig fra listen": the page says the person is off
		// the list (the lifecycle applied the answer; recruit/removal.go).
		RemovedFromList: v.Assignment.State == models.StateDeclined && v.Assignment.DeclineReason == models.DeclineRemoveMe,
	})
}

// answerView is the answer page: the task offered and what its person may do now.
type answerView struct {
	Page
	Task                      models.TaskView
	Notice, Refusal           string
	Self                      string // the page's own path, which the citizen layout links to
	Open, MayWithdraw, Locked bool
	RemovedFromList           bool
	Contact                   models.Municipality // the secretariat's contact details, where set
}

// answer answers the invitation of the link (recruit.AnswerByLink).
func (s *server) answer(c *gin.Context) {
	choice := c.PostForm("svar")
	v, err := s.Recruit.AnswerByLink(c.Request.Context(), c.Param("token"), recruit.Choice(choice))
	if err == nil {
		c.Redirect(http.StatusSeeOther, c.Request.URL.Path+"?besked=answer.thanks."+choice)
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusNotFound:
		s.answerGone(c)
	case refused:
		s.renderAnswer(c, answerStatus(status), v, "", site.ErrText(c, err))
	default:
		s.fail(c, err)
	}
}

// answerStatus is the status of a refused answer: an answer that is none
// of the choices is a bad request.
func answerStatus(status int) int {
	if status == http.StatusUnprocessableEntity {
		return http.StatusBadRequest
	}
	return status
}

// assignment is the staff's (and the owning party secretary's) page of one
// person on one slot: the state, and for staff the actions on the person's
// behalf.
func (s *server) assignment(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	t, err := s.Recruit.AssignmentFor(c.Request.Context(), *site.User(c), id)
	if status, refused := site.RefusalStatus(err); refused && status == http.StatusNotFound {
		s.notFound(c)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	s.renderAssignment(c, http.StatusOK, t.View, t.Name, noticeOf(c, "assignment.done"), "")
}

func (s *server) renderAssignment(c *gin.Context, status int, v models.TaskView, name, notice, refusal string) {
	st := v.Assignment.State
	s.renderView(c, status, "assignment.html", "assignment.title", &assignmentView{
		Task: v, Name: name, Notice: notice, Refusal: refusal,
		MayAct:    site.StaffWrite.Allows(site.User(c)) && (st == models.StateInvited || st == models.StateConfirmed),
		MayAnswer: st == models.StateInvited,
	})
}

// assignmentView is the staff's page of one person on one slot.
type assignmentView struct {
	Page
	Task                  models.TaskView
	Name, Notice, Refusal string
	MayAct, MayAnswer     bool
}

// actOnAssignment answers on a person's behalf (phone, letter) or cancels
// their invitation or task (recruit.ActOnAssignment). Staff only; the lock
// period does not bind them.
func (s *server) actOnAssignment(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	t, err := s.Recruit.ActOnAssignment(c.Request.Context(), *site.User(c), id, recruit.Choice(c.PostForm("handling")))
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/tildelinger/"+c.Param("id")+"?besked=assignment.done")
		return
	}
	status, refused := site.RefusalStatus(err)
	switch {
	case refused && status == http.StatusNotFound:
		s.notFound(c)
	case refused && status == http.StatusForbidden:
		s.forbidden(c)
	case refused:
		s.renderAssignment(c, answerStatus(status), t.View, t.Name, "", site.ErrText(c, err))
	default:
		s.fail(c, err)
	}
}
