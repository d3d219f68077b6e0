package workflows_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

// retentionEnv is a closed election on electionDay with one person who
// served, the real activities on SQLite, and the clock the day after the
// election. It records the workflow clock at each AnonymiseElection call.
type retentionEnv struct {
	*testsuite.TestWorkflowEnvironment
	db         *gorm.DB
	seed       storetest.Election
	anonymised []time.Time
}

func newRetentionEnv(t *testing.T) *retentionEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db)
	re := &retentionEnv{TestWorkflowEnvironment: env, db: db, seed: storetest.SeedElection(t, db, electionDay, 1, 1, 2)}
	a := storetest.Nominate(t, db, re.seed.Slots[0], re.seed.People[0].ID)
	if err := db.Model(&a).Update("state", models.StateCompleted).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&re.seed.Election).Update("state", models.ElectionClosed).Error; err != nil {
		t.Fatal(err)
	}
	env.SetStartTime(electionDay.AddDays(1).In(models.Copenhagen).Add(10 * time.Hour))
	env.RegisterWorkflow(workflows.Retention)
	env.RegisterActivity(&activities.Activities{DB: db, Now: env.Now})
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "AnonymiseElection" {
			re.anonymised = append(re.anonymised, env.Now().UTC())
		}
	})
	return re
}

func (re *retentionEnv) setRetention(t *testing.T, days int) {
	t.Helper()
	if err := re.db.Model(&models.Election{}).Where("id = ?", re.seed.Election.ID).Update("retention_days", days).Error; err != nil {
		t.Error(err)
	}
}

func (re *retentionEnv) run(t *testing.T) activities.Anonymisation {
	t.Helper()
	re.ExecuteWorkflow(workflows.Retention, workflows.RetentionInput{ElectionID: re.seed.Election.ID})
	if !re.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	if err := re.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res activities.Anonymisation
	if err := re.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	var e models.Election
	re.db.First(&e, re.seed.Election.ID)
	if e.AnonymisedAt == nil {
		t.Fatal("the election was not anonymised")
	}
	return res
}

func TestRetentionSleepsUntilTheDate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(re *retentionEnv, t *testing.T)
		days   int
	}{
		{"the default 90 days", func(*retentionEnv, *testing.T) {}, 90},
		{"retention grown before the date, no signal: wakes, reads, sleeps on", func(re *retentionEnv, t *testing.T) {
			re.RegisterDelayedCallback(func() { re.setRetention(t, 200) }, 30*24*time.Hour)
		}, 200},
		{"retention shortened, with the reschedule signal", func(re *retentionEnv, t *testing.T) {
			re.RegisterDelayedCallback(func() {
				re.setRetention(t, 40)
				re.SignalWorkflow(workflows.RescheduleSignal, nil)
			}, 10*24*time.Hour)
		}, 40},
		{"grown with the signal", func(re *retentionEnv, t *testing.T) {
			re.RegisterDelayedCallback(func() {
				re.setRetention(t, 120)
				re.SignalWorkflow(workflows.RescheduleSignal, nil)
			}, 80*24*time.Hour)
		}, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			re := newRetentionEnv(t)
			tc.change(re, t)
			res := re.run(t)
			want := models.RetentionDue(electionDay, tc.days)
			if len(re.anonymised) != 1 || !re.anonymised[0].Equal(want) {
				t.Fatalf("AnonymiseElection at %v, want once at %v", re.anonymised, want)
			}
			if res.NotDue || res.Deleted != 1 || res.Assignments != 1 {
				t.Errorf("result %+v, want 1 person deleted of 1 assignment", res)
			}
		})
	}
}

func TestRetentionOfAnAnonymisedElectionEndsAtOnce(t *testing.T) {
	re := newRetentionEnv(t)
	now := time.Now().UTC()
	if err := re.db.Model(&re.seed.Election).Update("anonymised_at", now).Error; err != nil {
		t.Fatal(err)
	}
	re.run(t)
	if len(re.anonymised) != 0 {
		t.Errorf("anonymised again at %v", re.anonymised)
	}
}
