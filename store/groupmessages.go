package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Group messages: the staff write one text to everyone in an election who
// matches a filter; a workflow (workflows.GroupMessage) sends each person
// their own copy, once however many slots they hold.

// GroupFilterOf returns the filter a group message was sent with.
func GroupFilterOf(gm models.GroupMessage) models.GroupFilter {
	f := models.GroupFilter{StationIDs: splitIDs(gm.StationIDs), TaskTypeIDs: splitIDs(gm.TaskTypeIDs), PartyIDs: splitIDs(gm.PartyIDs)}
	for _, s := range strings.Split(gm.States, ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.States = append(f.States, models.AssignmentState(s))
		}
	}
	return f
}

// checkGroupFilter refuses a state that no assignment can be in.
func checkGroupFilter(f models.GroupFilter) error {
	for _, s := range f.States {
		if !slices.Contains(models.GroupStates, s) {
			return fmt.Errorf("unknown assignment state %q", s)
		}
	}
	return nil
}

// groupScope narrows the election's assignments to the filter.
func groupScope(db *gorm.DB, electionID int64, f models.GroupFilter) *gorm.DB {
	q := db.Model(&models.Assignment{}).Where("election_id = ?", electionID)
	if len(f.StationIDs) > 0 {
		q = q.Where("station_id IN ?", f.StationIDs)
	}
	if len(f.TaskTypeIDs) > 0 {
		q = q.Where("task_type_id IN ?", f.TaskTypeIDs)
	}
	if len(f.PartyIDs) > 0 {
		q = q.Where("party_id IN ?", f.PartyIDs)
	}
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	return q
}

// GroupRecipients returns the next page of the people a filter reaches in
// an election: each participant once, however many matching assignments
// they hold, by id after afterID.
func GroupRecipients(ctx context.Context, db *gorm.DB, electionID int64, f models.GroupFilter, afterID int64, limit int) ([]int64, error) {
	var ids []int64
	err := groupScope(db.WithContext(ctx), electionID, f).Distinct("participant_id").
		Where("participant_id > ?", afterID).Order("participant_id").Limit(limit).Pluck("participant_id", &ids).Error
	return ids, err
}

// CountGroupRecipients counts the people a filter reaches, each once.
func CountGroupRecipients(ctx context.Context, db *gorm.DB, electionID int64, f models.GroupFilter) (int, error) {
	var n int64
	err := groupScope(db.WithContext(ctx), electionID, f).Distinct("participant_id").Count(&n).Error
	return int(n), err
}

// GroupMessageRecipients returns the next page of a recorded group
// message's recipients (GroupRecipients with its filter), as of now.
func GroupMessageRecipients(ctx context.Context, db *gorm.DB, groupID, afterID int64, limit int) ([]int64, error) {
	gm, err := GroupMessageByID(ctx, db, groupID)
	if err != nil {
		return nil, err
	}
	return GroupRecipients(ctx, db, gm.ElectionID, GroupFilterOf(gm), afterID, limit)
}

// PreviewGroupMessage counts the people a filter reaches in an election and
// returns the first n of their names. Staff, administrators and read-only
// staff only: the list crosses every party.
func PreviewGroupMessage(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f models.GroupFilter, n int) (models.GroupPreview, error) {
	var out models.GroupPreview
	if !mayReadAllParties(actor) {
		return out, models.ErrForbidden
	}
	if err := checkGroupFilter(f); err != nil {
		return out, err
	}
	var names []string
	err := db.WithContext(ctx).Model(&models.Participant{}).
		Where("id IN (?)", groupScope(db, electionID, f).Select("participant_id")).
		Pluck("name", &names).Error
	if err != nil {
		return out, err
	}
	// The database's collation is not Danish: sort here. An election has
	// at most a few thousand people.
	models.SortDanish(names, func(s string) string { return s })
	out.Count, out.Names = len(names), names[:min(n, len(names))]
	return out, nil
}

// CreateGroupMessage records a group message (gm's election, subject, body
// and filter, see models.GroupFilter.On) and counts its recipients. Staff and
// administrators only. The text is checked as a template of the kind
// group_message for e-mail (subject and body) and SMS (body): a
// *models.TemplateError lists every problem, with line and column. A filter that
// reaches no one is a *models.UserError. The caller starts its workflow
// (gm.WorkflowID).
func CreateGroupMessage(ctx context.Context, db *gorm.DB, actor models.User, gm models.GroupMessage) (models.GroupMessage, error) {
	if !isStaff(actor) {
		return gm, models.ErrForbidden
	}
	f := GroupFilterOf(gm)
	if err := checkGroupFilter(f); err != nil {
		return gm, err
	}
	for _, ch := range []string{"email", "sms"} {
		if _, _, err := CheckTemplate(models.KindGroupMessage, ch, gm.Subject, gm.Body); err != nil {
			return gm, err
		}
	}
	if gm.CreatedAt.IsZero() {
		gm.CreatedAt = time.Now()
	}
	gm.ID, gm.CreatedAt, gm.CreatedBy = 0, gm.CreatedAt.UTC(), &actor.ID
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.Election
		if err := tx.First(&e, gm.ElectionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		n, err := CountGroupRecipients(ctx, tx, gm.ElectionID, f)
		if err != nil {
			return err
		}
		if n == 0 {
			return models.Refuse("error.groupmessage.nobody")
		}
		gm.Recipients = n
		// The id is known only after the insert; the workflow id is
		// derived from it.
		gm.WorkflowID = payload.PendingGroupMessageID(gm.CreatedAt)
		if err := tx.Create(&gm).Error; err != nil {
			return err
		}
		gm.WorkflowID = payload.GroupMessageID(gm.ID)
		if err := tx.Model(&gm).Update("workflow_id", gm.WorkflowID).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: gm.CreatedAt, ActorID: &actor.ID, Action: models.AuditGroupMessage,
			Detail: fmt.Sprintf("group message %d to %d people in election %d", gm.ID, n, gm.ElectionID)})
	})
	return gm, err
}

// GroupMessageByID returns one group message; models.ErrNotFound when there is none.
func GroupMessageByID(ctx context.Context, db *gorm.DB, id int64) (models.GroupMessage, error) {
	var gm models.GroupMessage
	err := db.WithContext(ctx).First(&gm, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return gm, models.ErrNotFound
	}
	return gm, err
}

// GroupMessagesOf lists an election's group messages, newest first.
// Staff, administrators and read-only staff only.
func GroupMessagesOf(ctx context.Context, db *gorm.DB, actor models.User, electionID int64) ([]models.GroupMessage, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	var gms []models.GroupMessage
	return gms, db.WithContext(ctx).Where("election_id = ?", electionID).Order("id DESC").Find(&gms).Error
}

// GroupSendsOf counts the copies of a group message by status.
func GroupSendsOf(ctx context.Context, db *gorm.DB, groupID int64) (models.GroupSends, error) {
	n, err := tallySends(db.WithContext(ctx).Model(&models.Message{}).Select("status, COUNT(*) AS n").
		Where("group_message_id = ?", groupID).Group("status"))
	return models.GroupSends(n), err
}
