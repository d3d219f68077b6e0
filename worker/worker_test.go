package worker_test

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// A real workflow end to end on a real Temporal server: client → server →
// this worker → activity → the app database, on SQLite and on PostgreSQL.
func TestSelfCheckEndToEnd(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		taskQueue := "selfcheck-" + t.Name()
		w := worker.New(c, taskQueue, &activities.Activities{DB: db})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r, err := workflows.RunSelfCheck(ctx, c, taskQueue)
		if err != nil {
			t.Fatal(err)
		}
		var check models.SystemCheck
		if err := db.First(&check).Error; err != nil {
			t.Fatalf("no system check recorded: %v", err)
		}
		if !check.CheckedAt.Equal(r.CheckedAt) {
			t.Errorf("recorded %v, workflow returned %v", check.CheckedAt, r.CheckedAt)
		}
		desc, err := c.DescribeWorkflowExecution(ctx, check.WorkflowID, "")
		if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Fatalf("workflow %s: %v, %v", check.WorkflowID, desc.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	})
}

func TestEnsureNamespaceIsIdempotent(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const ns = "valghalla-setup-test"
	attrs := workflows.SearchAttributes()

	for range 2 {
		if err := worker.EnsureNamespace(ctx, c, ns, worker.DefaultRetention, attrs); err != nil {
			t.Fatal(err)
		}
	}
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != worker.DefaultRetention {
		t.Errorf("retention %v, want %v", got, worker.DefaultRetention)
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range attrs {
		if list.GetCustomAttributes()[name] != typ {
			t.Errorf("search attribute %s = %v, want %v", name, list.GetCustomAttributes()[name], typ)
		}
	}

	// A changed retention is applied to the existing namespace.
	if err := worker.EnsureNamespace(ctx, c, ns, 30*24*time.Hour, attrs); err != nil {
		t.Fatal(err)
	}
	desc, _ = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 30*24*time.Hour {
		t.Errorf("retention after update %v, want 720h", got)
	}

	// The workflows can use the attributes in that namespace at once.
	nsClient, err := client.NewClientFromExisting(c, client.Options{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	_, err = nsClient.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: "sa-check", TaskQueue: "nobody-polls",
		TypedSearchAttributes: temporalSearchAttributes(),
	}, workflows.SelfCheck)
	if err != nil {
		t.Fatalf("start with search attributes: %v", err)
	}
}
