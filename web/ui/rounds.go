package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// rounds shows an election's recruitment rounds with progress bars and the
// form that launches a new one (recruit.Rounds). The page refreshes itself
// while a round runs; it needs no JavaScript.
func (s *server) rounds(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	v, err := s.Recruit.Rounds(c.Request.Context(), *site.User(c), id)
	if s.roundRefused(c, err, http.StatusConflict) {
		return
	}
	s.renderView(c, http.StatusOK, "rounds.html", "rounds.title", &roundsView{
		Page: Page{Refresh: v.AnyRunning}, RoundsView: v, MayLaunch: site.StaffWrite.Allows(site.User(c)),
		Notice: noticeOf(c, "rounds.launched", "rounds.signalled", "rounds.revalidate.started"),
	})
}

// roundsView is an election's rounds, refreshed while one runs, and the
// form that launches the next.
type roundsView struct {
	Page
	recruit.RoundsView
	MayLaunch bool
	Notice    string
}

// roundRefused answers a round use case's error on the error page and
// reports whether there was one; a conflict is answered with conflict (a
// launch's form shows it as 422, as every refusal of what was chosen).
func (s *server) roundRefused(c *gin.Context, err error, conflict int) bool {
	return s.pageRefused(c, err, func(status int, r refusal) {
		if st, _ := site.RefusalStatus(err); st == http.StatusConflict {
			status = conflict
		}
		s.render(c, status, "error.html", "rounds.title", map[string]any{"MessageText": r.Error})
	})
}

func formIDs(c *gin.Context, name string) []int64 {
	var ids []int64
	for _, v := range c.PostFormArray(name) {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// launchRound records a round and starts its workflow (recruit.LaunchRound).
func (s *server) launchRound(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	f := recruit.RoundFilter{StationIDs: formIDs(c, "station"), TaskTypeIDs: formIDs(c, "tasktype"), PartyIDs: formIDs(c, "party")}
	_, err := s.Recruit.LaunchRound(c.Request.Context(), *site.User(c), id, f)
	if s.roundRefused(c, err, http.StatusUnprocessableEntity) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/runder?besked=rounds.launched")
}

// signalRound pauses, resumes or cancels a round (recruit.SignalRound).
func (s *server) signalRound(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	r, err := s.Recruit.SignalRound(c.Request.Context(), *site.User(c), id, recruit.RoundSignal(c.Param("signal")))
	if s.roundRefused(c, err, http.StatusConflict) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(r.ElectionID, 10)+"/runder?besked=rounds.signalled")
}

// revalidate starts the check of an election's invited and confirmed
// people against the CPR register.
func (s *server) revalidate(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if s.roundRefused(c, s.Recruit.Revalidate(c.Request.Context(), id), http.StatusUnprocessableEntity) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/runder?besked=rounds.revalidate.started")
}
