package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The message log: every message of an election with its channel and
// status history, and a way to send a failed one again. Staff only: which
// messages a person got tells which election work they were nominated for.

const messageLogLimit = 500

// messageLog lists an election's messages, newest first; ?status=failed
// shows only those no channel could deliver.
func (s *server) messageLog(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	status := models.MessageStatus(c.Query("status"))
	switch status {
	case "", models.MessagePending, models.MessageSent, models.MessageDelivered, models.MessageFailed:
	default:
		status = ""
	}
	v, err := s.Messaging.MessageLog(c.Request.Context(), id, status, messageLogLimit)
	if s.readFailed(c, err) {
		return
	}
	s.renderView(c, http.StatusOK, "message_log.html", "messagelog.title", &messageLogView{MessageLogView: v,
		Status: string(status), MayRetry: site.StaffWrite.Allows(site.User(c)),
		Notice: noticeOf(c, "messagelog.retrying", "messagelog.notretryable"), Capped: len(v.Messages) == messageLogLimit})
}

// messageLogView is an election's messages with their histories.
type messageLogView struct {
	Page
	messaging.MessageLogView
	Status           string // the filter: "" for every message
	MayRetry, Capped bool
	Notice           string
}

// retryMessage sends a failed message again, on the channels that reach the
// person now.
func (s *server) retryMessage(c *gin.Context) {
	m, err := s.Messaging.RetryMessage(c.Request.Context(), *site.User(c), c.Param("id"))
	back := "/valg/" + strconv.FormatInt(derefID(m.ElectionID), 10) + "/beskedlog?status=failed"
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return
	case errors.Is(err, messaging.ErrNotRetryable):
		c.Redirect(http.StatusSeeOther, back+"&besked=messagelog.notretryable")
		return
	case err != nil:
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
