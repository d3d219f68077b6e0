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

// roundRow is a round with its progress: the workflow's own count of
// lifecycles started, and the database's count of invitations sent.
type roundRow struct {
	models.Round
	Progress workflows.RoundProgress
	Sends    store.RoundSends
	Known    bool // the workflow answered the progress query
	Running  bool
	Percent  int
}

// rounds shows an election's recruitment rounds with progress bars and the
// form that launches a new one. The page refreshes itself while a round
// runs; it needs no JavaScript.
func (s *server) rounds(c *gin.Context) {
	ctx := c.Request.Context()
	u := *currentUser(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var e models.Election
	if err := s.DB.WithContext(ctx).First(&e, id).Error; err != nil {
		s.notFound(c)
		return
	}
	rs, err := store.RoundsOf(ctx, s.DB, u, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]roundRow, len(rs))
	anyRunning := false
	for i, r := range rs {
		rows[i] = s.roundRow(ctx, r)
		anyRunning = anyRunning || rows[i].Running
	}
	var stations []models.PollingStation
	var taskTypes []models.TaskType
	var parties []models.Party
	db := s.DB.WithContext(ctx)
	db.Order("district").Find(&stations)
	db.Order("name").Find(&taskTypes)
	db.Order("kind, letter, name").Find(&parties)
	s.render(c, http.StatusOK, "rounds.html", "rounds.title", map[string]any{
		"Election": e, "Rounds": rows, "Refresh": anyRunning, "MayLaunch": staffWrite.allows(currentUser(c)),
		"Stations": stations, "TaskTypes": taskTypes, "Parties": parties,
		"Notice": noticeOf(c, "rounds.launched", "rounds.signalled", "rounds.revalidate.started"),
	})
}

func (s *server) roundRow(ctx context.Context, r models.Round) roundRow {
	row := roundRow{Round: r}
	if s.Temporal != nil {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := workflows.QueryRound(qctx, s.Temporal, r.WorkflowID)
		cancel()
		row.Progress, row.Known = p, err == nil
	}
	row.Sends, _ = store.RoundSendsOf(ctx, s.DB, r.ID)
	row.Running = row.Known && !row.Progress.Done && !row.Progress.Cancelled
	if t := row.Progress.Total; t > 0 {
		row.Percent = min(100, 100*(row.Sends.Sent+row.Sends.Failed)/t)
	} else if row.Progress.Done {
		row.Percent = 100
	}
	return row
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

// launchRound records a round and starts its workflow.
func (s *server) launchRound(c *gin.Context) {
	ctx := c.Request.Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	f := store.RoundFilter{StationIDs: formIDs(c, "station"), TaskTypeIDs: formIDs(c, "tasktype"), PartyIDs: formIDs(c, "party")}
	r, err := store.CreateRound(ctx, s.DB, *currentUser(c), id, f, s.Now().UTC())
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "rounds.title", map[string]any{"MessageText": errText(c, ue)})
		return
	case errors.Is(err, store.ErrNotFound):
		s.notFound(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	if err := workflows.StartRound(ctx, s.Temporal, s.TaskQueue, workflows.RoundRef{ID: r.ID, ElectionID: id, WorkflowID: r.WorkflowID}); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/runder?besked=rounds.launched")
}

// roundSignals maps the buttons of a running round to its signals.
var roundSignals = map[string]string{
	"pause": workflows.RoundPauseSignal, "genoptag": workflows.RoundResumeSignal, "annuller": workflows.RoundCancelSignal,
}

// signalRound pauses, resumes or cancels a round.
func (s *server) signalRound(c *gin.Context) {
	ctx := c.Request.Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	r, err := store.RoundByID(ctx, s.DB, *currentUser(c), id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c)
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	signal, ok := roundSignals[c.Param("signal")]
	if !ok {
		s.notFound(c)
		return
	}
	if err := workflows.SignalRound(ctx, s.Temporal, r.WorkflowID, signal); err != nil {
		s.render(c, http.StatusConflict, "error.html", "rounds.title", map[string]any{"Message": "rounds.notrunning"})
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(r.ElectionID, 10)+"/runder?besked=rounds.signalled")
}

// revalidate starts the check of an election's invited and confirmed
// people against the CPR register.
func (s *server) revalidate(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var e models.Election
	if err := s.DB.WithContext(c.Request.Context()).First(&e, id).Error; err != nil {
		s.notFound(c)
		return
	}
	if e.State != models.ElectionActive {
		s.render(c, http.StatusUnprocessableEntity, "error.html", "rounds.title", map[string]any{"Message": "rounds.revalidate.inactive"})
		return
	}
	if _, err := workflows.StartRevalidation(c.Request.Context(), s.Temporal, s.TaskQueue, id, s.Now()); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+c.Param("id")+"/runder?besked=rounds.revalidate.started")
}
