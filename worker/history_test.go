package worker_test

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

var updateHistories = flag.Bool("update-histories", false,
	"record workflow histories into workflows/testdata for the replay test")

// TestRecordHistories records a real history of each workflow on a real
// server. The replay test in package workflows replays them against the
// current code, so a change that breaks determinism fails CI. Record anew
// with go test ./worker -run Record -update-histories; after the first
// release, keep the old files too, as the workflows package's doc says.
// Recording overwrites the files of the current code only.
func TestRecordHistories(t *testing.T) {
	if !*updateHistories {
		t.Skip("run with -update-histories to record")
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	db := storetest.SQLite(t)
	w := worker.New(c, "record", &activities.Activities{DB: db})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := workflows.RunSelfCheck(ctx, c, "record"); err != nil {
		t.Fatal(err)
	}
	var check models.SystemCheck
	if err := db.First(&check).Error; err != nil {
		t.Fatal(err)
	}
	writeHistory(ctx, t, c, check.WorkflowID, "", "selfcheck.json")
}

// writeHistory stores the history of one workflow run in workflows/testdata.
func writeHistory(ctx context.Context, t *testing.T, c client.Client, workflowID, runID, file string) {
	t.Helper()
	var h historypb.History
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("../workflows/testdata/"+file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRecordLifecycleHistories records a round and three lifecycles: one
// confirmed by link, one declined and replaced from the reserve list, one
// reminded and expired; then a group message to the election's people.
func TestRecordLifecycleHistories(t *testing.T) {
	if !*updateHistories {
		t.Skip("run with -update-histories to record")
	}
	s := newStack(t, 3, 4, dayInSeconds)
	s.db.Create(&models.Reserve{ElectionID: s.seed.Election.ID, PartyID: s.seed.Party.ID, ParticipantID: s.seed.People[3].ID,
		CreatedAt: time.Now()})
	s.launch(t, 3)
	links := s.invitationLinks(t, 3)
	v := newVisitor(t)
	v.post(links[0], "ja")
	v.post(links[1], "nej")
	waitFor(t, 2*time.Minute, "the third to expire and the replacement to be invited", func() bool {
		st := countStates(t, s.db)
		return st[models.StateExpired] >= 1 && st[models.StateInvited] == 1
	})
	var as []models.Assignment
	s.db.Order("id").Find(&as)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var r models.Round
	s.db.First(&r)
	writeHistory(ctx, t, s.c, r.WorkflowID, "", "round.json")
	writeHistory(ctx, t, s.c, as[0].WorkflowID, "", "lifecycle-confirmed.json")
	writeHistory(ctx, t, s.c, as[1].WorkflowID, "", "lifecycle-declined-replaced.json")
	writeHistory(ctx, t, s.c, as[2].WorkflowID, "", "lifecycle-reminded-expired.json")

	gm, err := store.CreateGroupMessage(ctx, s.db, s.seed.Staff, models.GroupFilter{}.On(models.GroupMessage{
		ElectionID: s.seed.Election.ID, Subject: "Nyt om [election:name]", Body: "Kære [participant:name]\nHusk mødet."}))
	if err != nil {
		t.Fatal(err)
	}
	if err := workflows.StartGroupMessage(ctx, s.c, s.queue, gm.ID); err != nil {
		t.Fatal(err)
	}
	var p workflows.GroupMessageProgress
	if err := s.c.GetWorkflow(ctx, gm.WorkflowID, "").Get(ctx, &p); err != nil || !p.Done {
		t.Fatalf("group message: %+v, %v", p, err)
	}
	writeHistory(ctx, t, s.c, gm.WorkflowID, "", "group-message.json")
}
