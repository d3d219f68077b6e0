package worker_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/visitor"

	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/digitalpost"
	"github.com/valghalla/valghalla/providers/sms"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// channels are the fake Digital Post and Twilio, with the real clients in
// the stack's activities and the web app's SMS webhook signed by the fake.
type channels struct {
	dp  *dpfake.Server
	sms *smsfake.Server
}

const fakeAuthToken = "0123456789abcdef0123456789abcdef"

// withChannels adds Digital Post and SMS to a stack (before its round): the
// web app gets the webhook's secret and public URL, the fake Twilio posts
// replies and status callbacks to it. exempt are CPR numbers Digital Post
// refuses.
func (s *stack) withChannels(t *testing.T, exempt ...string) *channels {
	t.Helper()
	s.web.Close()
	s.web = httptest.NewUnstartedServer(nil)
	base := "http://" + s.web.Listener.Addr().String()
	s.web.Config.Handler = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: s.db, Temporal: s.c, Keys: s.keys, TaskQueue: s.queue}), PublicURL: base, SMSAuthToken: fakeAuthToken, TrustedProxies: visitor.Proxy, Metrics: s.metrics})
	s.web.Start()
	t.Cleanup(s.web.Close)
	s.acts.BaseURL = base

	dp, err := dpfake.Start(dpfake.Options{Exempt: exempt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dp.Close)
	dpClient, err := digitalpost.NewClient(dp.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	fake, err := smsfake.Start(smsfake.Options{AuthToken: fakeAuthToken, StatusCallbackURL: web.SMSStatusURL(base),
		InboundURL: web.SMSReplyURL(base)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	cfg := fake.Config()
	cfg.HTTPClient = fake.HTTPClient()
	smsClient, err := sms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.acts.DigitalPost, s.acts.SMS = dpClient, smsClient
	// The worker started with the stack holds the old activities' values
	// by pointer: restart it so nothing runs half configured.
	s.worker.Stop()
	s.startWorker(t)
	return &channels{dp: dp, sms: fake}
}

// reachBy gives seeded person i a mobile number and a preferred channel; an
// empty email removes their e-mail address.
func (s *stack) reachBy(t *testing.T, i int, mobile string, prefer models.Channel, email *string) {
	t.Helper()
	p := s.seed.People[i]
	if err := s.db.First(&p, p.ID).Error; err != nil {
		t.Fatal(err)
	}
	index := store.MobileIndex(s.keys, mobile)
	p.Mobile, p.MobileIndex, p.PreferredChannel = models.NewSecret(mobile), &index, prefer
	if email != nil {
		p.Email = models.NewSecret(*email)
	}
	if err := s.db.Save(&p).Error; err != nil {
		t.Fatal(err)
	}
}

func mobileOf(i int) string { return fmt.Sprintf("+452000%04d", i) }

func stateOf(t *testing.T, s *stack, person int) models.AssignmentState {
	var a models.Assignment
	if err := s.db.Where("participant_id = ?", s.seed.People[person].ID).Order("id DESC").First(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a.State
}

// Each person is reached on the channel the rules pick: Digital Post by
// default; e-mail when Digital Post refuses the person (exempt); SMS when
// they prefer it, or when it is all there is. Answers by SMS reply go
// through the real, signed webhook to the lifecycle.
func TestEachPersonIsReachedOnTheirChannelAndAnswersBySMS(t *testing.T) {
	s := newStack(t, 4, 4, 30)
	exempt := s.seed.People[1].CPR.Reveal()
	ch := s.withChannels(t, exempt)
	none := ""
	s.reachBy(t, 2, mobileOf(2), models.ChannelSMS, nil)       // prefers SMS
	s.reachBy(t, 3, mobileOf(3), models.ChannelDefault, &none) // no e-mail
	if err := s.db.Model(&models.Participant{}).Where("id = ?", s.seed.People[3].ID).Update("digital_post_exempt", true).Error; err != nil {
		t.Fatal(err)
	}
	s.launch(t, 4)

	waitFor(t, time.Minute, "four invitations", func() bool {
		return len(ch.dp.Letters()) == 1 && len(s.smtp.Messages()) == 1 && len(ch.sms.Sent(mobileOf(2))) == 1 && len(ch.sms.Sent(mobileOf(3))) == 1
	})
	if l := ch.dp.Letters()[0]; l.RecipientCPR != s.seed.People[0].CPR.Reveal() || !strings.Contains(l.HTML, "Person 1") {
		t.Errorf("Digital Post letter to %s: %q", l.Label, l.HTML)
	}
	if m := s.smtp.Messages()[0]; m.EnvelopeTo[0] != "person2@example.dk" {
		t.Errorf("the exempt person's invitation went to %v", m.EnvelopeTo)
	}
	var exemptNow models.Participant
	s.db.First(&exemptNow, s.seed.People[1].ID)
	if !exemptNow.DigitalPostExempt {
		t.Error("Digital Post's refusal was not remembered")
	}
	for _, i := range []int{2, 3} {
		body := ch.sms.Sent(mobileOf(i))[0].Body
		if sms.CheckBody(body) != nil || strings.Contains(body, s.seed.Party.Name) || !strings.Contains(body, "/svar/") {
			t.Errorf("SMS to person %d: %q", i+1, body)
		}
	}
	// The message log says which channel carried each invitation.
	for i, want := range []models.Channel{models.ChannelDigitalPost, models.ChannelEmail, models.ChannelSMS, models.ChannelSMS} {
		log, err := store.MessagesOf(context.Background(), s.db, s.seed.People[i].ID)
		if err != nil || len(log) != 1 || log[0].Channel != string(want) || log[0].Status == models.MessageFailed {
			t.Errorf("person %d's message log: %+v %v", i+1, log, err)
		}
	}

	// Person 3 says yes by SMS; person 4 says no.
	ctx := context.Background()
	if got, err := ch.sms.Reply(ctx, mobileOf(2), "Ja!"); err != nil || !strings.Contains(got, "Tak! Du er nu tilmeldt") {
		t.Fatalf("yes by SMS: %q %v", got, err)
	}
	if got, err := ch.sms.Reply(ctx, mobileOf(3), " nej "); err != nil || !strings.Contains(got, "ikke kan") {
		t.Fatalf("no by SMS: %q %v", got, err)
	}
	waitFor(t, 30*time.Second, "the answers in the projection", func() bool {
		return stateOf(t, s, 2) == models.StateConfirmed && stateOf(t, s, 3) == models.StateDeclined
	})
	// A second yes is refused with a reason, not silently taken.
	if got, _ := ch.sms.Reply(ctx, mobileOf(2), "ja"); !strings.Contains(got, "ingen invitation") {
		t.Errorf("a second yes: %q", got)
	}
	// The confirmation goes by SMS too (person 3 prefers it).
	waitFor(t, 30*time.Second, "the confirmation SMS", func() bool { return len(ch.sms.Sent(mobileOf(2))) == 2 })
}

// The SMS provider is down for a while: every invitation arrives once it is
// back, and no one gets one twice (counted at the fake by recipient).
func TestSMSOutageLosesNothingAndSendsNothingTwice(t *testing.T) {
	const n = 10
	s := newStack(t, n, n, 30)
	ch := s.withChannels(t)
	none := ""
	for i := range n {
		s.reachBy(t, i, mobileOf(i), models.ChannelSMS, &none)
	}
	ch.sms.FailFor(8 * time.Second)
	s.launch(t, n)
	waitFor(t, 2*time.Minute, "every invitation after the outage", func() bool {
		for i := range n {
			if len(ch.sms.Sent(mobileOf(i))) == 0 {
				return false
			}
		}
		return true
	})
	// Let any duplicate that was on its way arrive before counting.
	time.Sleep(3 * time.Second)
	for i := range n {
		if got := len(ch.sms.Sent(mobileOf(i))); got != 1 {
			t.Errorf("person %d got %d invitations", i+1, got)
		}
	}
	var sent int64
	s.db.Model(&models.Message{}).Where("status IN ?", []models.MessageStatus{models.MessageSent, models.MessageDelivered}).Count(&sent)
	if sent != n {
		t.Errorf("%d messages recorded as sent, want %d", sent, n)
	}
	// The outage shows in the history of the messages that met it.
	var failedAttempts int64
	s.db.Model(&models.MessageEvent{}).Where("status = ?", "failed").Count(&failedAttempts)
	if failedAttempts != 0 {
		t.Errorf("%d attempts recorded as failed for good: a transient outage must be retried, not given up", failedAttempts)
	}
}
