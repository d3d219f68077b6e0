package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows/payload"
)

// startedWorkflows records the workflows the web app starts.
type startedWorkflows struct {
	temporalHealth
	mu  sync.Mutex
	ids []string
}

func (s *startedWorkflows) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, o.ID)
	return nil, nil
}

func TestMessageLogAndRetry(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	started := &startedWorkflows{}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: started, Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog()})
	var e models.Election
	db.First(&e)
	ctx := context.Background()
	msg, err := store.PrepareMessage(ctx, db, models.Message{DedupeKey: "test/invitation", Kind: models.KindInvitation, ElectionID: &e.ID}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RecordAttempt(ctx, db, msg.ID, models.ChannelSMS, models.MessageFailed, "", "the recipient has opted out", now); err != nil {
		t.Fatal(err)
	}
	logPath := "/valg/" + strconv.FormatInt(e.ID, 10) + "/beskedlog"

	staff := f.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, logPath+"?status=failed", nil).Body.String()
	for _, want := range []string{"Invitation", "Ikke leveret", "the recipient has opted out", "/beskedlog/" + msg.ID + "/igen"} {
		if !strings.Contains(page, want) {
			t.Errorf("message log lacks %q", want)
		}
	}
	readOnly := f.loggedIn(t, models.RoleReadOnly)
	if page := readOnly.do(http.MethodGet, logPath, nil).Body.String(); !strings.Contains(page, "opted out") || strings.Contains(page, "/igen") {
		t.Error("read-only sees the log without a retry button")
	}
	if code := f.loggedIn(t, models.RolePartySecretary).do(http.MethodGet, logPath, nil).Code; code != http.StatusForbidden {
		t.Errorf("party secretary: %d", code)
	}

	retry := func() *http.Response {
		return staff.do(http.MethodPost, "/beskedlog/"+msg.ID+"/igen", url.Values{"csrf_token": {staff.csrf()}}).Result()
	}
	if r := retry(); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "messagelog.retrying") {
		t.Fatalf("retry: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if len(started.ids) != 1 || started.ids[0] != payload.RetryMessageID(msg.ID) {
		t.Fatalf("started %v", started.ids)
	}
	log, _ := store.ElectionMessages(ctx, db, e.ID, "", 10)
	if len(log) != 1 || log[0].Status != models.MessagePending || log[0].Events[len(log[0].Events)-1].Status != "retry" {
		t.Fatalf("after retry: %+v", log)
	}
	// A second click finds it no longer failed: nothing more is started.
	if r := retry(); !strings.Contains(r.Header.Get("Location"), "messagelog.notretryable") || len(started.ids) != 1 {
		t.Fatalf("second retry: %s, started %v", r.Header.Get("Location"), started.ids)
	}
	if code := staff.do(http.MethodPost, "/beskedlog/no-such-message/igen", url.Values{"csrf_token": {staff.csrf()}}).Code; code != http.StatusNotFound {
		t.Errorf("unknown message: %d", code)
	}
}
