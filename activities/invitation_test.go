package activities_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func setup(t *testing.T) (*activities.Activities, *mailfake.Server, models.User) {
	t.Helper()
	db := storetest.SQLite(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
		t.Fatal(err)
	}
	u := models.User{Email: "anna@parti.example", Name: "Anna Ørsted", Role: models.RoleStaff, CreatedAt: now}
	db.Create(&u)
	srv, err := mailfake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sender, err := mail.NewSender(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "valg@sondera.example", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	return &activities.Activities{DB: db, Mail: sender, BaseURL: "https://valg.sondera.example", Now: func() time.Time { return now }}, srv, u
}

func TestSendAccountInvitation(t *testing.T) {
	acts, srv, u := setup(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	if _, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != "Din konto til Valghalla – Sønderå Kommune" || !strings.Contains(m.Text, "Kære Anna Ørsted") ||
		strings.Contains(m.Text, "[") || m.HTML == "" {
		t.Fatalf("e-mail: %q\n%s", m.Subject, m.Text)
	}
	token := regexp.MustCompile(`https://valg\.sondera\.example/konto/aktiver/([A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if token == nil {
		t.Fatalf("no one-time link in %s", m.Text)
	}
	if got, err := store.CheckAccountLink(context.Background(), acts.DB, token[1], acts.Now()); err != nil || got.ID != u.ID {
		t.Fatalf("the link in the e-mail does not open the account: %v", err)
	}
	if !strings.HasSuffix(m.MessageID, "@valg.sondera.example") {
		t.Errorf("Message-ID %q", m.MessageID)
	}
}

func TestSendAccountInvitationFailures(t *testing.T) {
	acts, srv, u := setup(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)

	// A rejected address is permanent: the workflow must not retry it.
	srv.RejectRecipient(u.Email)
	_, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID)
	var appErr *temporal.ApplicationError
	if !asApplicationError(err, &appErr) || !appErr.NonRetryable() {
		t.Fatalf("rejected recipient: %v, want a non-retryable error", err)
	}
	if strings.Contains(err.Error(), u.Email) {
		t.Errorf("the error names the address: %v", err)
	}

	// A relay that is down for a moment is worth retrying.
	acts2, srv2, u2 := setup(t)
	env2 := s.NewTestActivityEnvironment()
	env2.RegisterActivity(acts2)
	srv2.FailTemporarily(1)
	_, err = env2.ExecuteActivity(acts2.SendAccountInvitation, u2.ID)
	if err == nil || (asApplicationError(err, &appErr) && appErr.NonRetryable()) {
		t.Fatalf("temporary failure: %v, want a retryable error", err)
	}

	// No SMTP settings: a clear error, not retried.
	acts.Mail = nil
	_, err = env.ExecuteActivity(acts.SendAccountInvitation, u.ID)
	if !asApplicationError(err, &appErr) || !appErr.NonRetryable() || !strings.Contains(err.Error(), "SMTP_HOST") {
		t.Fatalf("no mailer: %v", err)
	}
}

// An administrator's own text is what the e-mail says, in both parts.
func TestSendAccountInvitationUsesTheSavedTemplate(t *testing.T) {
	acts, srv, u := setup(t)
	var admin models.User
	if err := acts.DB.Where("role = ?", models.RoleAdmin).First(&admin).Error; err != nil {
		t.Fatal(err)
	}
	custom := models.MessageTemplate{Kind: models.KindAccountInvitation, Channel: "email",
		Subject: "Velkommen til valget, [user:name]",
		Body:    "Hej [user:name] fra [site:name]\n\nVælg din adgangskode her: [user:one-time-login-url]\n\nSiden hedder [site:login-url].\n"}
	if err := store.SaveTemplate(context.Background(), acts.DB, admin, custom); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	if _, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != "Velkommen til valget, Anna Ørsted" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Hej Anna Ørsted fra Sønderå Kommune\n\nVælg din adgangskode her: https://valg.sondera.example/konto/aktiver/") ||
		!strings.Contains(m.Text, "Siden hedder https://valg.sondera.example/login.") || strings.Contains(m.Text, "Kære") {
		t.Errorf("text:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, "Hej Anna Ørsted fra Sønderå Kommune") || !strings.Contains(m.HTML, `<a href="https://valg.sondera.example/konto/aktiver/`) ||
		strings.Contains(m.HTML, "Kære") {
		t.Errorf("HTML:\n%s", m.HTML)
	}

	// Reset: the default text again.
	if err := store.ResetTemplate(context.Background(), acts.DB, admin, models.KindAccountInvitation, "email", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Text, "Kære Anna Ørsted") {
		t.Errorf("after reset: %d e-mails", len(msgs))
	}
}
