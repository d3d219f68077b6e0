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
	"github.com/valghalla/valghalla/store/storetest"
)

var minSideLinkRE = regexp.MustCompile(`https://valg\.sondera\.example/minside/log-ind/([A-Za-z0-9_-]+)`)

// The Min side link goes by e-mail or SMS to the address it was asked for,
// with a token made in the activity that opens Min side; a link expired
// meanwhile is not sent.
func TestSendMinSideLink(t *testing.T) {
	acts, srv, _ := setup(t)
	ctx := context.Background()
	keys := storetest.WithKeys(t, acts.DB)
	sms := &recordingSMS{}
	acts.SMS = sms
	p := models.Participant{Name: "Ida", CPR: models.NewSecret("0101701234"), CPRIndex: "x", Email: models.NewSecret("ida@example.dk"),
		Mobile: models.NewSecret("+4520112233"), CreatedAt: acts.Now(), UpdatedAt: acts.Now()}
	ei, mi := store.EmailIndex(keys, "ida@example.dk"), store.MobileIndex(keys, "+4520112233")
	p.EmailIndex, p.MobileIndex = &ei, &mi
	if err := acts.DB.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	byMail, err := store.CreateVolunteerLoginLinks(ctx, acts.DB, keys, "ida@example.dk", 3, acts.Now())
	if err != nil || len(byMail) != 1 {
		t.Fatal(byMail, err)
	}
	bySMS, _ := store.CreateVolunteerLoginLinks(ctx, acts.DB, keys, "20112233", 3, acts.Now())
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	for _, id := range []int64{byMail[0], bySMS[0]} {
		if _, err := env.ExecuteActivity(acts.SendMinSideLink, id); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || len(sms.to) != 1 || sms.to[0] != "+4520112233" {
		t.Fatalf("%d e-mails, SMS to %v", len(msgs), sms.to)
	}
	token := minSideLinkRE.FindStringSubmatch(msgs[0].Text)
	if token == nil || !strings.Contains(msgs[0].Text, "15 minutter") {
		t.Fatalf("e-mail: %s", msgs[0].Text)
	}
	if err := store.CheckVolunteerLoginLink(ctx, acts.DB, token[1], acts.Now()); err != nil {
		t.Fatalf("the link in the e-mail does not work: %v", err)
	}
	// Expired meanwhile: nothing sent.
	later := acts.Now().Add(16 * time.Minute)
	acts.Now = func() time.Time { return later }
	if _, err := env.ExecuteActivity(acts.SendMinSideLink, byMail[0]); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d e-mails after the link expired, want 1", n)
	}
}
