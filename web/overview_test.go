package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
)

type overviewPlan struct {
	election             models.Election
	partyA, partyV       models.Party
	aby, syd             models.PollingStation
	tilforordnet, styrer models.TaskType
	people               map[string]models.Participant
}

// planOverview puts a few people on slots of the demo election, directly
// in the tables, in the states the lifecycles would leave them in.
func planOverview(t *testing.T, f *fixture) overviewPlan {
	t.Helper()
	storetest.WithKeys(t, f.db)
	var p overviewPlan
	f.db.Where("state = ?", models.ElectionActive).First(&p.election)
	f.db.Where("letter = ?", "A").First(&p.partyA)
	f.db.Where("letter = ?", "V").First(&p.partyV)
	f.db.Where("name = ?", "Åbyskolen").First(&p.aby)
	f.db.Where("name = ?", "Sydskolen").First(&p.syd)
	f.db.Where("name = ?", "Tilforordnet").First(&p.tilforordnet)
	f.db.Where("name = ?", "Valgstyrer").First(&p.styrer)
	p.people = map[string]models.Participant{}
	for i, name := range []string{"Anne Andersen", "Bent Bentsen", "Dorte Dahl", "Vagn Vestergaard", "Viggo Vind"} {
		pp := models.Participant{CPR: vault.NewSecret("01017" + strings.Repeat("0", 4) + string(rune('1'+i))), CPRIndex: "web-" + name,
			Name: name, CreatedAt: now, UpdatedAt: now}
		if err := f.db.Create(&pp).Error; err != nil {
			t.Fatal(err)
		}
		p.people[name] = pp
	}
	day := p.election.ElectionDay
	slot := func(st models.PollingStation, tt models.TaskType, party models.Party) models.Slot {
		s := models.Slot{ElectionID: p.election.ID, StationID: st.ID, TaskTypeID: tt.ID, Day: day, PartyID: party.ID, CreatedAt: now}
		if err := f.db.Create(&s).Error; err != nil {
			t.Fatal(err)
		}
		return s
	}
	assign := func(s models.Slot, name string, state models.AssignmentState, reason models.DeclineReason) {
		person := p.people[name]
		a := models.Assignment{SlotID: s.ID, ParticipantID: person.ID, ElectionID: s.ElectionID, StationID: s.StationID,
			TaskTypeID: s.TaskTypeID, PartyID: s.PartyID, Day: s.Day, State: state, DeclineReason: reason,
			WorkflowID: models.LifecycleWorkflowID(s.ID, person.ID), NominatedAt: now, UpdatedAt: now}
		if state == models.StateDeclined {
			at := now.Add(-2 * time.Hour)
			a.AnsweredAt = &at
		}
		if err := f.db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
	a1, a2, a3 := slot(p.aby, p.tilforordnet, p.partyA), slot(p.aby, p.tilforordnet, p.partyA), slot(p.aby, p.tilforordnet, p.partyA)
	v1, v2 := slot(p.aby, p.tilforordnet, p.partyV), slot(p.aby, p.tilforordnet, p.partyV)
	slot(p.syd, p.styrer, p.partyA)
	assign(a1, "Anne Andersen", models.StateConfirmed, "")
	assign(a2, "Bent Bentsen", models.StateInvited, "")
	assign(a3, "Dorte Dahl", models.StateDeclined, models.DeclineNotThisTime)
	assign(v1, "Vagn Vestergaard", models.StateDeclined, models.DeclineRemoveMe)
	assign(v2, "Viggo Vind", models.StateNominated, "")
	return p
}

// countsRow is how a row's eight numbers are rendered: slots, vacant,
// nominated, invited, confirmed, no-show, declined, ended.
func countsRow(n ...string) string {
	var b strings.Builder
	for i, v := range n {
		if i == 1 && v != "0" {
			v = "<strong>" + v + "</strong>"
		}
		b.WriteString("<td>" + v + "</td>")
	}
	return b.String()
}

func TestOverviewIsTheStartPageOfStaff(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planOverview(t, f)
	for _, role := range []models.Role{models.RoleAdmin, models.RoleStaff, models.RoleReadOnly} {
		b := f.loggedIn(t, role)
		rec := b.do(http.MethodGet, "/", nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, "<h1>Statusoversigt</h1>") {
			t.Fatalf("%s start page: %d", role, rec.Code)
		}
		station := `href="#valgsted-` + itoa(p.aby.ID) + `">Åbyskolen</a></th>` + countsRow("5", "2", "1", "1", "1", "0", "2", "0")
		for _, want := range []string{station, `id="valgsted-` + itoa(p.syd.ID) + `"`, "A · Socialdemokratiet", "V · Venstre",
			"Dorte Dahl", "Vagn Vestergaard", "Nej, ikke denne gang", "Nej, fjern mig fra listen", `href="/deltagere/` + itoa(p.people["Dorte Dahl"].ID)} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the overview lacks %q", role, want)
			}
		}
		for _, cpr := range []string{"0101700001", "010170-0001", "0101700004"} {
			if strings.Contains(body, cpr) {
				t.Errorf("%s: the overview shows a CPR number", role)
			}
		}
		if other := b.do(http.MethodGet, "/oversigt", nil).Body.String(); !strings.Contains(other, station) {
			t.Errorf("%s: /oversigt differs from the start page", role)
		}
	}

	// Anonymous visitors keep the public start page; the overview asks for a login.
	anon := f.loggedIn(t, "")
	if body := anon.do(http.MethodGet, "/", nil).Body.String(); strings.Contains(body, "Statusoversigt") || !strings.Contains(body, "Sønderå Kommune") {
		t.Error("the anonymous start page changed")
	}
	if rec := anon.do(http.MethodGet, "/oversigt", nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous /oversigt: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

func TestOverviewOfAPartySecretaryShowsTheirPartyOnly(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planOverview(t, f)
	b := f.loggedIn(t, models.RolePartySecretary) // party A
	rec := b.do(http.MethodGet, "/", nil)
	body := rec.Body.String()
	station := `href="#valgsted-` + itoa(p.aby.ID) + `">Åbyskolen</a></th>` + countsRow("3", "1", "0", "1", "1", "0", "1", "0")
	if rec.Code != http.StatusOK || !strings.Contains(body, station) || !strings.Contains(body, "Dorte Dahl") {
		t.Fatalf("secretary's overview: %d, station row %v", rec.Code, strings.Contains(body, station))
	}
	for _, other := range []string{"Venstre", "Vagn Vestergaard", "Viggo Vind", "fjern mig"} {
		if strings.Contains(body, other) {
			t.Errorf("a secretary of A sees %q", other)
		}
	}
	if rec := b.do(http.MethodGet, "/oversigt?parti="+itoa(p.partyV.ID), nil); rec.Code != http.StatusForbidden {
		t.Errorf("secretary asking for another party: %d", rec.Code)
	}

	// Limited to one station, the secretary sees that station only.
	f.db.Create(&models.UserStation{UserID: f.users[models.RolePartySecretary].ID, StationID: p.syd.ID})
	body = b.do(http.MethodGet, "/oversigt", nil).Body.String()
	if strings.Contains(body, `id="valgsted-`+itoa(p.aby.ID)+`"`) || !strings.Contains(body, `id="valgsted-`+itoa(p.syd.ID)+`"`) ||
		strings.Contains(body, "Dorte Dahl") {
		t.Error("a secretary limited to Sydskolen sees Åbyskolen")
	}
	if rec := b.do(http.MethodGet, "/oversigt?valgsted="+itoa(p.aby.ID), nil); rec.Code != http.StatusForbidden {
		t.Errorf("limited secretary asking for another station: %d", rec.Code)
	}

	// Drafts are not offered to secretaries.
	draft := models.Election{Title: "Kladdevalg", Kind: models.Kommunalvalg, ElectionDay: p.election.ElectionDay.AddDays(60),
		State: models.ElectionDraft, AnswerDays: 14, CreatedAt: now, UpdatedAt: now}
	f.db.Create(&draft)
	if body := b.do(http.MethodGet, "/oversigt", nil).Body.String(); strings.Contains(body, "Kladdevalg") {
		t.Error("a secretary is offered a draft election")
	}
	if rec := b.do(http.MethodGet, "/oversigt?valg="+itoa(draft.ID), nil); rec.Code != http.StatusNotFound {
		t.Errorf("secretary opening a draft: %d", rec.Code)
	}
}

func TestOverviewFiltersAndEmptyElections(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planOverview(t, f)
	b := f.loggedIn(t, models.RoleStaff)

	body := b.do(http.MethodGet, "/oversigt?opgave="+itoa(p.styrer.ID), nil).Body.String()
	if strings.Contains(body, `id="valgsted-`+itoa(p.aby.ID)+`"`) || !strings.Contains(body, `id="valgsted-`+itoa(p.syd.ID)+`"`) ||
		!strings.Contains(body, `<option value="`+itoa(p.styrer.ID)+`" selected>Valgstyrer</option>`) {
		t.Error("filter by task type")
	}
	body = b.do(http.MethodGet, "/oversigt?parti="+itoa(p.partyV.ID)+"&dag="+p.election.ElectionDay.String(), nil).Body.String()
	if !strings.Contains(body, countsRow("2", "1", "1", "0", "0", "0", "1", "0")) || strings.Contains(body, "Dorte Dahl") ||
		!strings.Contains(body, `value="`+p.election.ElectionDay.String()+`" selected`) {
		t.Error("filter by party and day")
	}
	if body := b.do(http.MethodGet, "/oversigt?dag="+p.election.ElectionDay.AddDays(-1).String(), nil).Body.String(); !strings.Contains(body, "Ingen pladser passer") {
		t.Error("a filter matching nothing does not say so")
	}

	empty := models.Election{Title: "Tomt valg", Kind: models.Kommunalvalg, ElectionDay: p.election.ElectionDay.AddDays(60),
		State: models.ElectionDraft, AnswerDays: 14, CreatedAt: now, UpdatedAt: now}
	f.db.Create(&empty)
	body = b.do(http.MethodGet, "/oversigt?valg="+itoa(empty.ID), nil).Body.String()
	if !strings.Contains(body, "Der er endnu ikke planlagt nogen pladser") || !strings.Contains(body, "Ingen har afslået") {
		t.Error("an election without slots does not say so")
	}
	// Active elections come first in the chooser and are the default.
	if strings.Index(body, p.election.Title) > strings.Index(body, "Tomt valg") {
		t.Error("the active election is not first")
	}
	if rec := b.do(http.MethodGet, "/oversigt?valg=99999", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown election: %d", rec.Code)
	}

	body = b.do(http.MethodGet, "/oversigt?lang=en", nil).Body.String()
	for _, want := range []string{"Status overview", "No, remove me from the list", "Awaiting an answer", "Tuesday"} {
		if !strings.Contains(strings.ToLower(body), strings.ToLower(want)) {
			t.Errorf("English overview lacks %q", want)
		}
	}
}

// The texts the template picks by value (decline reasons) exist in both
// languages; TestEveryMessageKeyIsTranslated sees only literal keys.
func TestOverviewReasonTexts(t *testing.T) {
	for _, r := range []models.DeclineReason{models.DeclineNotThisTime, models.DeclineRemoveMe} {
		for _, l := range []string{"da", "en"} {
			if !web.HasMessage(l, "overview.reason."+string(r)) {
				t.Errorf("no %s text for decline reason %s", l, r)
			}
		}
	}
}
