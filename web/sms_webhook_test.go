package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows"
)

const (
	publicURL = "https://valg.example.dk"
	authToken = "0123456789abcdef0123456789abcdef"
	mobile    = "+4520304050"
)

// recordedUpdates stands in for Temporal's update API: it records every
// update sent and answers with refuse, if set.
type recordedUpdates struct {
	temporalHealth
	mu      sync.Mutex
	updates []sentUpdate
	refuse  error
}

type sentUpdate struct {
	workflowID, name string
	answer           workflows.Answer
}

func (r *recordedUpdates) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := sentUpdate{workflowID: o.WorkflowID, name: o.UpdateName}
	if len(o.Args) == 1 {
		u.answer, _ = o.Args[0].(workflows.Answer)
	}
	r.updates = append(r.updates, u)
	if r.refuse != nil {
		return nil, r.refuse
	}
	return updateDone{}, nil
}

func (r *recordedUpdates) sent() []sentUpdate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentUpdate(nil), r.updates...)
}

type updateDone struct{}

func (updateDone) WorkflowID() string             { return "" }
func (updateDone) RunID() string                  { return "" }
func (updateDone) UpdateID() string               { return "" }
func (updateDone) Get(context.Context, any) error { return nil }

var _ converter.DataConverter // keep the SDK's converter in the test's imports honest

// smsFixture: an active election in which one person, reachable on
// mobile, has two open invitations on two days (codes 1111 and 2222).
type smsFixture struct {
	app      http.Handler
	db       *gorm.DB
	temporal *recordedUpdates
	keys     *vault.Keyring
	open     []models.Assignment
	person   models.Participant
}

func newSMSFixture(t *testing.T, db *gorm.DB) *smsFixture {
	t.Helper()
	keys := storetest.WithKeys(t, db)
	day := models.NewDate(2027, time.January, 19)
	e := storetest.SeedElection(t, db, day, 1, 1, 2)
	f := &smsFixture{db: db, keys: keys, temporal: &recordedUpdates{}, person: e.People[0]}
	index := store.MobileIndex(keys, mobile)
	f.person.Mobile, f.person.MobileIndex = models.NewSecret(mobile), &index
	if err := db.Save(&f.person).Error; err != nil {
		t.Fatal(err)
	}
	second := models.Slot{ElectionID: e.Election.ID, StationID: e.Stations[0].ID, TaskTypeID: e.TaskType.ID, Day: day.AddDays(1),
		PartyID: e.Party.ID, CreatedAt: now}
	if err := db.Create(&second).Error; err != nil {
		t.Fatal(err)
	}
	for i, slot := range []models.Slot{e.Slots[0], second} {
		a := storetest.Nominate(t, db, slot, f.person.ID)
		invited := now.Add(time.Duration(i) * time.Minute)
		if err := db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": invited}).Error; err != nil {
			t.Fatal(err)
		}
		if err := store.SaveAnswerToken(context.Background(), db, a.ID, strings.Repeat(string(rune('a'+i)), 64), []string{"1111", "2222"}[i], now); err != nil {
			t.Fatal(err)
		}
		f.open = append(f.open, a)
	}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: f.temporal, Now: func() time.Time { return now }, Log: quietLog(), Keys: keys}), Now: func() time.Time { return now }, Log: quietLog(), PublicURL: publicURL, SMSAuthToken: authToken})
	return f
}

// post sends a webhook as Twilio would, signed over signURL (the reply
// URL when empty) unless sig is given.
func (f *smsFixture) post(path string, form url.Values, sig string) *httptest.ResponseRecorder {
	if sig == "" {
		sig = smsfake.Sign(authToken, publicURL+path, form)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "-" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	rec := httptest.NewRecorder()
	f.app.ServeHTTP(rec, req)
	return rec
}

func reply(from, body string) url.Values {
	return url.Values{"From": {from}, "To": {"+4570000000"}, "Body": {body}, "MessageSid": {"SM" + strings.Repeat("0", 32)},
		"AccountSid": {"AC" + strings.Repeat("1", 32)}, "NumMedia": {"0"}}
}

func TestSMSReplySignatureIsRequired(t *testing.T) {
	f := newSMSFixture(t, storetest.SQLite(t))
	form := reply(mobile, "JA 1111")
	tampered := reply(mobile, "NEJ 1111")
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"missing":      f.post("/webhooks/twilio/sms", form, "-"),
		"tampered":     f.post("/webhooks/twilio/sms", tampered, smsfake.Sign(authToken, publicURL+"/webhooks/twilio/sms", form)),
		"other URL":    f.post("/webhooks/twilio/sms", form, smsfake.Sign(authToken, "http://127.0.0.1:8080/webhooks/twilio/sms", form)),
		"other secret": f.post("/webhooks/twilio/sms", form, smsfake.Sign(strings.Repeat("f", 32), publicURL+"/webhooks/twilio/sms", form)),
		"status, unsigned": f.post("/webhooks/twilio/status", url.Values{"MessageSid": {"SM" + strings.Repeat("0", 32)},
			"MessageStatus": {"delivered"}}, "-"),
	} {
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s signature: %d, want 403", name, rec.Code)
		}
	}
	if got := f.temporal.sent(); len(got) != 0 {
		t.Errorf("an unsigned reply reached a lifecycle: %v", got)
	}
}

func TestSMSReplyMalformedIsRefused(t *testing.T) {
	f := newSMSFixture(t, storetest.SQLite(t))
	for name, form := range map[string]url.Values{
		"no sender":     {"Body": {"JA"}, "MessageSid": {"SM" + strings.Repeat("0", 32)}},
		"not E.164":     reply("20304050", "JA"),
		"invalid UTF-8": reply(mobile, "JA \xff\xfe"),
		"oversized":     reply(mobile, strings.Repeat("ja ", 600)),
	} {
		if rec := f.post("/webhooks/twilio/sms", form, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, rec.Code, rec.Body)
		}
	}
	if got := f.temporal.sent(); len(got) != 0 {
		t.Errorf("a malformed reply reached a lifecycle: %v", got)
	}
}

func TestSMSReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSMSFixture(t, db)
		twiml := func(from, body string) string {
			t.Helper()
			rec := f.post("/webhooks/twilio/sms", reply(from, body), "")
			if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "xml") {
				t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
			}
			return rec.Body.String()
		}
		// An unknown number: nothing to answer.
		if got := twiml("+4599999999", "JA"); !strings.Contains(got, "ingen invitation") {
			t.Errorf("unknown number: %s", got)
		}
		// Two open invitations and no code: the person is asked for it.
		if got := twiml(mobile, "Ja!"); !strings.Contains(got, "flere invitationer") || !strings.Contains(got, "JA 1111") {
			t.Errorf("two invitations, no code: %s", got)
		}
		// A code that is neither.
		if got := twiml(mobile, "ja 9999"); !strings.Contains(got, "Koden passer ikke") {
			t.Errorf("wrong code: %s", got)
		}
		// Nonsense.
		if got := twiml(mobile, "måske i morgen"); !strings.Contains(got, "forstod ikke") {
			t.Errorf("unknown answer: %s", got)
		}
		if got := f.temporal.sent(); len(got) != 0 {
			t.Fatalf("no answer should have been sent yet: %v", got)
		}
		// Every spelling of yes and no, with the code of the second invitation.
		for _, c := range []struct {
			body   string
			accept bool
		}{
			{"JA 2222", true}, {" ja. 2222 ", true}, {"j 2222", true}, {"YES 2222", true}, {"y 2222", true}, {"2222 Ja", true},
			{"NEJ 2222", false}, {"nej tak 2222", false}, {"N 2222", false}, {"no, 2222", false}, {"Nej!2222", false},
		} {
			before := len(f.temporal.sent())
			got := twiml(mobile, c.body)
			sent := f.temporal.sent()
			if len(sent) != before+1 {
				t.Errorf("%q: no update sent (%s)", c.body, got)
				continue
			}
			u := sent[len(sent)-1]
			if u.workflowID != f.open[1].WorkflowID || u.name != workflows.AnswerUpdate || u.answer.Accept != c.accept || u.answer.By != "sms" {
				t.Errorf("%q: update %+v", c.body, u)
			}
			if want := map[bool]string{true: "Tak! Du er nu tilmeldt som Tilforordnet", false: "ikke kan som Tilforordnet"}[c.accept]; !strings.Contains(got, want) {
				t.Errorf("%q: reply %s", c.body, got)
			}
		}
		// A refusal by the lifecycle is explained.
		f.temporal.refuse = temporal.NewApplicationError("too late", workflows.RefusedDeadlinePassed)
		if got := twiml(mobile, "ja 1111"); !strings.Contains(got, "Fristen for at svare er overskredet") {
			t.Errorf("refused: %s", got)
		}
		f.temporal.refuse = nil

		// STOP is mirrored; START undoes it. Neither answers an invitation.
		before := len(f.temporal.sent())
		index := store.MobileIndex(f.keys, mobile)
		if got := twiml(mobile, "STOP"); strings.Contains(got, "<Message>") {
			t.Errorf("STOP got an answer of ours: %s", got)
		}
		if out, err := store.SMSOptedOut(context.Background(), db, index); err != nil || !out {
			t.Errorf("after STOP: opted out %v %v", out, err)
		}
		twiml(mobile, "start")
		if out, _ := store.SMSOptedOut(context.Background(), db, index); out {
			t.Error("after START: still opted out")
		}
		if len(f.temporal.sent()) != before {
			t.Error("STOP or START answered an invitation")
		}
	})
}

func TestSMSStatusCallbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newSMSFixture(t, db)
		ctx := context.Background()
		a := f.open[0]
		msg, err := store.PrepareMessage(ctx, db, models.Message{DedupeKey: "k", Kind: models.KindInvitation, AssignmentID: &a.ID,
			ParticipantID: &a.ParticipantID, ElectionID: &a.ElectionID}, now)
		if err != nil {
			t.Fatal(err)
		}
		sid := "SM" + strings.Repeat("ab", 16)
		if err := store.RecordAttempt(ctx, db, msg.ID, models.ChannelSMS, models.MessageSent, sid, "", now); err != nil {
			t.Fatal(err)
		}
		status := func(st string, code string) int {
			form := url.Values{"MessageSid": {sid}, "MessageStatus": {st}, "AccountSid": {"AC" + strings.Repeat("1", 32)}}
			if code != "" {
				form.Set("ErrorCode", code)
			}
			return f.post("/webhooks/twilio/status", form, "").Code
		}
		if c := status("delivered", ""); c != http.StatusNoContent {
			t.Fatalf("delivered: %d", c)
		}
		// A late "sent" does not turn a delivery back.
		status("sent", "")
		log, err := store.MessagesOf(ctx, db, a.ParticipantID)
		if err != nil || len(log) != 1 || log[0].Status != models.MessageDelivered || len(log[0].Events) != 3 {
			t.Fatalf("message log after delivered: %+v %v", log, err)
		}
		// Opted out at the carrier: failed, and the number is mirrored as opted out.
		if c := status("failed", "21610"); c != http.StatusNoContent {
			t.Fatalf("failed: %d", c)
		}
		if out, _ := store.SMSOptedOut(ctx, db, store.MobileIndex(f.keys, mobile)); !out {
			t.Error("21610 did not opt the number out")
		}
		// A message that is not ours is acknowledged and changes nothing.
		form := url.Values{"MessageSid": {"SM" + strings.Repeat("cd", 16)}, "MessageStatus": {"delivered"}}
		if c := f.post("/webhooks/twilio/status", form, "").Code; c != http.StatusNoContent {
			t.Errorf("unknown SID: %d", c)
		}
		// A status Twilio does not have is malformed.
		form = url.Values{"MessageSid": {sid}, "MessageStatus": {"exploded"}}
		if c := f.post("/webhooks/twilio/status", form, "").Code; c != http.StatusBadRequest {
			t.Errorf("unknown status: %d", c)
		}
	})
}
