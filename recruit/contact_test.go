package recruit_test

import (
	"context"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// An SMS reply from the number the person's party typed on its membership
// (not the person's own) finds the invitation and answers it.
func TestSMSReplyFromTheNumberAPartyTypedAnswersTheInvitation(t *testing.T) {
	ctx := context.Background()
	f := newAnswering(t)
	const typed = "+4530000002"
	keys := f.svc.Keys
	index := store.MobileIndex(keys, typed)
	m := models.PartyMembership{Mobile: models.NewSecret(typed), MobileIndex: &index}
	if err := f.svc.DB.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", f.invited.ParticipantID, f.invited.PartyID).
		Select("mobile", "mobile_index").Updates(&m).Error; err != nil {
		t.Fatal(err)
	}
	reply, err := f.svc.AnswerSMS(ctx, typed, "JA")
	if err != nil || reply.Key != "recruit.sms.yes" {
		t.Fatalf("yes from the party's number: %+v %v", reply, err)
	}
	if len(f.temporal.updates) != 1 || f.temporal.updates[0].WorkflowID != f.invited.WorkflowID ||
		f.temporal.updates[0].Args[0].(workflows.Answer) != (workflows.Answer{Accept: true, By: "sms"}) {
		t.Errorf("updates sent: %+v", f.temporal.updates)
	}
}
