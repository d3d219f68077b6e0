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

// Group messages: the staff write to everyone in an election who matches a
// filter. Sending one is recruit.SendGroupMessage (it starts the workflow
// beside the rounds); here are the list and the preview.

// GroupMessageRow is a sent group message with its progress: the
// workflow's count of people served and the database's count of copies
// sent and failed.
type GroupMessageRow struct {
	models.GroupMessage
	Progress workflows.GroupMessageProgress
	Sends    models.GroupSends
	Known    bool // the workflow answered the progress query
	Running  bool
	Percent  int
}

// GroupMessagesView is an election's group messages page: the messages
// sent, and what a new one can be filtered by.
type GroupMessagesView struct {
	Election models.Election
	Messages []GroupMessageRow
	models.Choices
}

// groupQueryTimeout bounds the wait for a group message's progress.
const groupQueryTimeout = 5 * time.Second

// GroupMessages is an election's group messages, newest first, with their
// progress and the filter's choices. An unknown election is
// models.ErrNotFound; store refuses anyone who may not read across parties.
func (s *Service) GroupMessages(ctx context.Context, actor models.User, electionID int64) (GroupMessagesView, error) {
	var v GroupMessagesView
	db := s.DB.WithContext(ctx)
	err := db.First(&v.Election, electionID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return v, models.ErrNotFound
	} else if err != nil {
		return v, err
	}
	gms, err := store.GroupMessagesOf(ctx, s.DB, actor, electionID)
	if err != nil {
		return v, err
	}
	v.Messages = make([]GroupMessageRow, len(gms))
	for i, gm := range gms {
		v.Messages[i] = s.groupMessageRow(ctx, gm)
	}
	v.Choices, err = store.ChoicesOf(ctx, s.DB)
	return v, err
}

// groupMessageRow asks the workflow for its progress; a workflow that does
// not answer (Temporal down, history gone) leaves the row unknown rather
// than failing the page.
func (s *Service) groupMessageRow(ctx context.Context, gm models.GroupMessage) GroupMessageRow {
	row := GroupMessageRow{GroupMessage: gm}
	if s.Temporal != nil {
		qctx, cancel := context.WithTimeout(ctx, groupQueryTimeout)
		p, err := workflows.QueryGroupMessage(qctx, s.Temporal, gm.WorkflowID)
		cancel()
		row.Progress, row.Known = p, err == nil
	}
	row.Sends, _ = store.GroupSendsOf(ctx, s.DB, gm.ID)
	row.Running = row.Known && !row.Progress.Done
	if gm.Recipients > 0 {
		row.Percent = min(100, 100*(row.Sends.Sent+row.Sends.Failed)/gm.Recipients)
	}
	if row.Progress.Done {
		row.Percent = 100
	}
	return row
}

// PreviewGroupMessage is who a filter reaches in an election: how many, and
// the first n names. Staff, administrators and read-only staff only.
func (s *Service) PreviewGroupMessage(ctx context.Context, actor models.User, electionID int64, f models.GroupFilter, n int) (models.GroupPreview, error) {
	return store.PreviewGroupMessage(ctx, s.DB, actor, electionID, f, n)
}
