package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows/payload"
)

// RoundFilter narrows a recruitment round; an empty list means all.
type RoundFilter struct {
	StationIDs, TaskTypeIDs, PartyIDs []int64
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func splitIDs(s string) []int64 {
	var ids []int64
	for _, f := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// FilterOf returns the filter a round was launched with.
func FilterOf(r models.Round) RoundFilter {
	return RoundFilter{StationIDs: splitIDs(r.StationIDs), TaskTypeIDs: splitIDs(r.TaskTypeIDs), PartyIDs: splitIDs(r.PartyIDs)}
}

// CreateRound records a recruitment round for an active election. Staff
// only. The caller starts its workflow (Round.WorkflowID).
func CreateRound(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, f RoundFilter, now time.Time) (models.Round, error) {
	r := models.Round{ElectionID: electionID, StationIDs: joinIDs(f.StationIDs), TaskTypeIDs: joinIDs(f.TaskTypeIDs),
		PartyIDs: joinIDs(f.PartyIDs), CreatedBy: &actor.ID, CreatedAt: now}
	if !isStaff(actor) || actor.Role == models.RoleReadOnly {
		return r, models.ErrForbidden
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.Election
		if err := tx.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if e.State != models.ElectionActive {
			return models.Refuse("error.round.notactive")
		}
		r.WorkflowID = payload.RoundID(electionID, now)
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditRound,
			Detail: fmt.Sprintf("round %d for election %d launched", r.ID, electionID)})
	})
	return r, err
}

func roundScope(db *gorm.DB, r models.Round) *gorm.DB {
	f := FilterOf(r)
	q := db.Model(&models.Assignment{}).Where("election_id = ? AND state = ?", r.ElectionID, models.StateNominated).
		// Nobody the party may not contact again (store/removals.go).
		Where("NOT EXISTS (?)", openRemovalExists(db, "assignments.participant_id", "assignments.party_id"))
	if len(f.StationIDs) > 0 {
		q = q.Where("station_id IN ?", f.StationIDs)
	}
	if len(f.TaskTypeIDs) > 0 {
		q = q.Where("task_type_id IN ?", f.TaskTypeIDs)
	}
	if len(f.PartyIDs) > 0 {
		q = q.Where("party_id IN ?", f.PartyIDs)
	}
	return q
}

// RoundPage returns the next page of a round's people still to invite
// (nominated, matching the filter, id after afterID) and marks them as the
// round's. People invited meanwhile, by this or another round, are not
// nominated any more and so never come twice.
func RoundPage(ctx context.Context, db *gorm.DB, roundID, afterID int64, limit int) ([]models.Assignment, error) {
	db = db.WithContext(ctx)
	var r models.Round
	if err := db.First(&r, roundID).Error; err != nil {
		return nil, err
	}
	var as []models.Assignment
	if err := roundScope(db, r).Where("id > ?", afterID).Order("id").Limit(limit).Find(&as).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	if len(ids) > 0 {
		if err := db.Model(&models.Assignment{}).Where("id IN ? AND round_id IS NULL", ids).Update("round_id", roundID).Error; err != nil {
			return nil, err
		}
	}
	return as, nil
}

// CountRound returns how many people a round has to invite now.
func CountRound(ctx context.Context, db *gorm.DB, roundID int64) (int, error) {
	var r models.Round
	if err := db.WithContext(ctx).First(&r, roundID).Error; err != nil {
		return 0, err
	}
	var n int64
	err := roundScope(db.WithContext(ctx), r).Count(&n).Error
	return int(n), err
}

// Sends counts messages by how their send went.
type Sends struct{ Sent, Failed, Pending int }

// RoundSends counts a round's invitations by how their send went.
type RoundSends = Sends

// RoundSendsOf counts the invitation messages of a round's people.
func RoundSendsOf(ctx context.Context, db *gorm.DB, roundID int64) (RoundSends, error) {
	return tallySends(db.WithContext(ctx).Model(&models.Message{}).Select("messages.status AS status, COUNT(*) AS n").
		Joins("JOIN assignments ON assignments.id = messages.assignment_id").
		Where("assignments.round_id = ? AND messages.kind = ?", roundID, models.KindInvitation).
		Group("messages.status"))
}

// tallySends runs q, a count of messages grouped by status, into Sends.
func tallySends(q *gorm.DB) (Sends, error) {
	var rows []struct {
		Status models.MessageStatus
		N      int
	}
	err := q.Scan(&rows).Error
	var s Sends
	for _, r := range rows {
		switch r.Status {
		case models.MessageSent, models.MessageDelivered:
			s.Sent += r.N
		case models.MessageFailed:
			s.Failed += r.N
		default:
			s.Pending += r.N
		}
	}
	return s, err
}

// RoundsOf lists an election's rounds, newest first. Staff only.
func RoundsOf(ctx context.Context, db *gorm.DB, actor models.User, electionID int64) ([]models.Round, error) {
	if !isStaff(actor) {
		return nil, models.ErrForbidden
	}
	var rs []models.Round
	return rs, db.WithContext(ctx).Where("election_id = ?", electionID).Order("id DESC").Find(&rs).Error
}

// RoundByID returns one round. Staff only.
func RoundByID(ctx context.Context, db *gorm.DB, actor models.User, id int64) (models.Round, error) {
	var r models.Round
	if !isStaff(actor) {
		return r, models.ErrForbidden
	}
	err := db.WithContext(ctx).First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, models.ErrNotFound
	}
	return r, err
}
