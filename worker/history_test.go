package worker_test

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

var updateHistories = flag.Bool("update-histories", false,
	"record workflow histories into workflows/testdata for the replay test")

// TestRecordHistories records a real history of each workflow on a real
// server. The replay test in package workflows replays them against the
// current code, so a change that breaks determinism fails CI. Record anew
// (go test ./worker -run Record -update-histories) only when a workflow's
// change is deliberately versioned; keep the old files too.
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
	id := check.WorkflowID
	var h historypb.History
	it := c.GetWorkflowHistory(ctx, id, "", false, 0)
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
	if err := os.WriteFile("../workflows/testdata/selfcheck.json", b, 0o644); err != nil {
		t.Fatal(err)
	}
}
