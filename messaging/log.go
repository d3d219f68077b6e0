package messaging

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// ErrNotRetryable: only a failed message can be sent again. Re-exported so
// the web can tell it apart without importing store.
var ErrNotRetryable = store.ErrNotRetryable

// MessageLogView is an election's message log: its messages, each with its
// history, and how many could not be delivered.
type MessageLogView struct {
	Election models.Election
	Messages []models.MessageLog
	Failed   int64
}

// MessageLog returns an election's messages, newest first (at most limit):
// all of them, or only those with status. An unknown election is
// models.ErrNotFound.
func (s *Service) MessageLog(ctx context.Context, electionID int64, status models.MessageStatus, limit int) (MessageLogView, error) {
	var v MessageLogView
	err := s.DB.WithContext(ctx).First(&v.Election, electionID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return v, models.ErrNotFound
	} else if err != nil {
		return v, err
	}
	if v.Messages, err = store.ElectionMessages(ctx, s.DB, electionID, status, limit); err != nil {
		return v, err
	}
	v.Failed, err = store.CountFailedMessages(ctx, s.DB, electionID)
	return v, err
}

// retryStartTimeout bounds the wait for Temporal to start a retry.
const retryStartTimeout = 10 * time.Second

// RetryMessage sends a failed message again, on the channels that reach the
// person now: the message goes back to pending (ErrNotRetryable unless it
// had failed, so a double click retries once) and its retry workflow
// starts. The message is returned even when refused, so the caller knows
// its election.
func (s *Service) RetryMessage(ctx context.Context, actor models.User, messageID string) (models.Message, error) {
	m, err := store.RequestRetry(ctx, s.DB, actor, messageID, s.Now().UTC())
	if err != nil {
		return m, err
	}
	sctx, cancel := context.WithTimeout(ctx, retryStartTimeout)
	defer cancel()
	return m, workflows.StartRetryMessage(sctx, s.Temporal, s.TaskQueue, m.ID)
}
