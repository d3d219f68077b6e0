package electionday_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/electionday"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows"
)

// lifecycles stands in for Temporal: it records the check-ins sent and
// answers with the refusal it is told to (a real lifecycle's are tested in
// workflows).
type lifecycles struct {
	client.Client
	refuse error
	sent   []workflows.CheckIn
	to     []string
}

type done struct{ client.WorkflowUpdateHandle }

func (done) Get(context.Context, any) error { return nil }

func (l *lifecycles) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if o.UpdateName != workflows.CheckInUpdate {
		return nil, errors.New("not a check-in")
	}
	if l.refuse != nil {
		return nil, l.refuse
	}
	l.sent = append(l.sent, o.Args[0].(workflows.CheckIn))
	l.to = append(l.to, o.WorkflowID)
	return done{}, nil
}

type world struct {
	db        *gorm.DB
	e         storetest.Election
	temporal  *lifecycles
	svc       *electionday.Service
	ida, carl models.Assignment // at station 1 and station 2
}

func newWorld(t *testing.T) *world {
	db := storetest.SQLite(t)
	storetest.WithKeys(t, db)
	w := &world{db: db, temporal: &lifecycles{}}
	w.e = storetest.SeedElection(t, db, models.NewDate(2026, 11, 3), 2, 2, 2)
	w.ida = storetest.Nominate(t, db, w.e.Slots[0], w.e.People[0].ID)
	w.carl = storetest.Nominate(t, db, w.e.Slots[1], w.e.People[1].ID)
	db.Model(&models.Assignment{}).Where("id IN ?", []int64{w.ida.ID, w.carl.ID}).Update("state", models.StateConfirmed)
	now := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
	w.svc = &electionday.Service{DB: db, Temporal: w.temporal, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	if err := store.NameStationLeader(context.Background(), db, w.e.Staff, w.e.Election.ID, w.e.Stations[0].ID, w.e.People[0].ID, now); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLeaderChecksInOnlyAtTheirStation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	leader := electionday.AsLeader(w.e.People[0].ID)
	if err := w.svc.CheckIn(ctx, leader, w.ida.ID, true); err != nil {
		t.Fatal(err)
	}
	if len(w.temporal.sent) != 1 || w.temporal.sent[0] != (workflows.CheckIn{Present: true, By: "leader:" + itoa(w.e.People[0].ID)}) ||
		w.temporal.to[0] != w.ida.WorkflowID {
		t.Fatalf("sent %+v to %v", w.temporal.sent, w.temporal.to)
	}
	for name, err := range map[string]error{
		"another station's person": w.svc.CheckIn(ctx, leader, w.carl.ID, false),
		"an unknown assignment":    w.svc.CheckIn(ctx, leader, 999999, false),
		"a volunteer leading none": w.svc.CheckIn(ctx, electionday.AsLeader(w.e.People[1].ID), w.ida.ID, false),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if _, err := w.svc.StationStaff(ctx, leader, w.e.Election.ID, w.e.Stations[1].ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("another station's list: %v, want not found", err)
	}
	st, err := w.svc.StationStaff(ctx, leader, w.e.Election.ID, w.e.Stations[0].ID)
	if err != nil || len(st.People) != 1 || st.People[0].Name != "Person 1" || st.Leaders != nil || !st.MayMark {
		t.Fatalf("her station's list %+v, %v", st, err)
	}
	// A person with address protection: a leader gets no phone number, staff do.
	var p models.Participant
	w.db.First(&p, w.e.People[0].ID)
	p.Mobile, p.ProtectedAddress = models.NewSecret("+4520000001"), true
	if err := w.db.Save(&p).Error; err != nil {
		t.Fatal(err)
	}
	if st, _ := w.svc.StationStaff(ctx, leader, w.e.Election.ID, w.e.Stations[0].ID); st.People[0].Phone != "" {
		t.Errorf("a leader sees a protected person's phone %q", st.People[0].Phone)
	}
	if st, _ := w.svc.StationStaff(ctx, electionday.AsStaff(w.e.Staff), w.e.Election.ID, w.e.Stations[0].ID); st.People[0].Phone != "+4520000001" {
		t.Errorf("staff see %q, want the phone", st.People[0].Phone)
	}
	// A closed election: the leader sees nothing more.
	w.db.Model(&w.e.Election).Update("state", models.ElectionClosed)
	if err := w.svc.CheckIn(ctx, leader, w.ida.ID, true); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("in a closed election: %v, want not found", err)
	}
	if len(w.temporal.sent) != 1 {
		t.Fatalf("refused check-ins reached the lifecycle: %+v", w.temporal.sent)
	}
}

func TestCheckInRefusalsAreKeyed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	staff := electionday.AsStaff(w.e.Staff)
	for _, c := range []struct {
		refuse error
		kind   recruit.Kind
		key    string
	}{
		{temporal.NewApplicationError("x", workflows.RefusedNotTaskDay), recruit.Conflict, "error.checkin.NotTaskDay"},
		{temporal.NewApplicationError("x", workflows.RefusedEnded), recruit.Conflict, "error.checkin.Ended"},
		{temporal.NewApplicationError("x", workflows.RefusedNotYet), recruit.Unavailable, "error.checkin.unavailable"},
		{errors.New("connection refused"), recruit.Unavailable, "error.checkin.unavailable"},
	} {
		w.temporal.refuse = c.refuse
		err := w.svc.CheckIn(ctx, staff, w.carl.ID, false)
		r, ok := recruit.AsRefusal(err)
		if !ok || r.Kind != c.kind || r.Key != c.key {
			t.Errorf("%v: got %v, want %v %s", c.refuse, err, c.kind, c.key)
		}
	}
	reader := electionday.AsStaff(models.User{ID: 5, Role: models.RoleReadOnly})
	if err := w.svc.CheckIn(ctx, reader, w.carl.ID, true); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("read-only staff: %v, want forbidden", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
