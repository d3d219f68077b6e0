package activities_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// flakySMS fails its first send as a provider outage would, then sends;
// it keeps every call's number, text and idempotency key.
type flakySMS struct {
	mu    sync.Mutex
	calls []struct{ to, body, key string }
}

func (f *flakySMS) Send(_ context.Context, to, body, key string) (sms.Sent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, struct{ to, body, key string }{to, body, key})
	if len(f.calls) == 1 {
		return sms.Sent{}, errors.New("connection reset")
	}
	return sms.Sent{SID: "SM" + key}, nil
}

// A day offer's SMS retried after an outage goes with the same message id
// (the provider's idempotency key), is recorded once, and is not sent
// again by a later run; a number that opted out gets nothing.
func TestDayOfferSMSIsSentOnce(t *testing.T) {
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	day := models.NewDate(2027, time.March, 2)
	e := storetest.SeedElection(t, db, day, 1, 1, 3)
	now := time.Date(2027, time.March, 2, 6, 45, 0, 0, time.UTC)
	for i, number := range []string{"", "+4540000001", "+4540000002"} {
		if number == "" {
			continue
		}
		p := e.People[i]
		idx := store.MobileIndex(keys, number)
		p.Mobile, p.MobileIndex = models.NewSecret(number), &idx
		if err := db.Select("mobile", "mobile_index").Save(&p).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Create(&models.SMSOptOut{MobileIndex: store.MobileIndex(keys, "+4540000002"), OptedOutAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	absent := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	db.Model(&absent).Update("state", models.StateNoShow)
	offer := func(i int) models.DayOffer {
		o := models.DayOffer{ElectionID: e.Election.ID, AbsentAssignmentID: absent.ID, ParticipantID: e.People[i].ID, Source: models.FromPool,
			State: models.DayOfferAsked, WorkflowID: payload.DayReplacementID(absent.ID), AskedAt: now}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
		return o
	}
	reachable, optedOut := offer(1), offer(2)

	provider := &flakySMS{}
	acts := &activities.Activities{DB: db, SMS: provider, Keys: keys, BaseURL: "https://valg.example.dk", Now: func() time.Time { return now }}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	send := func(o models.DayOffer) error {
		_, err := env.ExecuteActivity(acts.SendDaySMS, activities.DayMessage{AbsentAssignmentID: absent.ID, Kind: models.KindDayOffer,
			Key: fmt.Sprintf("offer-%d", o.ID), OfferID: o.ID})
		return err
	}
	if err := send(reachable); err == nil {
		t.Fatal("the outage was not an error to retry")
	}
	for range 2 {
		if err := send(reachable); err != nil {
			t.Fatal(err)
		}
	}
	if len(provider.calls) != 2 || provider.calls[0].key != provider.calls[1].key || provider.calls[1].to != "+4540000001" {
		t.Fatalf("provider calls %+v: want the failed one and its retry, same key", provider.calls)
	}
	// 07:45 in Copenhagen: come at 08:15, the task having begun at 07:00.
	if want := "Kan du møde som Tilforordnet på Skole 1 kl. 08:15 i dag? Svar JA"; !strings.HasPrefix(provider.calls[1].body, want) {
		t.Fatalf("text %q", provider.calls[1].body)
	}
	var msgs []models.Message
	db.Where("kind = ?", models.KindDayOffer).Find(&msgs)
	if len(msgs) != 1 || msgs[0].Status != models.MessageSent || msgs[0].ID != provider.calls[0].key {
		t.Fatalf("messages %+v", msgs)
	}
	got, _ := store.DayOfferByID(context.Background(), db, reachable.ID)
	if got.MessageID == nil || *got.MessageID != msgs[0].ID {
		t.Fatalf("the offer does not name its message: %+v", got)
	}

	if err := send(optedOut); err != nil {
		t.Fatal(err)
	}
	if len(provider.calls) != 2 {
		t.Fatal("an SMS went to a number that opted out")
	}
	var failed int64
	db.Model(&models.Message{}).Where("kind = ? AND status = ?", models.KindDayOffer, models.MessageFailed).Count(&failed)
	if failed != 1 {
		t.Fatalf("%d failed messages, want the opted-out one", failed)
	}
}

// The station leader's SMS names the replacement with their number, but
// not the number of one with name and address protection: the leader's
// check-in list shows none either.
func TestLeaderIsToldTheReplacementsNumberUnlessProtected(t *testing.T) {
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	day := models.NewDate(2027, time.March, 2)
	e := storetest.SeedElection(t, db, day, 1, 1, 3)
	now := time.Date(2027, time.March, 2, 6, 45, 0, 0, time.UTC)
	for i, number := range []string{"", "+4540000001", "+4540000002"} {
		if number == "" {
			continue
		}
		p := e.People[i]
		idx := store.MobileIndex(keys, number)
		p.Mobile, p.MobileIndex = models.NewSecret(number), &idx
		if err := db.Select("mobile", "mobile_index").Save(&p).Error; err != nil {
			t.Fatal(err)
		}
	}
	absent := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
	db.Model(&absent).Update("state", models.StateNoShow)
	replacement, leader := e.People[1], e.People[2]
	offer := models.DayOffer{ElectionID: e.Election.ID, AbsentAssignmentID: absent.ID, ParticipantID: replacement.ID, Source: models.FromPool,
		State: models.DayOfferAccepted, WorkflowID: payload.DayReplacementID(absent.ID), AskedAt: now}
	if err := db.Create(&offer).Error; err != nil {
		t.Fatal(err)
	}

	provider := &recordingSMS{}
	acts := &activities.Activities{DB: db, SMS: provider, Keys: keys, BaseURL: "https://valg.example.dk", Now: func() time.Time { return now }}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	tell := func(key string) string {
		t.Helper()
		if _, err := env.ExecuteActivity(acts.SendDaySMS, activities.DayMessage{AbsentAssignmentID: absent.ID, Kind: models.KindDayReplaced,
			Key: key, OfferID: offer.ID, LeaderID: leader.ID}); err != nil {
			t.Fatal(err)
		}
		last := len(provider.to) - 1
		if provider.to[last] != "+4540000002" {
			t.Fatalf("the leader's SMS went to %s", provider.to[last])
		}
		return provider.bodies[last]
	}
	if body := tell("leader/replaced"); !strings.Contains(body, replacement.Name+", tlf. +4540000001,") {
		t.Fatalf("the leader's SMS does not name the replacement and their number: %q", body)
	}
	if err := db.Model(&replacement).Update("protected_address", true).Error; err != nil {
		t.Fatal(err)
	}
	body := tell("leader/replaced-protected")
	if strings.Contains(body, "+4540000001") || !strings.Contains(body, "tlf. "+models.ProtectedPhone) {
		t.Fatalf("the leader's SMS about a protected replacement: %q", body)
	}
}
