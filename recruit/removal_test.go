package recruit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

// projecting stands in for Temporal and the lifecycles: an answer or a
// cancellation is written to the projection as the lifecycle's activity
// would (without its removal, which the use case must do by itself), and a
// second answer to a declined lifecycle is refused as the validator does.
type projecting struct {
	client.Client
	db      *gorm.DB
	mu      sync.Mutex
	updates []client.UpdateWorkflowOptions
}

func (p *projecting) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updates = append(p.updates, o)
	var a models.Assignment
	if err := p.db.Where("workflow_id = ?", o.WorkflowID).First(&a).Error; err != nil {
		return nil, err
	}
	if a.State != models.StateInvited {
		if a.State == models.StateDeclined {
			return nil, refused(workflows.RefusedAlreadyDeclined)
		}
		return nil, refused(workflows.RefusedEnded)
	}
	switch arg := o.Args[0].(type) {
	case workflows.Answer:
		if err := store.RecordTransition(ctx, p.db, a.ID, models.StateDeclined, arg.Reason, arg.By, now); err != nil {
			return nil, err
		}
	case workflows.Cancellation:
		if err := store.RecordTransition(ctx, p.db, a.ID, models.StateCancelled, "", arg.By, now); err != nil {
			return nil, err
		}
	}
	return done{}, nil
}

func (p *projecting) cancels() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for _, u := range p.updates {
		if u.UpdateName == workflows.CancelUpdate {
			ids = append(ids, u.WorkflowID)
		}
	}
	return ids
}

// "Nej, og fjern mig fra listen" by link, once the lifecycle has applied
// the decline: the person goes off the party's list and its reserve list,
// the party's other open invitation is retracted through its lifecycle,
// and the party can no longer nominate them. The answer retried is
// refused as a repeat and makes no second removal.
func TestRemoveMeByLinkTakesThePersonOffTheList(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	day := models.NewDate(2027, time.January, 19)
	e := storetest.SeedElection(t, db, day, 2, 2, 1)
	person := e.People[0]
	invite := func(slot models.Slot) models.Assignment {
		a := storetest.Nominate(t, db, slot, person.ID)
		if err := db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now}).Error; err != nil {
			t.Fatal(err)
		}
		a.State = models.StateInvited
		return a
	}
	answered := invite(e.Slots[0])
	other := models.Slot{ElectionID: e.Election.ID, StationID: e.Stations[1].ID, TaskTypeID: e.TaskType.ID, Day: day.AddDays(-1),
		PartyID: e.Party.ID, CreatedAt: now}
	if err := db.Create(&other).Error; err != nil {
		t.Fatal(err)
	}
	open := invite(other)
	if err := db.Create(&models.Reserve{ElectionID: e.Election.ID, PartyID: e.Party.ID, ParticipantID: person.ID, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("c", 64)
	if err := store.SaveAnswerToken(ctx, db, answered.ID, token, "2222", now); err != nil {
		t.Fatal(err)
	}
	temporal := &projecting{db: db}
	svc := recruit.New(recruit.Config{DB: db, Temporal: temporal, Keys: keys, Now: func() time.Time { return now }})

	if _, err := svc.AnswerByLink(ctx, token, recruit.RemoveMe); err != nil {
		t.Fatalf("fjern mig: %v", err)
	}
	var members, reserves, removals int64
	count := func() {
		db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", person.ID, e.Party.ID).Count(&members)
		db.Model(&models.Reserve{}).Where("participant_id = ?", person.ID).Count(&reserves)
		db.Model(&models.ListRemoval{}).Where("participant_id = ? AND party_id = ?", person.ID, e.Party.ID).Count(&removals)
	}
	count()
	if members != 0 || reserves != 0 || removals != 1 {
		t.Fatalf("after fjern mig: %d memberships, %d reserve places, %d removals", members, reserves, removals)
	}
	var r models.ListRemoval
	db.Where("participant_id = ?", person.ID).First(&r)
	if !r.AtRequest || r.RemovedBy != nil || r.AssignmentID == nil || *r.AssignmentID != answered.ID || !r.Open() {
		t.Errorf("removal %+v", r)
	}
	if got := temporal.cancels(); len(got) != 1 || got[0] != open.WorkflowID {
		t.Fatalf("cancellations sent: %v, want the other invitation %s", got, open.WorkflowID)
	}
	db.First(&open, open.ID)
	if open.State != models.StateCancelled {
		t.Errorf("the other invitation is %s", open.State)
	}

	// Retried: a clear refusal, one removal, nothing sent again.
	if _, err := svc.AnswerByLink(ctx, token, recruit.RemoveMe); recruit.AnswerRefusal(err) != workflows.RefusedAlreadyDeclined {
		t.Errorf("retried answer: %v", err)
	}
	count()
	if removals != 1 || len(temporal.cancels()) != 1 {
		t.Errorf("after the retry: %d removals, cancellations %v", removals, temporal.cancels())
	}

	// The party cannot nominate the person again, not even staff; the
	// refusal says why.
	back := models.Slot{ElectionID: e.Election.ID, StationID: e.Stations[0].ID, TaskTypeID: e.TaskType.ID, Day: day.AddDays(-2),
		PartyID: e.Party.ID, CreatedAt: now}
	db.Create(&back)
	_, err := svc.Nominate(ctx, e.Staff, recruit.Nomination{ElectionID: e.Election.ID, SlotID: back.ID, ParticipantID: person.ID})
	if !isRefusal(err, recruit.Conflict, "error.removal.atrequest") {
		t.Errorf("nominating again: %v", err)
	}
}

// Staff recording a "fjern mig" taken by phone does the same, with the
// staff member recorded as the one who took it.
func TestRemoveMeRecordedByStaff(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 1, 1, 2)
	a := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now})
	svc := recruit.New(recruit.Config{DB: db, Temporal: &projecting{db: db}, Keys: keys, Now: func() time.Time { return now }})
	if _, err := svc.ActOnAssignment(ctx, e.Staff, a.ID, recruit.RemoveMe); err != nil {
		t.Fatal(err)
	}
	var r models.ListRemoval
	db.Where("participant_id = ?", e.People[0].ID).First(&r)
	if !r.Open() || !r.AtRequest || r.RemovedBy == nil || *r.RemovedBy != e.Staff.ID || r.PartyID != e.Party.ID {
		t.Fatalf("removal %+v", r)
	}
	// The other person on the list is untouched.
	var n int64
	db.Model(&models.PartyMembership{}).Where("participant_id = ?", e.People[1].ID).Count(&n)
	if n != 1 {
		t.Errorf("the other person's membership: %d", n)
	}
}

// Staff take a person off the list while Temporal is unreachable: the
// removal stands (the person is blocked at once) and the use case says the
// invitation could not be retracted, rather than claiming it was.
func TestRemovalWhoseRetractionFailsSaysSo(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	e := storetest.SeedElection(t, db, models.NewDate(2027, time.January, 19), 1, 1, 1)
	a := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now})
	down := &lifecycles{refuse: errors.New("connection refused")}
	svc := recruit.New(recruit.Config{DB: db, Temporal: down, Keys: keys, Now: func() time.Time { return now }})
	out, err := svc.RemoveFromList(ctx, e.Staff, e.People[0].ID, e.Party.ID)
	if !isRefusal(err, recruit.Unavailable, "error.removal.unavailable") || out.Removal.ID == 0 || len(down.updates) != 1 ||
		down.updates[0].UpdateName != workflows.CancelUpdate {
		t.Fatalf("removal with Temporal down: %+v %v", out, err)
	}
	if r, _ := store.OpenRemovalOf(ctx, db, e.People[0].ID, e.Party.ID); !r.Open() || r.AtRequest {
		t.Errorf("removal %+v", r)
	}
}
