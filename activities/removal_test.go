package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A person off a party's list whose invitation could not be retracted yet
// (Temporal was down when they were removed) is not asked again by that
// party: the invitation and its reminder are not sent, and say why; a
// confirmation of a task they keep still goes.
func TestNoInvitationToAPersonOffThePartysList(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.DateOf(time.Now().AddDate(0, 1, 0)), 1, 1, 0)
	now := time.Now().UTC()
	number, _ := models.ParseCPR("1012620001")
	p, _, err := store.RegisterParticipant(ctx, db, keys, e.Staff, store.NewParticipant{CPR: number, Name: "Åse", Mobile: "+4520000001",
		PartyID: e.Party.ID}, now)
	if err != nil {
		t.Fatal(err)
	}
	a := storetest.Nominate(t, db, e.Slots[0], p.ID)
	if err := db.Create(&models.ListRemoval{ParticipantID: p.ID, PartyID: e.Party.ID, AtRequest: true, RemovedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	rec := &recordingSMS{}
	acts := &activities.Activities{DB: db, SMS: rec, Keys: keys, BaseURL: "https://valg.example", Now: func() time.Time { return now }}
	for _, kind := range []string{models.KindInvitation, models.KindInvitationReminder} {
		plan, err := acts.PlanMessage(ctx, activities.LifecycleMessage{AssignmentID: a.ID, WorkflowID: a.WorkflowID, Kind: kind, Key: kind})
		if err != nil || plan.Status != models.MessageFailed || len(plan.Channels) != 0 {
			t.Fatalf("%s: plan %+v, %v", kind, plan, err)
		}
		var m models.Message
		db.Where("id = ?", plan.MessageID).First(&m)
		if m.Status != models.MessageFailed || m.Error != "not sent: the person is off the party's list" {
			t.Errorf("%s: message %s %q", kind, m.Status, m.Error)
		}
	}
	if len(rec.to) != 0 {
		t.Errorf("sent to %v", rec.to)
	}
	// Another kind (the person keeps a task they said yes to) still goes.
	plan, err := acts.PlanMessage(ctx, activities.LifecycleMessage{AssignmentID: a.ID, WorkflowID: a.WorkflowID,
		Kind: models.KindConfirmation, Key: "confirmation"})
	if err != nil || len(plan.Channels) != 1 {
		t.Fatalf("confirmation: plan %+v, %v", plan, err)
	}
	// Put back on the list by staff: asked again.
	db.Model(&models.ListRemoval{}).Where("participant_id = ?", p.ID).Updates(map[string]any{"readded_at": now, "readd_reason": "asked to come back"})
	plan, err = acts.PlanMessage(ctx, activities.LifecycleMessage{AssignmentID: a.ID, WorkflowID: a.WorkflowID,
		Kind: models.KindInvitation, Key: "invitation-2"})
	if err != nil || len(plan.Channels) != 1 {
		t.Fatalf("after the re-add: plan %+v, %v", plan, err)
	}
}
