package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/dpfake"
	"github.com/valghalla/valghalla/models"
)

// In one round, Digital Post answers 429 Too Many Requests with Retry-After
// to a burst of requests, and the SMS provider answers 503 for a while and
// then recovers. Nothing is lost and nothing is sent twice: every person
// gets exactly one invitation on their channel (Digital Post letters
// counted by messageUUID per recipient, SMS per number, no e-mail), and the
// client waits the Retry-After the server asked for before it asks again.
func TestProviderOutagesLoseNothingAndSendNothingTwice(t *testing.T) {
	const byDP, bySMS = 90, 10
	const n = byDP + bySMS
	const retryAfter = time.Second
	s := newStack(t, n, n, 600) // nobody expires during this test
	ch := s.withChannels(t)
	none := ""
	for i := byDP; i < n; i++ {
		s.reachBy(t, i, mobileOf(i), models.ChannelSMS, &none)
	}
	// More 429s than letters: many letters meet several in a row, some
	// more than the client retries by itself.
	ch.dp.FailNext(3*byDP, http.StatusTooManyRequests, retryAfter)
	ch.sms.FailFor(8 * time.Second)
	start := time.Now()
	s.launch(t, n)

	waitFor(t, 3*time.Minute, "every invitation after the outages", func() bool {
		if len(ch.dp.Letters()) < byDP {
			return false
		}
		for i := byDP; i < n; i++ {
			if len(ch.sms.Sent(mobileOf(i))) == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("%d invitations through both outages in %v", n, time.Since(start).Round(time.Millisecond))
	// Let any duplicate that was on its way arrive before counting.
	time.Sleep(3 * time.Second)

	letters := map[string]int{} // recipient CPR → letters (the fake keeps one per messageUUID)
	for _, l := range ch.dp.Letters() {
		letters[l.RecipientCPR]++
	}
	for i := range n {
		got := letters[s.seed.People[i].CPR.Reveal()]
		if i >= byDP {
			got += len(ch.sms.Sent(mobileOf(i)))
		}
		if got != 1 {
			t.Errorf("person %d got %d invitations", i+1, got)
		}
	}
	if m := s.smtp.Messages(); len(m) != 0 {
		t.Errorf("%d e-mails: a transient refusal must not move anyone to the next channel", len(m))
	}

	// Every 429 was served, and after each the client waited at least
	// Retry-After before it sent that letter again.
	reqs := ch.dp.Requests()
	last := map[string]dpfake.Request{}
	tooMany := 0
	for _, r := range reqs {
		if prev, ok := last[r.MessageUUID]; ok && prev.Status == http.StatusTooManyRequests {
			if gap := r.At.Sub(prev.At); gap < retryAfter {
				t.Errorf("letter %s sent again %v after a 429 with Retry-After %v", r.MessageUUID, gap, retryAfter)
			}
		}
		if r.Status == http.StatusTooManyRequests {
			tooMany++
		}
		last[r.MessageUUID] = r
	}
	if tooMany != 3*byDP {
		t.Errorf("%d requests answered 429, want %d", tooMany, 3*byDP)
	}
	t.Logf("%d requests to Digital Post for %d letters, %d of them answered 429", len(reqs), byDP, tooMany)

	// The message log: every invitation carried on its channel, none
	// failed, Digital Post's receipt recorded. (withChannels's SMS client
	// asks for no status callbacks, so an SMS stays "sent".)
	var msgs []models.Message
	s.db.Find(&msgs)
	if len(msgs) != n {
		t.Errorf("%d messages recorded, want %d", len(msgs), n)
	}
	for _, m := range msgs {
		if m.Status != models.MessageSent && m.Status != models.MessageDelivered {
			t.Errorf("message %s by %s: %s, want sent", m.ID, m.Channel, m.Status)
		}
	}
	var received, failed int64
	s.db.Model(&models.MessageEvent{}).Where("status = ?", "RECEIVED").Count(&received)
	s.db.Model(&models.MessageEvent{}).Where("status = ?", "failed").Count(&failed)
	if received != byDP || failed != 0 {
		t.Errorf("%d Digital Post receipts recorded (want %d), %d attempts recorded as failed (want 0)", received, byDP, failed)
	}
	if st := countStates(t, s.db); st[models.StateInvited] != n {
		t.Errorf("states %v, want %d invited", st, n)
	}
}
