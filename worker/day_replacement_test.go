package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A replacement on the day on the real server, with the real Twilio
// client against the fake and the signed webhook: three reserves asked at
// once by SMS, the second's JA takes the slot through the webhook, a later
// JA is told it is taken, the others and the station leader get theirs,
// and the search attributes say where and how it stands.
func TestDayReplacementOnTheRealServer(t *testing.T) {
	s := newStack(t, 2, 6, 30)
	ch := s.withChannels(t)
	for i := 1; i <= 5; i++ {
		s.reachBy(t, i, mobileOf(i), models.ChannelDefault, nil)
	}
	station := s.seed.Slots[0].StationID
	now := time.Now().UTC()
	for i := 1; i <= 3; i++ {
		if err := s.db.Create(&models.Reserve{ElectionID: s.seed.Election.ID, PartyID: s.seed.Party.ID, StationID: &station,
			ParticipantID: s.seed.People[i].ID, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Create(&models.StationLeader{ElectionID: s.seed.Election.ID, StationID: station, ParticipantID: s.seed.People[5].ID,
		CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	absent := storetest.Nominate(t, s.db, s.seed.Slots[0], s.seed.People[0].ID)
	s.db.Model(&absent).Updates(map[string]any{"state": models.StateNoShow, "attendance": models.AttendanceAbsent})

	ctx := context.Background()
	id := payload.DayReplacementID(absent.ID)
	run, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.queue}, workflows.DayReplacement,
		workflows.DayReplacementInput{AbsentAssignmentID: absent.ID})
	if err != nil {
		t.Fatal(err)
	}
	// It waits out its deadline after the slot is taken: end it here.
	t.Cleanup(func() { _ = s.c.TerminateWorkflow(context.Background(), id, run.GetRunID(), "test over") })

	waitFor(t, 30*time.Second, "three offers at once", func() bool {
		return len(ch.sms.Sent(mobileOf(1))) == 1 && len(ch.sms.Sent(mobileOf(2))) == 1 && len(ch.sms.Sent(mobileOf(3))) == 1
	})
	if body := ch.sms.Sent(mobileOf(2))[0].Body; !strings.Contains(body, "Kan du møde som Tilforordnet på Skole 1 kl.") || !strings.Contains(body, "Svar JA") {
		t.Fatalf("offer %q", body)
	}
	if got, err := ch.sms.Reply(ctx, mobileOf(2), "Ja"); err != nil || !strings.Contains(got, "Pladsen er din") {
		t.Fatalf("the second's JA: %q %v", got, err)
	}
	if got, err := ch.sms.Reply(ctx, mobileOf(3), "JA"); err != nil || !strings.Contains(got, "allerede taget") {
		t.Fatalf("a later JA: %q %v", got, err)
	}
	waitFor(t, 30*time.Second, "the others and the leader told", func() bool {
		return len(ch.sms.Sent(mobileOf(1))) == 2 && len(ch.sms.Sent(mobileOf(5))) == 1
	})
	if body := ch.sms.Sent(mobileOf(5))[0].Body; !strings.Contains(body, "Person 3") || !strings.Contains(body, mobileOf(2)) {
		t.Errorf("the leader's SMS %q", body)
	}
	var next models.Assignment
	if err := s.db.Where("replaces_id = ?", absent.ID).First(&next).Error; err != nil || next.ParticipantID != s.seed.People[2].ID {
		t.Fatalf("the new assignment %+v %v", next, err)
	}
	waitFor(t, 30*time.Second, "the new lifecycle running", func() bool {
		d, err := s.c.DescribeWorkflowExecution(ctx, next.WorkflowID, "")
		return err == nil && d.WorkflowExecutionInfo != nil
	})
	// The state is published in the workflow task after the SMS went out,
	// so a moment after the leader's SMS arrived.
	var attrs map[string]*commonpb.Payload
	waitFor(t, 30*time.Second, "the state attribute "+string(workflows.DayTaken), func() bool {
		d, err := s.c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		attrs = d.WorkflowExecutionInfo.SearchAttributes.GetIndexedFields()
		return strings.Contains(string(attrs[payload.StateAttr.GetName()].GetData()), string(workflows.DayTaken))
	})
	if got := string(attrs[payload.PollingStationAttr.GetName()].GetData()); !strings.Contains(got, `"`) {
		t.Errorf("station attribute %s", got)
	}
	if *updateHistories {
		// The history up to here, ended by hand (the workflow would wait
		// out its deadline), for the replay test.
		if err := s.c.TerminateWorkflow(ctx, id, run.GetRunID(), "recorded"); err != nil {
			t.Fatal(err)
		}
		writeHistory(ctx, t, s.c, id, run.GetRunID(), "day-replacement-taken.json")
	}
}
