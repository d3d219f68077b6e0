package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A JA by SMS from a number with an open day offer reaches the
// replacement's workflow as its accept update and is answered in words;
// the replacement's refusal is the reply; the code of an open invitation
// still answers that invitation; a reply not understood sends nothing.
func TestSMSReplyToADayOffer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSMSFixture(t, db)
		inv := f.open[0]
		absent := models.Assignment{SlotID: inv.SlotID, ParticipantID: f.person.ID + 1, ElectionID: inv.ElectionID, StationID: inv.StationID,
			TaskTypeID: inv.TaskTypeID, PartyID: inv.PartyID, Day: inv.Day, State: models.StateNoShow,
			WorkflowID: payload.LifecycleID(inv.SlotID, f.person.ID+1), NominatedAt: now, UpdatedAt: now}
		if err := db.Create(&absent).Error; err != nil {
			t.Fatal(err)
		}
		offer := models.DayOffer{ElectionID: inv.ElectionID, AbsentAssignmentID: absent.ID, ParticipantID: f.person.ID, Source: models.FromPool,
			State: models.DayOfferAsked, WorkflowID: payload.DayReplacementID(absent.ID), AskedAt: now.Add(-30 * time.Minute)}
		if err := db.Create(&offer).Error; err != nil {
			t.Fatal(err)
		}
		twiml := func(body string) string {
			t.Helper()
			rec := f.post("/webhooks/twilio/sms", reply(mobile, body), "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
			}
			return rec.Body.String()
		}
		if got := twiml("måske"); !strings.Contains(got, "forstod ikke") || len(f.temporal.sent()) != 0 {
			t.Fatalf("not understood: %s, updates %v", got, f.temporal.sent())
		}
		if got := twiml("Ja"); !strings.Contains(got, "Pladsen er din") {
			t.Errorf("JA: %s", got)
		}
		sent := f.temporal.sent()
		if len(sent) != 1 || sent[0].workflowID != offer.WorkflowID || sent[0].name != workflows.DayAcceptUpdate {
			t.Fatalf("updates %+v", sent)
		}
		f.temporal.refuse = temporal.NewApplicationError("taken", workflows.RefusedTaken)
		if got := twiml("JA"); !strings.Contains(got, "Tak, men pladsen er allerede taget") {
			t.Errorf("JA after the slot was taken: %s", got)
		}
		f.temporal.refuse = nil
		if got := twiml("JA 1111"); !strings.Contains(got, "Tak! Du er nu tilmeldt") {
			t.Errorf("JA with an invitation's code: %s", got)
		}
		if last := f.temporal.sent()[len(f.temporal.sent())-1]; last.workflowID != inv.WorkflowID || last.name != workflows.AnswerUpdate {
			t.Errorf("JA 1111 went to %+v", last)
		}
	})
}
