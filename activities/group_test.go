package activities_test

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A person's copy of a group message is made once and goes by Digital
// Post with the staff's own subject and body, filled in for the person.
func TestGroupMessageCopyByDigitalPost(t *testing.T) {
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
	gm, err := store.CreateGroupMessage(ctx, db, e.Staff, models.GroupMessage{ElectionID: e.Election.ID,
		Subject: "Nyt om [election:name]", Body: "Kære [participant:name]\n\nHilsen [site:name] & co."})
	if err != nil {
		t.Fatal(err)
	}

	ids, err := a.GroupRecipientsPage(ctx, gm.ID, 0, 10)
	if err != nil || len(ids) != 1 || ids[0] != e.People[0].ID {
		t.Fatalf("recipients %v, %v", ids, err)
	}
	in := activities.GroupDelivery{GroupID: gm.ID, ParticipantID: e.People[0].ID}
	plan, err := a.PlanGroupMessage(ctx, in)
	if err != nil || len(plan.Channels) != 1 || plan.Channels[0] != models.ChannelDigitalPost {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	again, err := a.PlanGroupMessage(ctx, in)
	if err != nil || again.MessageID != plan.MessageID {
		t.Fatalf("planned twice: %q then %q (%v)", plan.MessageID, again.MessageID, err)
	}
	out, err := a.DeliverMessage(ctx, activities.Delivery{MessageID: plan.MessageID, Channel: models.ChannelDigitalPost})
	if err != nil || out.Status != models.MessageSent {
		t.Fatalf("delivery %+v, %v", out, err)
	}
	letters := srv.Letters()
	if len(letters) != 1 {
		t.Fatalf("%d letters", len(letters))
	}
	l := letters[0]
	if l.MessageUUID != plan.MessageID || l.Label != "Nyt om Folketingsvalg" ||
		!strings.Contains(l.HTML, "Kære Person 1") || !strings.Contains(l.HTML, "Hilsen Testrup Kommune &amp; co.") {
		t.Fatalf("letter %q: %s", l.Label, l.HTML)
	}
	m, err := store.MessageByID(ctx, db, plan.MessageID)
	if err != nil || m.Kind != models.KindGroupMessage || m.GroupMessageID == nil || *m.GroupMessageID != gm.ID || m.AssignmentID != nil {
		t.Fatalf("message %+v, %v", m, err)
	}

	// A group message that is gone is not retried.
	var app *temporal.ApplicationError
	if _, err := a.GroupRecipientsPage(ctx, gm.ID+100, 0, 10); !asApplicationError(err, &app) || !app.NonRetryable() {
		t.Fatalf("missing group: %v", err)
	}
}
