package workflows_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

// The reset e-mail goes with a working link, and the token passes through
// no workflow or activity input or result: the history holds the row's id
// only.
func TestPasswordResetMailsALinkWhoseTokenStaysOutOfTheHistory(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if _, err := store.SeedDemo(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	hash, _ := models.HashPassword("en lang og god adgangskode")
	u := models.User{Email: "anna@parti.example", Name: "Anna Ørsted", Role: models.RoleStaff, PasswordHash: hash, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	srv, err := mailfake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sender, err := mail.NewSender(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "valg@sondera.example", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	resetID, _, err := store.CreatePasswordReset(ctx, db, u.Email, 3, now)
	if err != nil {
		t.Fatal(err)
	}

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Activities{DB: db, Mail: sender, BaseURL: "https://valg.sondera.example", Now: func() time.Time { return now }})
	var inputs []int64
	env.SetOnActivityStartedListener(func(_ *activity.Info, _ context.Context, args converter.EncodedValues) {
		var id int64
		if err := args.Get(&id); err != nil {
			t.Errorf("activity input: %v", err)
		}
		inputs = append(inputs, id)
	})
	results := 0
	env.SetOnActivityCompletedListener(func(_ *activity.Info, result converter.EncodedValue, _ error) {
		if result != nil && result.HasValue() {
			results++
		}
	})
	env.ExecuteWorkflow(workflows.PasswordReset, resetID)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(inputs) != 1 || inputs[0] != resetID || results != 0 {
		t.Fatalf("activity inputs %v and %d results; want the reset's id only and no result", inputs, results)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails, want 1", len(msgs))
	}
	m := regexp.MustCompile(`https://valg\.sondera\.example/login/nulstil/([A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no link in %s", msgs[0].Text)
	}
	if got, err := store.CheckPasswordReset(ctx, db, m[1], now); err != nil || got.ID != u.ID {
		t.Fatalf("the mailed link: %v", err)
	}
}
