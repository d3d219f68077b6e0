package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// electionRow is an election with the state it may move to next.
type electionRow struct {
	models.Election
	Next models.ElectionState
}

// elections lists the elections, newest first, for staff.
func (s *server) elections(c *gin.Context) {
	var es []models.Election
	if err := s.DB.WithContext(c.Request.Context()).Order("election_day DESC").Find(&es).Error; err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]electionRow, len(es))
	for i, e := range es {
		rows[i].Election = e
		rows[i].Next, _ = models.NextElectionState(e.State)
	}
	s.render(c, http.StatusOK, "elections.html", "elections.title", map[string]any{
		"Elections": rows, "MayEdit": staffWrite.allows(currentUser(c)), "Notice": noticeOf(c, "elections.changed", "elections.created"),
	})
}

// setElectionState moves an election on: draft → active → closed.
func (s *server) setElectionState(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := store.SetElectionState(c.Request.Context(), s.DB, *currentUser(c), id, models.ElectionState(c.PostForm("state")), s.Now().UTC())
	var ue *store.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "elections.title", map[string]any{"MessageText": ue.Reason})
	case errors.Is(err, store.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, store.ErrStale):
		c.Redirect(http.StatusSeeOther, "/valg")
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valg?besked=elections.changed")
	}
}

// createElection adds a draft election from the elections page.
func (s *server) createElection(c *gin.Context) {
	_, err := store.CreateElection(c.Request.Context(), s.DB, *currentUser(c), c.PostForm("title"),
		models.ElectionKind(c.PostForm("kind")), c.PostForm("day"), s.Now())
	var ue *store.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "elections.title", map[string]any{"MessageText": ue.Reason})
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valg?besked=elections.created")
	}
}
