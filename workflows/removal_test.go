package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// "Nej, og fjern mig fra listen" applied by the lifecycle: its projection
// write takes the person off the party's list and its reserve list (so the
// slot it reopens, and every other, never picks them), records the removal
// once, and the confirmation says they are off the list; a plain "no" does
// neither.
func TestRemoveMeTakesThePersonOffTheListAndTheConfirmationSaysSo(t *testing.T) {
	for _, c := range []struct {
		reason  models.DeclineReason
		removed bool
	}{{models.DeclineRemoveMe, true}, {models.DeclineNotThisTime, false}} {
		t.Run(string(c.reason), func(t *testing.T) {
			le := newLifecycleEnv(t)
			a := le.nominate(t, 0, 0)
			person := le.seed.People[0].ID
			if err := le.db.Create(&models.Reserve{ElectionID: le.seed.Election.ID, PartyID: le.seed.Party.ID,
				ParticipantID: person, CreatedAt: le.start}).Error; err != nil {
				t.Fatal(err)
			}
			no := le.update(2*time.Hour, workflows.AnswerUpdate, workflows.Answer{Reason: c.reason, By: "link"})
			le.ExecuteWorkflow(workflows.Lifecycle, payload.LifecycleInput{AssignmentID: a.ID})
			if err := le.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if no.err != nil || no.status.State != models.StateDeclined {
				t.Fatalf("no: %+v", no)
			}
			var members, reserves, removals int64
			le.db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", person, le.seed.Party.ID).Count(&members)
			le.db.Model(&models.Reserve{}).Where("participant_id = ?", person).Count(&reserves)
			le.db.Model(&models.ListRemoval{}).Where("participant_id = ? AND at_request", person).Count(&removals)
			if c.removed != (members == 0 && reserves == 0 && removals == 1) {
				t.Fatalf("removed %v: %d memberships, %d reserve places, %d removals", c.removed, members, reserves, removals)
			}
			le.out.mu.Lock()
			defer le.out.mu.Unlock()
			last := le.out.sent[len(le.out.sent)-1]
			sentence := models.RemovedFromListSentence["da"]
			if last.Subject != "Din afmelding er modtaget" || strings.Contains(last.Text, sentence) != c.removed ||
				strings.Contains(last.HTML, sentence) != c.removed || strings.Contains(last.Text, "[answer:removal]") {
				t.Fatalf("confirmation %q:\n%s", last.Subject, last.Text)
			}
		})
	}
}
