package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/valghalla/valghalla/fakes/visitor"

	"github.com/valghalla/valghalla/models"
)

// AnswerResult is the latency of answers, from the request to the moment
// the overview (the assignments' projection it counts) shows the new state.
type AnswerResult struct {
	Rate     float64 // answers per second sent
	Duration time.Duration
	Link     Latencies // answers by the link in the invitation
	SMS      Latencies // answers by SMS reply through the signed webhook
	Failed   int       // requests that did not succeed
}

// Latencies are the percentiles of one kind of answer.
type Latencies struct {
	N             int
	P50, P95, P99 time.Duration
	Request       time.Duration // p99 of the HTTP request alone
}

var (
	linkPattern = regexp.MustCompile(`/svar/([A-Za-z0-9_-]{32,128})`)
	csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// RunAnswers invites rate×duration people, then answers yes at rate per
// second for duration, alternating link and SMS.
func RunAnswers(ctx context.Context, o Options, rate float64, duration time.Duration, progress func(string)) (AnswerResult, error) {
	res := AnswerResult{Rate: rate, Duration: duration}
	n := int(rate*duration.Seconds()) + 1
	// Everyone exempt from Digital Post: the invitation comes by e-mail,
	// where the answer link can be read.
	s, err := Start(ctx, o, nil)
	if err != nil {
		return res, err
	}
	defer s.Close()
	e, err := seed(ctx, s.DB, s.Keys, n)
	if err != nil {
		return res, err
	}
	if err := s.DB.Model(&models.Participant{}).Where("1 = 1").Update("digital_post_exempt", true).Error; err != nil {
		return res, err
	}
	progress(fmt.Sprintf("inviting %d people…", n))
	if _, err := s.launchRound(ctx, e, progress); err != nil {
		return res, err
	}
	links := map[string]string{}
	for _, m := range s.mail.Messages() {
		if k := linkPattern.FindString(m.Text); k != "" && len(m.EnvelopeTo) == 1 {
			links[m.EnvelopeTo[0]] = s.WebURL + k
		}
	}
	progress(fmt.Sprintf("answering %.0f/s for %v…", rate, duration))

	w := newWatcher(s)
	go w.run(ctx)
	var mu sync.Mutex
	var linkLat, smsLat, linkReq, smsReq []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for i := 0; i < n-1; i++ {
		<-tick.C
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			byLink := i%2 == 0
			var req time.Duration
			var t0 time.Time
			var err error
			if byLink {
				t0, req, err = answerByLink(ctx, links[fmt.Sprintf("person%d@bench.dk", i+1)])
			} else {
				t0 = time.Now()
				_, err = s.sms.Reply(ctx, mobileOf(i), "JA")
				req = time.Since(t0)
			}
			if err != nil {
				mu.Lock()
				res.Failed++
				mu.Unlock()
				return
			}
			visible := w.wait(e.Assignments[i].ID).Sub(t0)
			mu.Lock()
			if byLink {
				linkLat, linkReq = append(linkLat, visible), append(linkReq, req)
			} else {
				smsLat, smsReq = append(smsLat, visible), append(smsReq, req)
			}
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	res.Link, res.SMS = percentiles(linkLat, linkReq), percentiles(smsLat, smsReq)
	return res, nil
}

// answerByLink opens the answer page as a browser does (not timed) and
// posts "ja" (timed); it returns when the post began and how long it took.
func answerByLink(ctx context.Context, link string) (time.Time, time.Duration, error) {
	if link == "" {
		return time.Time{}, 0, fmt.Errorf("no answer link")
	}
	hc := visitor.New()
	resp, err := hc.Get(link)
	if err != nil {
		return time.Time{}, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfPattern.FindSubmatch(body)
	if m == nil {
		return time.Time{}, 0, fmt.Errorf("answer page %d without a form", resp.StatusCode)
	}
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, link,
		strings.NewReader(url.Values{"csrf_token": {string(m[1])}, "svar": {"ja"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return t0, 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return t0, 0, fmt.Errorf("answer: HTTP %d", resp.StatusCode)
	}
	return t0, time.Since(t0), nil
}

func percentiles(visible, request []time.Duration) Latencies {
	slices.Sort(visible)
	slices.Sort(request)
	at := func(d []time.Duration, q float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(len(d)-1, int(q*float64(len(d))))]
	}
	return Latencies{N: len(visible), P50: at(visible, 0.50), P95: at(visible, 0.95), P99: at(visible, 0.99), Request: at(request, 0.99)}
}

// watcher sees answers arrive in the projection the overview counts: it
// polls the assignments still waiting, every few milliseconds, in one query.
type watcher struct {
	s       *Stack
	mu      sync.Mutex
	waiting map[int64]chan time.Time
}

func newWatcher(s *Stack) *watcher { return &watcher{s: s, waiting: map[int64]chan time.Time{}} }

// wait returns when the assignment has left the state invited.
func (w *watcher) wait(id int64) time.Time {
	c := make(chan time.Time, 1)
	w.mu.Lock()
	w.waiting[id] = c
	w.mu.Unlock()
	return <-c
}

func (w *watcher) run(ctx context.Context) {
	for ctx.Err() == nil {
		w.mu.Lock()
		ids := make([]int64, 0, len(w.waiting))
		for id := range w.waiting {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		if len(ids) > 0 {
			var changed []int64
			w.s.DB.WithContext(ctx).Model(&models.Assignment{}).Where("id IN ? AND state <> ?", ids, models.StateInvited).
				Pluck("id", &changed)
			now := time.Now()
			w.mu.Lock()
			for _, id := range changed {
				w.waiting[id] <- now
				delete(w.waiting, id)
			}
			w.mu.Unlock()
		}
		time.Sleep(5 * time.Millisecond)
	}
}
