package ui

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

// The message log: every message of an election with its channel and
// status history, and a way to send a failed one again. Staff only: which
// messages a person got tells which election work they were nominated for.

const messageLogLimit = 500

// messageLog lists an election's messages, newest first; ?status=failed
// shows only those no channel could deliver.
func (s *server) messageLog(c *gin.Context) {
	ctx := c.Request.Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var e models.Election
	if err := s.DB.WithContext(ctx).First(&e, id).Error; err != nil {
		s.notFound(c)
		return
	}
	status := models.MessageStatus(c.Query("status"))
	switch status {
	case "", models.MessagePending, models.MessageSent, models.MessageDelivered, models.MessageFailed:
	default:
		status = ""
	}
	msgs, err := store.ElectionMessages(ctx, s.DB, e.ID, status, messageLogLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	failed, err := store.CountFailedMessages(ctx, s.DB, e.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "message_log.html", "messagelog.title", map[string]any{"Election": e, "Messages": msgs,
		"Status": string(status), "Failed": failed, "MayRetry": staffWrite.Allows(currentUser(c)),
		"Notice": noticeOf(c, "messagelog.retrying", "messagelog.notretryable"), "Capped": len(msgs) == messageLogLimit})
}

// retryMessage sends a failed message again, on the channels that reach the
// person now.
func (s *server) retryMessage(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	m, err := store.RequestRetry(ctx, s.DB, *u, c.Param("id"), s.Now().UTC())
	back := "/valg/" + strconv.FormatInt(derefID(m.ElectionID), 10) + "/beskedlog?status=failed"
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return
	case errors.Is(err, store.ErrNotRetryable):
		c.Redirect(http.StatusSeeOther, back+"&besked=messagelog.notretryable")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := workflows.StartRetryMessage(sctx, s.Temporal, s.TaskQueue, m.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, back+"&besked=messagelog.retrying")
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
