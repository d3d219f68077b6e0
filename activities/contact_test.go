package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// recordingSMS keeps the numbers it was asked to send to and the texts.
type recordingSMS struct {
	mu     sync.Mutex
	to     []string
	bodies []string
}

func (r *recordingSMS) Send(_ context.Context, to, body, key string) (sms.Sent, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.to, r.bodies = append(r.to, to), append(r.bodies, body)
	return sms.Sent{SID: "SM" + key, Status: "accepted"}, nil
}

// A message about an assignment of a party goes to the number that party
// typed on its membership: V's assignment to V's, A's to A's.
func TestInvitationGoesToTheAssignmentPartysTypedNumber(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.DateOf(time.Now().AddDate(0, 1, 0)), 1, 2, 0)
	now := time.Now().UTC()
	v := models.Party{Name: "Venstre", Letter: "V", Kind: models.CouncilGroup, CouncilSeats: 5}
	db.Create(&v)
	secA := models.User{Email: "sa@x.example", Name: "A", Role: models.RolePartySecretary, PartyID: &e.Party.ID, CreatedAt: now}
	secV := models.User{Email: "sv@x.example", Name: "V", Role: models.RolePartySecretary, PartyID: &v.ID, CreatedAt: now}
	db.Create(&secA)
	db.Create(&secV)
	number, _ := models.ParseCPR("1012620001")
	p, _, err := store.RegisterParticipant(ctx, db, keys, secA, store.NewParticipant{CPR: number, Name: "Åse", Mobile: "+4520000001",
		PartyID: e.Party.ID}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.RegisterParticipant(ctx, db, keys, secV, store.NewParticipant{CPR: number, Name: "Åse", Mobile: "+4530000002",
		PartyID: v.ID}, now); err != nil {
		t.Fatal(err)
	}
	slotV := e.Slots[1]
	slotV.PartyID, slotV.Day = v.ID, slotV.Day.AddDays(1)
	db.Model(&slotV).Select("party_id", "day").Updates(&slotV)
	aA := storetest.Nominate(t, db, e.Slots[0], p.ID)
	aV := storetest.Nominate(t, db, slotV, p.ID)

	rec := &recordingSMS{}
	acts := &activities.Activities{DB: db, SMS: rec, Keys: keys, BaseURL: "https://valg.example", Now: func() time.Time { return now }}
	for _, c := range []struct {
		a    models.Assignment
		want string
	}{{aV, "+4530000002"}, {aA, "+4520000001"}} {
		plan, err := acts.PlanMessage(ctx, activities.LifecycleMessage{AssignmentID: c.a.ID, WorkflowID: c.a.WorkflowID,
			Kind: models.KindInvitation, Key: "invitation"})
		if err != nil || len(plan.Channels) != 1 || plan.Channels[0] != models.ChannelSMS {
			t.Fatalf("plan %+v, %v", plan, err)
		}
		out, err := acts.DeliverMessage(ctx, activities.Delivery{MessageID: plan.MessageID, Channel: models.ChannelSMS})
		if err != nil || out.Status != models.MessageSent {
			t.Fatalf("delivery %+v, %v", out, err)
		}
		if got := rec.to[len(rec.to)-1]; got != c.want {
			t.Errorf("assignment of party %d went to %s, want %s", c.a.PartyID, got, c.want)
		}
	}
}
