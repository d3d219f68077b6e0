package activities_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

var resetLinkRE = regexp.MustCompile(`https://valg\.sondera\.example/login/nulstil/([A-Za-z0-9_-]+)`)

func TestSendPasswordReset(t *testing.T) {
	acts, srv, u := setup(t)
	hash, _ := models.HashPassword("en lang og god adgangskode")
	acts.DB.Model(&u).Update("password_hash", hash)
	id, _, err := store.CreatePasswordReset(context.Background(), acts.DB, u.Email, 3, acts.Now())
	if err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	if _, err := env.ExecuteActivity(acts.SendPasswordReset, id); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails, want 1", len(msgs))
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, "Ny adgangskode til Valghalla") || !strings.Contains(m.Text, "Kære Anna Ørsted") ||
		!strings.Contains(m.Text, "Dear Anna Ørsted") || strings.Contains(m.Text, "[") || m.HTML == "" {
		t.Fatalf("e-mail: %q\n%s", m.Subject, m.Text)
	}
	token := resetLinkRE.FindStringSubmatch(m.Text)
	if token == nil {
		t.Fatalf("no reset link in %s", m.Text)
	}
	if got, err := store.CheckPasswordReset(context.Background(), acts.DB, token[1], acts.Now()); err != nil || got.ID != u.ID {
		t.Fatalf("the link in the e-mail does not open the reset: %v", err)
	}
	// A link that has expired meanwhile is not sent.
	later := acts.Now().Add(time.Hour)
	acts.Now = func() time.Time { return later }
	if _, err := env.ExecuteActivity(acts.SendPasswordReset, id); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d e-mails after the link expired, want still 1", n)
	}
}
