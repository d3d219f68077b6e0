package activities_test

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// The municipality's settings reach the e-mail: the sender name of e-mail
// as the From name (the municipality's name until one is set), and the
// secretariat's contact details in [site:phone] and [site:email].
func TestAccountInvitationUsesTheMunicipalitySettings(t *testing.T) {
	acts, srv, u := setup(t)
	ctx := context.Background()
	var admin models.User
	if err := acts.DB.Where("role = ?", models.RoleAdmin).First(&admin).Error; err != nil {
		t.Fatal(err)
	}
	custom := models.MessageTemplate{Kind: models.KindAccountInvitation, Channel: "email", Subject: "Konto i [site:name]",
		Body: "Ring på [site:phone] eller skriv til [site:email], [site:address].\n\n[user:one-time-login-url]\n"}
	if err := store.SaveTemplate(ctx, acts.DB, admin, custom); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	if _, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()[0]
	if m.From.Name != "Sønderå Kommune" || !strings.HasPrefix(m.Text, "Ring på ikke oplyst eller skriv til ikke oplyst, ikke oplyst.") {
		t.Fatalf("before the settings: From %q, text %q", m.From.Name, m.Text)
	}
	if _, err := store.SaveMunicipality(ctx, acts.DB, admin, models.MunicipalitySettings{Name: "Sønderå Kommune", Code: "607",
		CVR: "12345674", EmailSenderName: "Valgsekretariatet, Sønderå Kommune", SecretariatPhone: "+45 72 10 00 00",
		SecretariatEmail: "valg@sondera.example", SecretariatAddress: "Torvet 1, 9999 Sønderå"}, acts.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ExecuteActivity(acts.SendAccountInvitation, u.ID); err != nil {
		t.Fatal(err)
	}
	m = srv.Messages()[1]
	if m.From.Name != "Valgsekretariatet, Sønderå Kommune" ||
		!strings.HasPrefix(m.Text, "Ring på +45 72 10 00 00 eller skriv til valg@sondera.example, Torvet 1, 9999 Sønderå.") {
		t.Fatalf("after the settings: From %q, text %q", m.From.Name, m.Text)
	}
}

// A Digital Post letter's sender (afsender) is the Digital Post sender
// name when set, else the municipality's name.
func TestDigitalPostSenderIsTheMunicipalitys(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2026, 11, 3), 1, 2, 2)
	storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	srv, err := dpfake.Start(dpfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dp, err := digitalpost.NewClient(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{DB: db, DigitalPost: dp}
	for i, name := range []string{"", "Testrup Kommune, Valgsekretariatet"} {
		if err := db.Model(&models.Municipality{}).Where("1 = 1").Update("digital_post_sender_name", name).Error; err != nil {
			t.Fatal(err)
		}
		gm, err := store.CreateGroupMessage(ctx, db, e.Staff, models.GroupMessage{ElectionID: e.Election.ID,
			Subject: "Nyt om [election:name]", Body: "Kære [participant:name]\n\nRing på [site:phone]."})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := a.PlanGroupMessage(ctx, activities.GroupDelivery{GroupID: gm.ID, ParticipantID: e.People[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := a.DeliverMessage(ctx, activities.Delivery{MessageID: plan.MessageID, Channel: models.ChannelDigitalPost}); err != nil || out.Status != models.MessageSent {
			t.Fatalf("delivery %+v, %v", out, err)
		}
		want := name
		if want == "" {
			want = "Testrup Kommune"
		}
		letters := srv.Letters()
		if len(letters) != i+1 || letters[i].SenderLabel != want || !strings.Contains(letters[i].HTML, "Ring på ikke oplyst.") {
			t.Fatalf("letter %d: sender %q, %s", i, letters[i].SenderLabel, letters[i].HTML)
		}
	}
}
