package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows"
)

// smsOutbox records the SMS the activities send, once per idempotency key
// (as the provider does).
type smsOutbox struct {
	mu   sync.Mutex
	keys map[string]bool
	sent []sentSMS
}

type sentSMS struct{ to, body string }

func (o *smsOutbox) Send(_ context.Context, to, body, key string) (sms.Sent, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys == nil {
		o.keys = map[string]bool{}
	}
	if !o.keys[key] {
		o.keys[key] = true
		o.sent = append(o.sent, sentSMS{to, body})
	}
	return sms.Sent{SID: "SM" + key}, nil
}

// to returns the bodies sent to a number.
func (o *smsOutbox) to(number string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, s := range o.sent {
		if s.to == number {
			out = append(out, s.body)
		}
	}
	return out
}

// dayEnv is a replacement on the election day: person 0 on slot 0 marked
// absent at 7:45; persons 1 and 2 the party's reserves for the station,
// person 3 its municipality-wide reserve, person 4 in the pool, person 5
// the station leader, person 6 a reserve without a mobile number.
type dayEnv struct {
	*testsuite.TestWorkflowEnvironment
	db     *gorm.DB
	seed   storetest.Election
	sms    *smsOutbox
	out    *outbox
	absent models.Assignment
}

func mobileOf(i int) string { return fmt.Sprintf("+452000000%d", i) }

func newDayEnv(t *testing.T) *dayEnv {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	de := &dayEnv{TestWorkflowEnvironment: env, db: db, sms: &smsOutbox{}, out: &outbox{}}
	de.seed = storetest.SeedElection(t, db, electionDay, 1, 2, 7)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		setMobile(t, db, keys, de.seed.People[i].ID, mobileOf(i))
	}
	must(db.Model(&models.Municipality{}).Where("1 = 1").Update("secretariat_email", "valg@testrup.dk").Error)
	station := de.seed.Stations[0].ID
	now := time.Now().UTC()
	for i, st := range map[int]*int64{1: &station, 2: &station, 3: nil, 6: &station} {
		must(db.Create(&models.Reserve{ElectionID: de.seed.Election.ID, PartyID: de.seed.Party.ID, StationID: st,
			ParticipantID: de.seed.People[i].ID, CreatedAt: now.Add(time.Duration(i) * time.Second)}).Error)
	}
	must(db.Model(&models.Participant{}).Where("id = ?", de.seed.People[4].ID).Update("keep_in_pool", true).Error)
	must(db.Create(&models.StationLeader{ElectionID: de.seed.Election.ID, StationID: station, ParticipantID: de.seed.People[5].ID,
		CreatedAt: now}).Error)
	de.absent = storetest.Nominate(t, db, de.seed.Slots[0], de.seed.People[0].ID)
	must(db.Model(&de.absent).Updates(map[string]any{"state": models.StateNoShow, "attendance": models.AttendanceAbsent}).Error)

	// 7:45 on the election day, Copenhagen time.
	env.SetStartTime(electionDay.In(models.Copenhagen).Add(7*time.Hour + 45*time.Minute))
	env.RegisterWorkflow(workflows.DayReplacement)
	env.RegisterWorkflow(workflows.Lifecycle)
	env.RegisterActivity(&activities.Activities{DB: db, Mail: de.out, SMS: de.sms, Keys: keys, BaseURL: "https://valg.example.dk", Now: env.Now})
	return de
}

func setMobile(t *testing.T, db *gorm.DB, keys *vault.Keyring, id int64, number string) {
	t.Helper()
	idx := store.MobileIndex(keys, number)
	var p models.Participant
	if err := db.First(&p, id).Error; err != nil {
		t.Fatal(err)
	}
	p.Mobile, p.MobileIndex = models.NewSecret(number), &idx
	if err := db.Select("mobile", "mobile_index").Save(&p).Error; err != nil {
		t.Fatal(err)
	}
}

// acceptFrom sends person i's JA to their offer after delay.
func (de *dayEnv) acceptFrom(t *testing.T, delay time.Duration, i int) *dayOutcome {
	o := &dayOutcome{}
	de.RegisterDelayedCallback(func() {
		var offer models.DayOffer
		if err := de.db.Where("participant_id = ?", de.seed.People[i].ID).First(&offer).Error; err != nil {
			t.Errorf("person %d has no offer: %v", i, err)
			return
		}
		de.UpdateWorkflow(workflows.DayAcceptUpdate, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { o.err, o.done = err, true },
			OnComplete: func(v any, err error) {
				o.err, o.done = err, true
				if st, ok := v.(workflows.DayReplacementStatus); ok {
					o.status = st
				}
			},
		}, workflows.DayAccept{OfferID: offer.ID})
	}, delay)
	return o
}

type dayOutcome struct {
	status workflows.DayReplacementStatus
	err    error
	done   bool
}

func (de *dayEnv) offers(t *testing.T) map[int64]models.DayOffer {
	t.Helper()
	var os []models.DayOffer
	if err := de.db.Find(&os).Error; err != nil {
		t.Fatal(err)
	}
	m := map[int64]models.DayOffer{}
	for _, o := range os {
		m[o.ParticipantID] = o
	}
	return m
}

func (de *dayEnv) notices(t *testing.T, kind string) int64 {
	t.Helper()
	var n int64
	if err := de.db.Model(&models.Notice{}).Where("assignment_id = ? AND kind = ?", de.absent.ID, kind).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDayReplacementFirstJATakesTheSlot(t *testing.T) {
	de := newDayEnv(t)
	second := de.acceptFrom(t, 5*time.Minute, 2)
	late := de.acceptFrom(t, 6*time.Minute, 3)
	var during workflows.DayReplacementStatus
	de.RegisterDelayedCallback(func() {
		v, err := de.QueryWorkflow(workflows.StatusQuery)
		if err != nil {
			t.Error(err)
			return
		}
		_ = v.Get(&during)
	}, 2*time.Minute)

	// No name or number passes through the history: activity inputs and
	// results are ids, states and counts.
	var payloads []string
	var mu sync.Mutex
	de.SetOnActivityStartedListener(func(_ *activity.Info, _ context.Context, args converter.EncodedValues) {
		var a, b, c json.RawMessage
		_ = args.Get(&a, &b, &c)
		mu.Lock()
		payloads = append(payloads, string(a), string(b), string(c))
		mu.Unlock()
	})
	de.SetOnActivityCompletedListener(func(_ *activity.Info, result converter.EncodedValue, _ error) {
		var r json.RawMessage
		if result != nil && result.HasValue() && result.Get(&r) == nil {
			mu.Lock()
			payloads = append(payloads, string(r))
			mu.Unlock()
		}
	})

	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		if strings.Contains(p, "Person ") || strings.Contains(p, "+452") || strings.Contains(p, "@example.dk") {
			t.Fatalf("personal data in the history: %s", p)
		}
	}
	if len(payloads) < 10 {
		t.Fatalf("the listener saw %d payloads", len(payloads))
	}
	if during.State != workflows.DaySearching || during.Asked != 3 {
		t.Fatalf("status while searching: %+v; want 3 asked at once", during)
	}
	// The three reserves were asked at once; the pool and the person
	// without a mobile number were not.
	for i := 1; i <= 3; i++ {
		if got := de.sms.to(mobileOf(i)); len(got) == 0 || !strings.Contains(got[0], "Kan du møde som Tilforordnet på Skole 1 kl. 08:15") {
			t.Fatalf("person %d got %q", i, got)
		}
	}
	if got := de.sms.to(mobileOf(4)); len(got) != 0 {
		t.Fatalf("the pool was asked before the reserves ran out: %q", got)
	}
	if second.err != nil || second.status.State != workflows.DayTaken || second.status.TakenBy == 0 {
		t.Fatalf("the second's JA: %+v", second)
	}
	if workflows.DayRefusal(late.err) != workflows.RefusedTaken {
		t.Fatalf("a JA after the slot was taken got %v, want %s", late.err, workflows.RefusedTaken)
	}
	var next models.Assignment
	if err := de.db.First(&next, second.status.TakenBy).Error; err != nil {
		t.Fatal(err)
	}
	if next.ParticipantID != de.seed.People[2].ID || next.SlotID != de.absent.SlotID || next.ReplacesID == nil ||
		*next.ReplacesID != de.absent.ID || next.AnsweredBy != "sms" || next.State == models.StateNominated {
		t.Fatalf("the new assignment: %+v", next)
	}
	// Its lifecycle began (confirmed: the confirmation went out).
	var confirmations int64
	if err := de.db.Model(&models.Message{}).Where("assignment_id = ? AND kind = ?", next.ID, models.KindConfirmation).
		Count(&confirmations).Error; err != nil || confirmations != 1 {
		t.Fatalf("confirmation messages of the new lifecycle: %d, %v", confirmations, err)
	}
	// The other two are told it is taken; the leader who comes.
	for _, i := range []int{1, 3} {
		got := de.sms.to(mobileOf(i))
		if len(got) != 2 || !strings.Contains(got[1], "allerede taget") {
			t.Fatalf("person %d got %q", i, got)
		}
	}
	if got := de.sms.to(mobileOf(2)); len(got) != 1 {
		t.Fatalf("the one who took the slot got %q", got)
	}
	leader := de.sms.to(mobileOf(5))
	if len(leader) != 1 || !strings.Contains(leader[0], "Person 3, tlf. "+mobileOf(2)) {
		t.Fatalf("the leader got %q", leader)
	}
	offers := de.offers(t)
	if offers[de.seed.People[2].ID].State != models.DayOfferAccepted || offers[de.seed.People[1].ID].State != models.DayOfferTaken {
		t.Fatalf("offers: %+v", offers)
	}
	if de.notices(t, models.NoticeDayReplaced) != 1 {
		t.Fatal("no notice for the secretariat")
	}
	var st workflows.DayReplacementStatus
	if v, err := de.QueryWorkflow(workflows.StatusQuery); err != nil || v.Get(&st) != nil || st.State != workflows.DayTaken || st.Asked != 3 {
		t.Fatalf("status after: %+v %v", st, err)
	}
}

func TestDayReplacementEscalatesAtTheDeadline(t *testing.T) {
	de := newDayEnv(t)
	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// Waves every 15 minutes: the three reserves, then the pool, then nobody.
	if got := de.sms.to(mobileOf(4)); len(got) != 1 {
		t.Fatalf("the pool's person got %q", got)
	}
	leader := de.sms.to(mobileOf(5))
	if len(leader) != 1 || !strings.Contains(leader[0], "ikke fundet en afløser") || !strings.Contains(leader[0], "ingen af dem, vi har spurgt, har sagt ja") {
		t.Fatalf("the leader got %q", leader)
	}
	if de.notices(t, models.NoticeDayEscalated) != 1 {
		t.Fatal("no notice for the secretariat")
	}
	subjects := de.out.subjects()
	if len(subjects) != 1 || subjects[0] != "Ingen afløser fundet: Tilforordnet på Skole 1" {
		t.Fatalf("e-mails %q", subjects)
	}
	for p, o := range de.offers(t) {
		if o.State != models.DayOfferUnanswered {
			t.Fatalf("offer to %d is %s", p, o.State)
		}
	}
	if got := len(de.offers(t)); got != 4 {
		t.Fatalf("%d asked, want 4", got)
	}
	var next int64
	de.db.Model(&models.Assignment{}).Where("replaces_id = ?", de.absent.ID).Count(&next)
	if next != 0 {
		t.Fatal("a slot was taken without a JA")
	}
	var st workflows.DayReplacementStatus
	if v, err := de.QueryWorkflow(workflows.StatusQuery); err != nil || v.Get(&st) != nil || st.State != workflows.DayEscalated {
		t.Fatalf("status: %+v %v", st, err)
	}
}

// declineFrom records person i's NEJ to their offer after delay and tells
// the replacement, as recruit does with the SMS.
func (de *dayEnv) declineFrom(t *testing.T, delay time.Duration, i int) {
	de.RegisterDelayedCallback(func() {
		var offer models.DayOffer
		if err := de.db.Where("participant_id = ?", de.seed.People[i].ID).First(&offer).Error; err != nil {
			t.Errorf("person %d has no offer: %v", i, err)
			return
		}
		if _, err := store.DeclineDayOffer(context.Background(), de.db, offer.ID, de.Now()); err != nil {
			t.Error(err)
		}
		de.SignalWorkflow(workflows.DayDeclineSignal, offer.ID)
	}, delay)
}

// Minutes count on the day: when everyone asked says NEJ, the next wave
// goes out at once, not at its quarter hour; when nobody new is left, the
// leader hears at once, not at the deadline.
func TestDayReplacementAsksOnWhenEveryoneSaysNEJ(t *testing.T) {
	de := newDayEnv(t)
	for _, i := range []int{1, 2, 3} { // the first wave: the station's and the party's reserves
		de.declineFrom(t, time.Duration(i)*time.Minute, i)
	}
	var poolAskedBy4, leaderToldBy4 bool
	de.RegisterDelayedCallback(func() {
		poolAskedBy4 = len(de.sms.to(mobileOf(4))) == 1
		leaderToldBy4 = len(de.sms.to(mobileOf(5))) > 0
	}, 4*time.Minute)
	de.declineFrom(t, 5*time.Minute, 4)
	start := de.Now()
	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !poolAskedBy4 || leaderToldBy4 {
		t.Fatalf("at 7:49, after three NEJ: the pool's person asked %v (want true), the leader told %v (want false)", poolAskedBy4, leaderToldBy4)
	}
	// The last NEJ at 7:50 leaves nobody to ask: the search ends then.
	if ended := de.Now().Sub(start); len(de.sms.to(mobileOf(5))) != 1 || ended > 5*time.Minute {
		t.Fatalf("the leader got %q; the search ended %v after it began, want 5m", de.sms.to(mobileOf(5)), ended)
	}
	if de.notices(t, models.NoticeDayEscalated) != 1 {
		t.Fatal("no notice for the secretariat")
	}
	for p, o := range de.offers(t) {
		if o.State != models.DayOfferDeclined {
			t.Fatalf("offer to %d is %s", p, o.State)
		}
	}
}

func TestDayReplacementOfSomeoneNotAbsentDoesNothing(t *testing.T) {
	de := newDayEnv(t)
	// Marked present after all: the lifecycle goes on, nobody is replaced.
	if err := de.db.Model(&de.absent).Updates(map[string]any{"state": models.StateConfirmed, "attendance": models.AttendancePresent}).Error; err != nil {
		t.Fatal(err)
	}
	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(de.offers(t)) != 0 || len(de.sms.sent) != 0 {
		t.Fatal("a replacement was searched for a person who is not absent")
	}
}

// Started while the absent person's lifecycle is still writing the
// no-show, the replacement waits for it rather than finding the slot held.
func TestDayReplacementWaitsForTheNoShowToBeWritten(t *testing.T) {
	de := newDayEnv(t)
	if err := de.db.Model(&de.absent).Update("state", models.StateConfirmed).Error; err != nil {
		t.Fatal(err)
	}
	de.RegisterDelayedCallback(func() {
		if err := de.db.Model(&de.absent).Update("state", models.StateNoShow).Error; err != nil {
			t.Error(err)
		}
	}, 5*time.Second)
	accepted := de.acceptFrom(t, 5*time.Minute, 1)
	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if accepted.err != nil || accepted.status.State != workflows.DayTaken {
		t.Fatalf("JA: %+v", accepted)
	}
}

// Staff fill the slot themselves while the search runs: the first JA
// finds it taken and is refused so, the search ends, those asked are
// thanked and their offers closed; the leader hears it from the staff.
func TestDayReplacementEndsWhenStaffFillTheSlot(t *testing.T) {
	de := newDayEnv(t)
	de.RegisterDelayedCallback(func() {
		a := storetest.Nominate(t, de.db, de.seed.Slots[0], de.seed.People[4].ID)
		if err := de.db.Model(&a).Update("state", models.StateConfirmed).Error; err != nil {
			t.Error(err)
		}
	}, 3*time.Minute)
	ja := de.acceptFrom(t, 5*time.Minute, 1)
	de.ExecuteWorkflow(workflows.DayReplacement, workflows.DayReplacementInput{AbsentAssignmentID: de.absent.ID})
	if err := de.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if workflows.DayRefusal(ja.err) != workflows.RefusedTaken {
		t.Fatalf("JA after staff filled the slot: %v", ja.err)
	}
	for p, o := range de.offers(t) {
		if o.State != models.DayOfferTaken {
			t.Fatalf("offer to %d is %s", p, o.State)
		}
	}
	for _, i := range []int{1, 2, 3} {
		if got := de.sms.to(mobileOf(i)); len(got) != 2 || !strings.Contains(got[1], "allerede taget") {
			t.Fatalf("person %d got %q", i, got)
		}
	}
	if got := de.sms.to(mobileOf(5)); len(got) != 0 {
		t.Fatalf("the leader got %q", got)
	}
}
