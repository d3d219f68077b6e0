package worker_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/metrics/metricstest"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/workflows"
)

// letterLink is the answer link in a Digital Post letter's HTML.
var letterLink = regexp.MustCompile(`http://[^\s"<>]+/svar/[0-9a-f]{64}`)

// After a round on the real server — four people invited by Digital Post,
// e-mail (Digital Post refused them) and SMS, answering by link and by SMS,
// then re-validated against the CPR register — /metrics, scraped over
// HTTP, counts one round started and completed, each invitation once on
// the channel that carried it (and the refusal on the channel that did
// not), each answer once by the way it came, each CPR lookup by outcome,
// the Temporal SDK's series and the HTTP requests by route pattern; and no
// label value looks like a CPR number, an e-mail address or a phone number.
func TestMetricsAfterARound(t *testing.T) {
	m := metrics.New()
	s := newMeteredStack(t, 4, 4, 600, m)
	exempt := s.seed.People[1].CPR.Reveal()
	reg := register{}
	for i, p := range s.seed.People {
		if i != 2 { // the register no longer knows person 3
			reg[p.CPR.Reveal()] = cpr.Person{PersonFacts: models.PersonFacts{Status: "01", Citizenship: "5100", MunicipalityCode: "0999"}}
		}
	}
	s.acts.CPR = cpr.Counted(reg, m.CPRLookup)
	ch := s.withChannels(t, exempt)
	none := ""
	s.reachBy(t, 2, mobileOf(2), models.ChannelSMS, nil)       // prefers SMS
	s.reachBy(t, 3, mobileOf(3), models.ChannelDefault, &none) // SMS is all there is
	if err := s.db.Model(&models.Participant{}).Where("id = ?", s.seed.People[3].ID).Update("digital_post_exempt", true).Error; err != nil {
		t.Fatal(err)
	}
	s.launch(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var round models.Round
	if err := s.db.First(&round).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.c.GetWorkflow(ctx, round.WorkflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("the round: %v", err)
	}
	waitFor(t, time.Minute, "four invitations", func() bool {
		return len(ch.dp.Letters()) == 1 && len(s.smtp.Messages()) == 1 && len(ch.sms.Sent(mobileOf(2))) == 1 && len(ch.sms.Sent(mobileOf(3))) == 1
	})

	// Person 1 says yes by the letter's link, person 2 no by the e-mail's;
	// person 3 yes by SMS, person 4 no.
	newVisitor(t).post(letterLink.FindString(ch.dp.Letters()[0].HTML), "ja")
	newVisitor(t).post(answerLink.FindString(s.smtp.Messages()[0].Text), "nej")
	if got, err := ch.sms.Reply(ctx, mobileOf(2), "ja"); err != nil || !strings.Contains(got, "Tak!") {
		t.Fatalf("yes by SMS: %q %v", got, err)
	}
	if got, err := ch.sms.Reply(ctx, mobileOf(3), "nej"); err != nil {
		t.Fatalf("no by SMS: %q %v", got, err)
	}
	waitFor(t, time.Minute, "the answers in the projection", func() bool {
		st := countStates(t, s.db)
		return st[models.StateConfirmed] == 2 && st[models.StateDeclined] == 2
	})
	// The two who said yes are checked against the register: one found,
	// one no longer known.
	id, err := workflows.StartRevalidation(ctx, s.c, s.queue, s.seed.Election.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	var f metricstest.Families
	// The counts follow the writes they count: scrape until they are in.
	waitFor(t, time.Minute, "the answers counted", func() bool {
		f = metricstest.Scrape(t, srv.URL)
		return f.Value(metrics.Answers, nil) >= 4 && f.Value(metrics.Messages, map[string]string{"kind": models.KindInvitation, "outcome": metrics.Sent}) >= 4
	})
	invitation := func(channel, outcome string) map[string]string {
		return map[string]string{"kind": models.KindInvitation, "channel": channel, "outcome": outcome}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.RoundsStarted, nil, 1},
		{metrics.RoundsStarted, map[string]string{"workflow_type": "Round"}, 1},
		{metrics.RoundsCompleted, map[string]string{"outcome": "done"}, 1},
		{metrics.RoundsCompleted, nil, 1},
		// Each person invited once, on the channel that reached them.
		{metrics.Messages, invitation(string(models.ChannelDigitalPost), metrics.Sent), 1},
		{metrics.Messages, invitation(string(models.ChannelEmail), metrics.Sent), 1},
		{metrics.Messages, invitation(string(models.ChannelSMS), metrics.Sent), 2},
		{metrics.Messages, map[string]string{"kind": models.KindInvitation, "outcome": metrics.Sent}, 4},
		// Digital Post refused the exempt person once, for good.
		{metrics.Messages, invitation(string(models.ChannelDigitalPost), metrics.Failed), 1},
		{metrics.Messages, map[string]string{"kind": models.KindInvitation, "outcome": metrics.Failed}, 1},
		{metrics.Messages, map[string]string{"kind": models.KindInvitation, "outcome": metrics.Undeliverable}, 0},
		{metrics.Answers, map[string]string{"channel": "link", "answer": "confirmed"}, 1},
		{metrics.Answers, map[string]string{"channel": "link", "answer": "declined"}, 1},
		{metrics.Answers, map[string]string{"channel": "sms", "answer": "confirmed"}, 1},
		{metrics.Answers, map[string]string{"channel": "sms", "answer": "declined"}, 1},
		{metrics.Answers, nil, 4},
		{metrics.CPRLookups, map[string]string{"outcome": "found"}, 1},
		{metrics.CPRLookups, map[string]string{"outcome": "not_found"}, 1},
	} {
		if got := f.Value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The message log agrees with the count of invitations sent.
	var sent int64
	s.db.Model(&models.Message{}).Where("kind = ? AND status IN ?", models.KindInvitation,
		[]models.MessageStatus{models.MessageSent, models.MessageDelivered}).Count(&sent)
	if sent != 4 {
		t.Errorf("%d invitations sent in the message log, want 4", sent)
	}
	// The SDK's own series, from the client and the worker.
	if got := f.Value("temporal_workflow_completed_total", map[string]string{"workflow_type": "Round"}); got != 1 {
		t.Errorf("temporal_workflow_completed_total{workflow_type=Round} = %v, want 1", got)
	}
	for _, name := range []string{"temporal_request_total", "temporal_workflow_task_schedule_to_start_latency_seconds",
		"temporal_activity_execution_latency_seconds", "temporal_num_pollers"} {
		if f[name] == nil {
			t.Errorf("the SDK's %s is missing", name)
		}
	}
	// The web app's requests by route pattern: the answer page and the
	// SMS webhook.
	for _, route := range []string{"/svar/:token", "/webhooks/twilio/sms"} {
		if f.Value(metrics.HTTPRequests, map[string]string{"route": route}) == 0 {
			t.Errorf("no requests counted on %s; routes: %v", route, f.LabelValues(metrics.HTTPRequests, "route"))
		}
	}
	if bad := f.PersonalLabels(); len(bad) > 0 {
		t.Errorf("label values that look like personal data: %v", bad)
	}
}
