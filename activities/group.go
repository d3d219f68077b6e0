package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Group messages (store.CreateGroupMessage): the workflow pages over the
// recipients by id, and each person's copy is planned and delivered as any
// other message, with the staff's own text instead of a template.

// GroupDelivery names one person's copy of a group message.
type GroupDelivery struct {
	GroupID       int64
	ParticipantID int64
}

// GroupRecipientsPage returns the next page of a group message's
// recipients: participant ids after afterID, each person once.
func (a *Activities) GroupRecipientsPage(ctx context.Context, groupID, afterID int64, limit int) ([]int64, error) {
	ids, err := store.GroupMessageRecipients(ctx, a.DB, groupID, afterID, limit)
	if errors.Is(err, models.ErrNotFound) {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("group message %d does not exist", groupID), "NotFound", nil)
	}
	return ids, err
}

// PlanGroupMessage makes (or finds) a person's copy of a group message and
// picks the channels that can reach them. The copy is named by the group
// and the person, so a rerun of the workflow finds it sent.
func (a *Activities) PlanGroupMessage(ctx context.Context, in GroupDelivery) (MessagePlan, error) {
	gm, err := store.GroupMessageByID(ctx, a.DB, in.GroupID)
	if errors.Is(err, models.ErrNotFound) {
		return MessagePlan{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("group message %d does not exist", in.GroupID), "NotFound", nil)
	} else if err != nil {
		return MessagePlan{}, err
	}
	msg, err := store.PrepareMessage(ctx, a.DB, models.Message{DedupeKey: fmt.Sprintf("group-%d/person-%d", gm.ID, in.ParticipantID),
		Kind: models.KindGroupMessage, GroupMessageID: &gm.ID, ParticipantID: &in.ParticipantID, ElectionID: &gm.ElectionID}, a.now())
	if err != nil {
		return MessagePlan{}, err
	}
	return a.planFor(ctx, msg, in.ParticipantID)
}

// renderGroup fills in a person's copy of a group message for a channel:
// the staff's subject and body (SMS: the body alone) with the person's
// name, the municipality's and the election's.
func (a *Activities) renderGroup(ctx context.Context, msg models.Message, ch models.Channel, m models.Municipality) (rendered, error) {
	if msg.ParticipantID == nil {
		return rendered{}, temporal.NewNonRetryableApplicationError("message "+msg.ID+" has no participant", "BadMessage", nil)
	}
	gm, err := store.GroupMessageByID(ctx, a.DB, *msg.GroupMessageID)
	if err != nil {
		return rendered{}, err
	}
	db := a.DB.WithContext(ctx)
	var (
		p models.Participant
		e models.Election
	)
	if err := db.First(&p, *msg.ParticipantID).Error; err != nil {
		return rendered{}, err
	}
	if err := db.First(&e, gm.ElectionID).Error; err != nil {
		return rendered{}, err
	}
	values := models.WithSite(map[string]string{"participant:name": p.Name, "election:name": e.Title}, m)
	return renderFor(ch, gm.Subject, gm.Body, models.GroupMessageFields, values, p)
}
