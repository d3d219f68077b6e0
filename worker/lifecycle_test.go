package worker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valghalla/valghalla/fakes/visitor"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/fakes/mailfake"
	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/mail"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// A day passes in three seconds in most of these tests
// (activities.CompressTime): the answer deadline of 10 days is 30 s,
// reminders every 3 days come at 9, 18 and 27 s.
const dayInSeconds = 3

// stack is the whole product on a real Temporal server: the app database,
// the worker with the real activities sending real e-mail to a fake SMTP
// server, and the web app answering links.
type stack struct {
	db     *gorm.DB
	keys   *vault.Keyring
	c      client.Client
	seed   storetest.Election
	smtp   *mailfake.Server
	web    *httptest.Server
	acts   *activities.Activities
	queue  string
	worker interface{ Stop() }
	// metrics, when the stack was made by newMeteredStack, counts for
	// the client, the worker's activities and the web app alike.
	metrics *metrics.Metrics
}

func newStack(t *testing.T, slots, people, secondsPerDay int) *stack {
	t.Helper()
	return newMeteredStack(t, slots, people, secondsPerDay, nil)
}

// newMeteredStack is newStack counting into m (nil: nowhere).
func newMeteredStack(t *testing.T, slots, people, secondsPerDay int, m *metrics.Metrics) *stack {
	t.Helper()
	var opts client.Options
	if m != nil {
		opts.MetricsHandler = m.Temporal()
	}
	c := namespaceClientWith(t, "lifecycle-test", opts)
	s := &stack{c: c, queue: "lifecycle", metrics: m}
	s.db = storetest.SQLite(t)
	s.keys = storetest.WithKeys(t, s.db)
	day := models.DateOf(time.Now().In(models.Copenhagen)).AddDays(60)
	s.seed = storetest.SeedElection(t, s.db, day, 10, slots, people)
	s.db.Model(&models.Election{}).Where("id = ?", s.seed.Election.ID).
		Updates(map[string]any{"answer_days": 10, "reminder_every_days": 3})
	var err error
	if s.smtp, err = mailfake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.smtp.Close() })
	sender, err := mail.NewSender(mail.Config{Host: s.smtp.Host(), Port: s.smtp.Port(), From: "valg@testrup.dk", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	s.web = httptest.NewServer(web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: s.db, Temporal: c, Keys: s.keys, TaskQueue: s.queue}), TrustedProxies: visitor.Proxy, Metrics: m}))
	t.Cleanup(s.web.Close)
	s.acts = &activities.Activities{DB: s.db, Mail: sender, Keys: s.keys, BaseURL: s.web.URL,
		CompressTime: 86400 / float64(secondsPerDay), Metrics: m}
	s.startWorker(t)
	return s
}

func (s *stack) startWorker(t *testing.T) {
	t.Helper()
	w := worker.New(s.c, s.queue, s.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	s.worker = w
	t.Cleanup(w.Stop)
}

// launch nominates person i on slot i and starts a round for everyone.
func (s *stack) launch(t *testing.T, nominated int) {
	t.Helper()
	for i := range nominated {
		storetest.Nominate(t, s.db, s.seed.Slots[i], s.seed.People[i].ID)
	}
	s.startRound(t)
}

// startRound launches a round for everyone nominated.
func (s *stack) startRound(t *testing.T) {
	t.Helper()
	r, err := store.CreateRound(context.Background(), s.db, s.seed.Staff, s.seed.Election.ID, store.RoundFilter{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := workflows.StartRound(context.Background(), s.c, s.queue,
		workflows.RoundRef{ID: r.ID, ElectionID: r.ElectionID, WorkflowID: r.WorkflowID}); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var answerLink = regexp.MustCompile(`http://[^\s]+/svar/[0-9a-f]{64}`)

// personOf tells which seeded person an e-mail went to (person<n>@example.dk).
func personOf(m mailfake.Received) int {
	var n int
	fmt.Sscanf(m.EnvelopeTo[0], "person%d@example.dk", &n)
	return n - 1
}

// answer opens the link as a browser would and posts the choice.
func answer(t *testing.T, link, choice string) {
	hc := visitor.New()
	resp, err := hc.Get(link)
	if err != nil {
		t.Error(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Errorf("GET answer page: %d, form found: %v", resp.StatusCode, m != nil)
		return
	}
	resp, err = hc.PostForm(link, url.Values{"csrf_token": {string(m[1])}, "svar": {choice}})
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("answer %s: status %d", choice, resp.StatusCode)
	}
}

func countStates(t *testing.T, db *gorm.DB) map[models.AssignmentState]int {
	var rows []struct {
		State models.AssignmentState
		N     int
	}
	if err := db.Model(&models.Assignment{}).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[models.AssignmentState]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

// A round of 500 on the real server: 200 confirm by link, 150 decline
// (half "not this time", half "remove me"), 150 never answer. The
// non-answerers are reminded three times and expire; the first 60 slots
// that reopen go to the 60 people on the reserve list; the projection the
// overview reads matches the workflows' own states; and no history holds a
// CPR number, a name or an e-mail address.
func TestRoundOf500OnTheRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute on a real server")
	}
	const n, reserves = 500, 60
	s := newStack(t, n, n+reserves, dayInSeconds)
	now := time.Now()
	for i := n; i < n+reserves; i++ {
		s.db.Create(&models.Reserve{ElectionID: s.seed.Election.ID, PartyID: s.seed.Party.ID, ParticipantID: s.seed.People[i].ID, CreatedAt: now})
	}
	s.launch(t, n)

	// Answer each invitation as it arrives, eight people at a time.
	// A reserve's invitation can arrive before the last of the round's:
	// only the round's 500 people end the answering.
	answered, round := map[string]bool{}, 0
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	invitations := func() []mailfake.Received {
		var inv []mailfake.Received
		for _, m := range s.smtp.Messages() {
			if strings.HasPrefix(m.Subject, "Vil du hjælpe") {
				inv = append(inv, m)
			}
		}
		return inv
	}
	waitFor(t, 4*time.Minute, "500 invitations answered or left", func() bool {
		for _, m := range invitations() {
			if answered[m.MessageID] {
				continue
			}
			answered[m.MessageID] = true
			p := personOf(m)
			if p < n {
				round++
			}
			var choice string
			switch {
			case p < 200:
				choice = "ja"
			case p < 275:
				choice = "nej"
			case p < 350:
				choice = "fjern"
			default:
				continue
			}
			link := answerLink.FindString(m.Text)
			wg.Add(1)
			sem <- struct{}{}
			go func() { defer wg.Done(); defer func() { <-sem }(); answer(t, link, choice) }()
		}
		return round >= n
	})
	wg.Wait()

	// Everyone's lifecycle settles: no one is left invited, and the
	// reserve list is used up.
	waitFor(t, 3*time.Minute, "every lifecycle to settle", func() bool {
		st := countStates(t, s.db)
		var left int64
		s.db.Model(&models.Reserve{}).Count(&left)
		return st[models.StateInvited] == 0 && st[models.StateNominated] == 0 && left == 0
	})
	st := countStates(t, s.db)
	if st[models.StateConfirmed] != 200 || st[models.StateDeclined] != 150 || st[models.StateExpired] != 150+reserves {
		t.Fatalf("states %v; want 200 confirmed, 150 declined, %d expired", st, 150+reserves)
	}

	// One invitation per person, by message id; reminders only to those
	// who did not answer in time, as many as the projection counted.
	perPerson := map[int]map[string]bool{}
	reminders := map[int]int{}
	for _, m := range s.smtp.Messages() {
		p := personOf(m)
		switch {
		case strings.HasPrefix(m.Subject, "Vil du hjælpe"):
			if perPerson[p] == nil {
				perPerson[p] = map[string]bool{}
			}
			perPerson[p][m.MessageID] = true
		case strings.HasPrefix(m.Subject, "Påmindelse: vil du"):
			reminders[p]++
		}
	}
	if len(perPerson) != n+reserves {
		t.Fatalf("%d people invited, want %d", len(perPerson), n+reserves)
	}
	for p, ids := range perPerson {
		if len(ids) != 1 {
			t.Errorf("person %d got %d invitations", p, len(ids))
		}
	}
	var as []models.Assignment
	s.db.Order("id").Find(&as)
	replaced := 0
	for _, a := range as {
		p := int(a.ParticipantID - s.seed.People[0].ID)
		if a.State == models.StateExpired && reminders[p] != 3 {
			t.Errorf("person %d expired after %d reminders, want 3", p, reminders[p])
		}
		if a.State != models.StateExpired && reminders[p] >= 3 {
			t.Errorf("person %d answered (%s) but got %d reminders", p, a.State, reminders[p])
		}
		if a.RemindersSent != reminders[p] {
			t.Errorf("person %d: projection counts %d reminders, the mail server got %d", p, a.RemindersSent, reminders[p])
		}
		if a.ReplacesID != nil {
			replaced++
			if p < n {
				t.Errorf("person %d replaced someone but was not on the reserve list", p)
			}
		}
	}
	if replaced != reserves {
		t.Fatalf("%d replacements, want %d", replaced, reserves)
	}

	// The overview's projection matches each workflow's own state.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, a := range as {
		got, err := workflows.QueryLifecycle(ctx, s.c, a.WorkflowID)
		if err != nil {
			t.Fatalf("query %s: %v", a.WorkflowID, err)
		}
		if got.State != a.State {
			t.Errorf("%s: workflow says %s, database %s", a.WorkflowID, got.State, a.State)
		}
	}

	// No workflow history holds personal data.
	var people []models.Participant
	s.db.Find(&people)
	var needles []string
	for _, p := range people {
		needles = append(needles, p.CPR.Reveal(), p.Name, p.Email.Reveal())
	}
	scanHistories(ctx, t, s.c, "lifecycle-test", needles)
}

// scanHistories reads every workflow history in the namespace and fails
// on any of the needles (CPR numbers, names, e-mail addresses).
func scanHistories(ctx context.Context, t *testing.T, c client.Client, ns string, needles []string) {
	t.Helper()
	var token []byte
	scanned := 0
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetExecutions() {
			it := c.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, 0)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := protojson.Marshal(ev)
				text := string(b)
				for _, nd := range needles {
					if nd != "" && strings.Contains(text, nd) {
						t.Fatalf("history of %s holds personal data %q", e.GetExecution().GetWorkflowId(), nd)
					}
				}
			}
			scanned++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if scanned == 0 {
		t.Fatal("no histories scanned")
	}
	t.Logf("scanned %d workflow histories", scanned)
}

// The worker is stopped twice in the middle of a round and started again,
// and a second round is launched while the first runs: the rounds complete
// and every person got exactly one invitation, counted at the SMTP server
// by message id.
func TestWorkerRestartsDuringARound(t *testing.T) {
	if testing.Short() {
		t.Skip("half a minute on a real server")
	}
	const n = 200
	s := newStack(t, n, n, 600) // nobody expires during this test
	start := time.Now()
	s.launch(t, n)
	s.startRound(t)
	invited := func() int {
		ids := map[string]bool{}
		for _, m := range s.smtp.Messages() {
			if strings.HasPrefix(m.Subject, "Vil du hjælpe") {
				ids[m.MessageID] = true
			}
		}
		return len(ids)
	}
	for _, at := range []int{40, 120} {
		waitFor(t, 2*time.Minute, fmt.Sprintf("%d invitations", at), func() bool { return invited() >= at })
		s.worker.Stop()
		s.startWorker(t)
	}
	waitFor(t, 2*time.Minute, "all invitations", func() bool { return invited() >= n })
	t.Logf("%d invitations with two worker restarts in %v", n, time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // room for a duplicate to show
	perPerson := map[int]map[string]bool{}
	for _, m := range s.smtp.Messages() {
		if strings.HasPrefix(m.Subject, "Vil du hjælpe") {
			p := personOf(m)
			if perPerson[p] == nil {
				perPerson[p] = map[string]bool{}
			}
			perPerson[p][m.MessageID] = true
		}
	}
	if len(perPerson) != n {
		t.Fatalf("%d people invited, want %d", len(perPerson), n)
	}
	for p, ids := range perPerson {
		if len(ids) != 1 {
			t.Errorf("person %d got %d different invitations", p, len(ids))
		}
	}
	st := countStates(t, s.db)
	if st[models.StateInvited] != n {
		t.Fatalf("states %v, want %d invited", st, n)
	}
	var rounds []models.Round
	s.db.Find(&rounds)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitFor(t, time.Minute, "both rounds to finish", func() bool {
		started := 0
		for _, r := range rounds {
			p, err := workflows.QueryRound(ctx, s.c, r.WorkflowID)
			if err != nil || !p.Done {
				return false
			}
			started += p.Started
		}
		return started == n
	})
}
