package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

func TestSelfCheckRecordsOnceInTheDatabase(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	db := storetest.SQLite(t)
	db.Create(&models.Election{Title: "KV25", Kind: models.Kommunalvalg, ElectionDay: models.NewDate(2025, 11, 18),
		State: models.ElectionClosed, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	env.RegisterActivity(&activities.Activities{DB: db})

	env.ExecuteWorkflow(workflows.SelfCheck)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var r activities.SelfCheckResult
	if err := env.GetWorkflowResult(&r); err != nil || r.Elections != 1 {
		t.Fatalf("result %+v, %v; want 1 election", r, err)
	}
	var checks []models.SystemCheck
	db.Find(&checks)
	if len(checks) != 1 || checks[0].Elections != 1 {
		t.Fatalf("system_checks = %+v; want one row", checks)
	}
}

func TestSelfCheckRetriesAFailingActivityThenGivesUp(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var acts *activities.Activities
	env.RegisterActivity(acts)
	calls := 0
	env.OnActivity(acts.RecordSelfCheck, mockCtx).Return(func(context.Context) (activities.SelfCheckResult, error) {
		calls++
		return activities.SelfCheckResult{}, errors.New("database is down")
	})
	env.ExecuteWorkflow(workflows.SelfCheck)
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("self-check succeeded with the database down")
	}
	if calls != 3 {
		t.Fatalf("activity ran %d times, want 3 (the retry policy)", calls)
	}
}

func TestSearchAttributesAreKeywords(t *testing.T) {
	attrs := workflows.SearchAttributes()
	if len(attrs) != 5 {
		t.Fatalf("%d search attributes, want 5", len(attrs))
	}
	for name, typ := range attrs {
		if typ.String() != "Keyword" {
			t.Errorf("%s is %v, want Keyword", name, typ)
		}
	}
}
