package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// The message log: every message to a person, the channel that carried it,
// and its status history (attempts, provider receipts and callbacks). Staff
// read it per person and per election; failures show in the overview.

// NewMessageID returns a random UUID (version 4). One id serves every
// channel: it is the Digital Post messageUUID, the SMS idempotency key and
// the e-mail Message-ID's local part.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// PrepareMessage returns the message named by m.DedupeKey, creating it from
// m (with a new id, pending) the first time. The id is the one every
// attempt sends with.
func PrepareMessage(ctx context.Context, db *gorm.DB, m models.Message, now time.Time) (models.Message, error) {
	m.ID, m.Status, m.CreatedAt = NewMessageID(), models.MessagePending, now
	db = db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&m).Error; err != nil {
		return m, err
	}
	var found models.Message
	return found, db.Where("dedupe_key = ?", m.DedupeKey).First(&found).Error
}

// MessageByID reads one message; models.ErrNotFound when there is none.
func MessageByID(ctx context.Context, db *gorm.DB, id string) (models.Message, error) {
	var m models.Message
	err := db.WithContext(ctx).Where("id = ?", id).First(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, models.ErrNotFound
	}
	return m, err
}

// RecordAttempt writes how one attempt on a channel went: an event in the
// message's history, and the message's current status, channel and
// provider id. detail is the provider's error, never personal data.
func RecordAttempt(ctx context.Context, db *gorm.DB, id string, ch models.Channel, status models.MessageStatus, providerID, detail string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.MessageEvent{MessageID: id, At: now, Channel: string(ch), Status: string(status),
			ProviderID: providerID, Detail: detail}).Error; err != nil {
			return err
		}
		if status == models.MessageSent && ch == models.ChannelSMS && providerID != "" {
			// Twilio may report on a message before its send is recorded
			// (a fast status callback, found by our message id): that
			// report is the newer news. Other channels report afterwards.
			var early []string
			if err := tx.Model(&models.MessageEvent{}).Where("message_id = ? AND provider_id = ?", id, providerID).
				Order("id").Pluck("status", &early).Error; err != nil {
				return err
			}
			status = outcomeAfter(status, early)
		}
		fields := map[string]any{"status": status, "channel": string(ch), "error": detail, "provider_id": providerID}
		if status == models.MessageSent {
			fields["sent_at"] = now
		}
		return tx.Model(&models.Message{}).Where("id = ?", id).Updates(fields).Error
	})
}

// MarkMessage records the outcome of a message without a provider: it
// could not be sent at all (no channel reaches the person).
func MarkMessage(ctx context.Context, db *gorm.DB, id string, status models.MessageStatus, ch models.Channel, detail string, now time.Time) error {
	return RecordAttempt(ctx, db, id, ch, status, "", detail, now)
}

// RecordProviderStatus records a status a provider reported later (a
// Twilio status callback, a Digital Post receipt) for the message it knows
// by providerID. Delivered and failed change the message's status; the
// steps before them (queued, sending, sent) only add to its history. A
// status for a message that is already delivered or failed is history too,
// so callbacks arriving out of order do not turn a delivery back.
//
// messageID, when the provider echoes it (the SMS status callback's URL
// carries it), finds a message whose send is not yet recorded.
func RecordProviderStatus(ctx context.Context, db *gorm.DB, providerID, messageID, status, detail string, now time.Time) (models.Message, error) {
	var m models.Message
	if providerID == "" {
		return m, models.ErrNotFound
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("provider_id = ?", providerID).First(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) && messageID != "" {
			err = tx.Where("id = ? AND (provider_id IS NULL OR provider_id = '')", messageID).First(&m).Error
		}
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if err := tx.Create(&models.MessageEvent{MessageID: m.ID, At: now, Channel: m.Channel, Status: status,
			ProviderID: providerID, Detail: detail}).Error; err != nil {
			return err
		}
		next := providerOutcome(status)
		if next == "" || m.Status == models.MessageDelivered || (m.Status == models.MessageFailed && next != models.MessageDelivered) {
			return nil
		}
		m.Status, m.Error = next, detail
		return tx.Model(&models.Message{}).Where("id = ?", m.ID).Updates(map[string]any{"status": next, "error": detail}).Error
	})
	return m, err
}

// outcomeAfter is a send's status once the provider's earlier reports on
// it are counted: delivered beats failed beats the send itself.
func outcomeAfter(sent models.MessageStatus, reports []string) models.MessageStatus {
	out := sent
	for _, r := range reports {
		switch providerOutcome(r) {
		case models.MessageDelivered:
			return models.MessageDelivered
		case models.MessageFailed:
			out = models.MessageFailed
		}
	}
	return out
}

// providerOutcome maps a provider's status to the message's, "" for a step
// on the way.
func providerOutcome(status string) models.MessageStatus {
	switch status {
	case "delivered", "read", "COMPLETED":
		return models.MessageDelivered
	case "failed", "undelivered", "INVALID", "NOT_ALLOWED":
		return models.MessageFailed
	}
	return ""
}

// MessagesOf returns a person's messages, newest first, each with its
// history in order.
func MessagesOf(ctx context.Context, db *gorm.DB, participantID int64) ([]models.MessageLog, error) {
	var ms []models.Message
	if err := db.WithContext(ctx).Where("participant_id = ?", participantID).Order("created_at DESC, id").Find(&ms).Error; err != nil {
		return nil, err
	}
	return withEvents(ctx, db, ms)
}

// FailedMessages returns an election's messages that no channel could
// deliver, newest first, for the overview (at most limit).
func FailedMessages(ctx context.Context, db *gorm.DB, electionID int64, limit int) ([]models.MessageLog, error) {
	var ms []models.Message
	if err := db.WithContext(ctx).Where("election_id = ? AND status = ?", electionID, models.MessageFailed).
		Order("created_at DESC, id").Limit(limit).Find(&ms).Error; err != nil {
		return nil, err
	}
	return withEvents(ctx, db, ms)
}

// CountFailedMessages counts an election's undelivered messages.
func CountFailedMessages(ctx context.Context, db *gorm.DB, electionID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.Message{}).Where("election_id = ? AND status = ?", electionID, models.MessageFailed).Count(&n).Error
	return n, err
}

func withEvents(ctx context.Context, db *gorm.DB, ms []models.Message) ([]models.MessageLog, error) {
	out := make([]models.MessageLog, len(ms))
	ids := make([]string, len(ms))
	at := map[string]int{}
	for i, m := range ms {
		out[i].Message, ids[i], at[m.ID] = m, m.ID, i
	}
	if len(ids) == 0 {
		return out, nil
	}
	var evs []models.MessageEvent
	if err := db.WithContext(ctx).Where("message_id IN ?", ids).Order("at, id").Find(&evs).Error; err != nil {
		return nil, err
	}
	for _, e := range evs {
		out[at[e.MessageID]].Events = append(out[at[e.MessageID]].Events, e)
	}
	return out, nil
}

// OptOutSMS mirrors a STOP from a number (by its blind index): no SMS goes
// to it until it opts in again. Twice is once.
func OptOutSMS(ctx context.Context, db *gorm.DB, mobileIndex string, now time.Time) error {
	return db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.SMSOptOut{MobileIndex: mobileIndex, OptedOutAt: now}).Error
}

// OptInSMS mirrors a START: the number may get SMS again.
func OptInSMS(ctx context.Context, db *gorm.DB, mobileIndex string) error {
	return db.WithContext(ctx).Where("mobile_index = ?", mobileIndex).Delete(&models.SMSOptOut{}).Error
}

// SMSOptedOut reports whether a number has opted out.
func SMSOptedOut(ctx context.Context, db *gorm.DB, mobileIndex string) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.SMSOptOut{}).Where("mobile_index = ?", mobileIndex).Count(&n).Error
	return n > 0, err
}

// MarkDigitalPostExempt records that Digital Post refused a letter to a
// person, so the next message goes by another channel at once.
func MarkDigitalPostExempt(ctx context.Context, db *gorm.DB, participantID int64) error {
	return db.WithContext(ctx).Model(&models.Participant{}).Where("id = ?", participantID).
		Update("digital_post_exempt", true).Error
}

// OpenInvitation is an invitation awaiting the person's answer, as an SMS
// reply finds it: by the sender's number and, when there are several, the
// code printed in the SMS.
type OpenInvitation struct {
	AssignmentID int64
	WorkflowID   string
	Code         string
	TaskName     string
	Day          models.Date
}

// OpenInvitationsByMobile returns the open invitations (invited, in an
// active election) of the people with this mobile number's blind index,
// oldest first: as their own number or as a number a party typed on its
// membership (a message about that party's assignment went to it). A
// number shared by two people finds both people's.
func OpenInvitationsByMobile(ctx context.Context, db *gorm.DB, mobileIndex string) ([]OpenInvitation, error) {
	var out []OpenInvitation
	err := db.WithContext(ctx).Table("assignments a").
		Select("a.id AS assignment_id, a.workflow_id, COALESCE(t.sms_code, '') AS code, tt.name AS task_name, a.day").
		Joins("JOIN participants p ON p.id = a.participant_id").
		Joins("JOIN elections e ON e.id = a.election_id").
		Joins("JOIN task_types tt ON tt.id = a.task_type_id").
		Joins("LEFT JOIN answer_tokens t ON t.assignment_id = a.id").
		Where("(p.mobile_index = ? OR p.id IN (?)) AND a.state = ? AND e.state = ?", mobileIndex,
			db.Model(&models.PartyMembership{}).Select("participant_id").Where("mobile_index = ?", mobileIndex),
			models.StateInvited, models.ElectionActive).
		Order("a.invited_at, a.id").Scan(&out).Error
	return out, err
}

// ElectionMessages returns an election's messages, newest first, each with
// its history: all of them, or only those with status (at most limit).
func ElectionMessages(ctx context.Context, db *gorm.DB, electionID int64, status models.MessageStatus, limit int) ([]models.MessageLog, error) {
	q := db.WithContext(ctx).Where("election_id = ?", electionID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var ms []models.Message
	if err := q.Order("created_at DESC, id").Limit(limit).Find(&ms).Error; err != nil {
		return nil, err
	}
	return withEvents(ctx, db, ms)
}

// RequestRetry puts a failed message back to pending, with a "retry" step
// in its history naming who asked. Only a failed message can be retried
// (ErrNotRetryable otherwise), so a double click retries once.
func RequestRetry(ctx context.Context, db *gorm.DB, actor models.User, id string, now time.Time) (models.Message, error) {
	var m models.Message
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Message{}).Where("id = ? AND status = ?", id, models.MessageFailed).Update("status", models.MessagePending)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Where("id = ?", id).First(&m).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return ErrNotRetryable
		}
		if err := tx.Create(&models.MessageEvent{MessageID: id, At: now, Status: "retry",
			Detail: fmt.Sprintf("retry asked by user %d", actor.ID)}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).First(&m).Error
	})
	return m, err
}

// ErrNotRetryable: only a failed message can be sent again.
var ErrNotRetryable = errors.New("the message has not failed")

// RecipientOf is the person a message reaches, with the contact data it
// goes to: for a message about an assignment of a party, what that party
// typed on its membership when it typed a mobile number or an e-mail
// (models.ContactOf); otherwise, for a pool's assignment and for a message
// about no assignment, the person's own.
func RecipientOf(ctx context.Context, db *gorm.DB, participantID int64, assignmentID *int64) (models.Participant, error) {
	db = db.WithContext(ctx)
	var p models.Participant
	if err := db.First(&p, participantID).Error; err != nil {
		return p, err
	}
	if assignmentID == nil {
		return p, nil
	}
	var a models.Assignment
	if err := db.Select("id", "party_id").Where("id = ?", *assignmentID).Limit(1).Find(&a).Error; err != nil || a.ID == 0 {
		return p, err
	}
	var party models.Party
	if err := db.Where("id = ?", a.PartyID).Limit(1).Find(&party).Error; err != nil || party.Kind == models.Pool {
		return p, err
	}
	var m models.PartyMembership
	if err := db.Where("participant_id = ? AND party_id = ?", participantID, a.PartyID).Limit(1).Find(&m).Error; err != nil {
		return p, err
	}
	return models.ContactOf(p, m), nil
}
