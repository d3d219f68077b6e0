package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/valghalla/valghalla/workflows"
)

// Every history recorded in testdata replays against the current code: a
// non-deterministic change to a workflow fails here, not on election day.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata: %v", err)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(workflows.SelfCheck)
	r.RegisterWorkflow(workflows.AccountInvitation)
	r.RegisterWorkflow(workflows.Lifecycle)
	r.RegisterWorkflow(workflows.Round)
	r.RegisterWorkflow(workflows.GroupMessage)
	r.RegisterWorkflow(workflows.DayReplacement)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
