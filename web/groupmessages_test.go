package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows/payload"
)

// startRecorder stands in for the Temporal client: it records the
// workflows started and knows no workflow to query.
type startRecorder struct {
	temporalHealth
	mu      sync.Mutex
	started []string
}

func (r *startRecorder) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, o.ID)
	return nil, nil
}

func (r *startRecorder) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, errors.New("not found")
}

// groupPage is the demo election with three people: Åse holds two slots,
// Bent declined his, Carl is nominated.
type groupPage struct {
	*fixture
	election models.Election
	temporal *startRecorder
}

func newGroupPage(t *testing.T) *groupPage {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	storetest.WithKeys(t, db)
	g := &groupPage{fixture: f, temporal: &startRecorder{}}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: g.temporal, Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog()})
	db.First(&g.election)
	var stations []models.PollingStation
	var tt models.TaskType
	var party models.Party
	db.Order("district").Find(&stations)
	db.Where("short_name = ?", "TF").First(&tt)
	db.Where("letter = ?", "A").First(&party)
	day := g.election.ElectionDay
	for i, p := range []struct {
		name  string
		state models.AssignmentState
		days  []models.Date
	}{{"Åse Andersen", models.StateConfirmed, []models.Date{day, day.AddDays(-1)}},
		{"Bent Berg", models.StateDeclined, []models.Date{day}},
		{"Carl Clausen", models.StateNominated, []models.Date{day}}} {
		person := models.Participant{Name: p.name, CPR: models.NewSecret(fmt.Sprintf("01017%d1234", i)), Email: models.NewSecret("x@example.dk"),
			Mobile: models.NewSecret(""), CPRIndex: "idx-" + p.name, CreatedAt: now, UpdatedAt: now}
		must(t, db.Create(&person).Error)
		for _, d := range p.days {
			slot := models.Slot{ElectionID: g.election.ID, StationID: stations[i].ID, TaskTypeID: tt.ID, Day: d, PartyID: party.ID, CreatedAt: now}
			must(t, db.Create(&slot).Error)
			must(t, db.Create(&models.Assignment{SlotID: slot.ID, ParticipantID: person.ID, ElectionID: g.election.ID,
				StationID: slot.StationID, TaskTypeID: tt.ID, PartyID: party.ID, Day: d, State: p.state,
				WorkflowID: payload.LifecycleID(slot.ID, person.ID), NominatedAt: now, UpdatedAt: now}).Error)
		}
	}
	return g
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (g *groupPage) path() string { return "/valg/" + itoa(g.election.ID) + "/beskeder" }

func (g *groupPage) post(b *browser, path string, form url.Values) (int, string) {
	form.Set("csrf_token", b.csrfFrom("/konto"))
	rec := b.do(http.MethodPost, path, form)
	return rec.Code, rec.Body.String()
}

func TestGroupMessagePreviewCountsEachPersonOnce(t *testing.T) {
	g := newGroupPage(t)
	for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly} {
		b := g.loggedIn(t, role)
		page := b.do(http.MethodGet, g.path(), nil).Body.String()
		for _, want := range []string{"Beskeder til deltagere", "Vis modtagere", `name="state" value="declined"`, "[participant:name]"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %q", role, want)
			}
		}
		if mayWrite := strings.Contains(page, "Send beskeden"); mayWrite != (role == models.RoleStaff) {
			t.Errorf("%s: send button shown = %v", role, mayWrite)
		}
		code, body := g.post(b, g.path()+"/forhaandsvis", url.Values{"subject": {"Hej"}, "body": {"Hej [participant:name]"}})
		recipients := between(body, `id="recipients"`, "</section>")
		// Åse holds two slots and is counted once; Danish order puts Å last.
		if code != http.StatusOK || !strings.Contains(recipients, "Antal modtagere: 3.") ||
			!inOrder(recipients, "<li>Bent Berg</li>", "<li>Carl Clausen</li>", "<li>Åse Andersen</li>") {
			t.Fatalf("%s: preview %d %s", role, code, between(body, `id="recipients"`, "</section>"))
		}
		// The form comes back as typed.
		if !strings.Contains(body, "Hej [participant:name]") {
			t.Errorf("%s: the typed text was lost", role)
		}
		code, body = g.post(b, g.path()+"/forhaandsvis", url.Values{"state": {"declined"}})
		if code != http.StatusOK || !strings.Contains(body, "Antal modtagere: 1.") || strings.Contains(body, "<li>Carl Clausen") ||
			!strings.Contains(body, `value="declined" checked`) {
			t.Fatalf("%s: declined preview %d %s", role, code, between(body, `id="recipients"`, "</section>"))
		}
	}
}

func inOrder(s string, parts ...string) bool {
	at := 0
	for _, p := range parts {
		i := strings.Index(s[at:], p)
		if i < 0 {
			return false
		}
		at += i + len(p)
	}
	return true
}

func TestGroupMessageAccess(t *testing.T) {
	g := newGroupPage(t)
	sec := g.loggedIn(t, models.RolePartySecretary)
	if rec := sec.do(http.MethodGet, g.path(), nil); rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
		t.Fatalf("party secretary GET: %d", rec.Code)
	}
	if code, _ := g.post(sec, g.path()+"/forhaandsvis", url.Values{}); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("party secretary preview: %d", code)
	}
	ro := g.loggedIn(t, models.RoleReadOnly)
	if code, _ := g.post(ro, g.path(), url.Values{"subject": {"Hej"}, "body": {"Hej"}}); code != http.StatusForbidden {
		t.Fatalf("read-only send: %d", code)
	}
	var n int64
	g.db.Model(&models.GroupMessage{}).Count(&n)
	if n != 0 || len(g.temporal.started) != 0 {
		t.Fatalf("%d group messages recorded, %v started", n, g.temporal.started)
	}
}

func TestGroupMessageIsSentOnce(t *testing.T) {
	g := newGroupPage(t)
	b := g.loggedIn(t, models.RoleStaff)
	code, body := g.post(b, g.path(), url.Values{"subject": {"Husk [election:name]"},
		"body": {"Kære [participant:name]\n\nHusk madpakke."}})
	if code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", code, body)
	}
	var gm models.GroupMessage
	must(t, g.db.First(&gm).Error)
	if gm.Recipients != 3 || gm.CreatedBy == nil || *gm.CreatedBy != g.users[models.RoleStaff].ID {
		t.Fatalf("recorded %+v", gm)
	}
	if want := []string{payload.GroupMessageID(gm.ID)}; len(g.temporal.started) != 1 || g.temporal.started[0] != want[0] {
		t.Fatalf("started %v, want %v", g.temporal.started, want)
	}
	page := b.do(http.MethodGet, g.path()+"?besked=groupmsg.sent", nil).Body.String()
	for _, want := range []string{"Beskeden sendes nu.", "Husk [election:name]", "3 modtagere · 0 sendt · 0 fejlet"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestGroupMessageBadFieldIsRefusedWithItsLine(t *testing.T) {
	g := newGroupPage(t)
	b := g.loggedIn(t, models.RoleStaff)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown field", "Kære [participant:name]\n\nDin opgave: [task:name]", "linje 3"},
		{"CPR number", "Kære [participant:name]\nDit CPR-nummer: [participant:cpr]", "linje 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := g.post(b, g.path(), url.Values{"subject": {"Hej"}, "body": {tc.body}})
			problems := between(body, `id="group-problems"`, "</div>")
			if code != http.StatusUnprocessableEntity || !strings.Contains(problems, tc.want) || !strings.Contains(problems, "Tekst") {
				t.Fatalf("%d %s", code, problems)
			}
			if !strings.Contains(body, "Dit") && !strings.Contains(body, "Din") {
				t.Error("the typed text was lost")
			}
		})
	}
	var n int64
	g.db.Model(&models.GroupMessage{}).Count(&n)
	if n != 0 || len(g.temporal.started) != 0 {
		t.Fatalf("%d group messages recorded, %v started", n, g.temporal.started)
	}
}
