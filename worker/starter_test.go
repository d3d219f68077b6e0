package worker_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// A round's page is started by the Starter's activity on a real server. A
// page retried after an attempt that was cut short counts what that attempt
// started as started, and what someone else started as skipped; a start the
// server refuses fails the page.
func TestStarterTellsItsOwnStartsFromOthersOnARetry(t *testing.T) {
	c := namespaceClient(t, "starter-test")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := func(id int64) payload.LifecycleRef {
		return payload.LifecycleRef{AssignmentID: id, WorkflowID: "lifecycle-starter-" + strconv.FormatInt(id, 10),
			ElectionID: 1, StationID: 2, PartyID: 3, TaskTypeID: 4}
	}
	st := &activities.Starter{Client: c}
	var suite testsuite.WorkflowTestSuite
	startPage := func(refs ...payload.LifecycleRef) (activities.PageStarts, error) {
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(st)
		var page activities.PageStarts
		v, err := env.ExecuteActivity(st.StartLifecycles, refs)
		if err == nil {
			err = v.Get(&page)
		}
		return page, err
	}
	// The round's first attempt started 1; someone else starts 2. Nobody
	// polls the queue: the lifecycles only need to exist.
	if page, err := startPage(ref(1)); err != nil || page != (activities.PageStarts{Started: 1}) {
		t.Fatalf("first attempt: %+v, %v", page, err)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ref(2).WorkflowID, TaskQueue: "nobody",
		Memo: map[string]any{payload.MemoRound: "another-round"}}, workflows.Lifecycle, payload.LifecycleInput{AssignmentID: 2}); err != nil {
		t.Fatal(err)
	}
	page, err := startPage(ref(1), ref(2), ref(3))
	if err != nil || page != (activities.PageStarts{Started: 2, Skipped: 1}) {
		t.Fatalf("retry: %+v, %v; want 2 started (1 and 3) and 1 skipped (2)", page, err)
	}
	if _, err := c.DescribeWorkflowExecution(ctx, ref(3).WorkflowID, ""); err != nil {
		t.Fatalf("lifecycle 3 was not started: %v", err)
	}
	// A workflow id longer than the server takes fails the page.
	bad := ref(5)
	bad.WorkflowID = strings.Repeat("x", 2000)
	if _, err := startPage(ref(4), bad); err == nil {
		t.Fatal("a page with a refused start succeeded")
	}
}
