package web_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/workflows/payload"
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
		pp := models.Participant{CPR: models.NewSecret("01017" + strings.Repeat("0", 4) + string(rune('1'+i))), CPRIndex: "web-" + name,
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
			WorkflowID: payload.LifecycleID(s.ID, person.ID), NominatedAt: now, UpdatedAt: now}
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
	sec := f.users[models.RolePartySecretary]
	if err := store.LimitToStations(f.db, &sec, []int64{p.syd.ID}); err != nil {
		t.Fatal(err)
	}
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

// BenchmarkOverviewPage renders the start page of a logged-in user for a
// municipality-wide election: 60 stations × 6 task types × 12 parties,
// 3 slots per cell on the election day (12,960 slots), two in three held.
// The store's counting is measured by store.BenchmarkOverview; this adds
// the session, the template and 60 station tables.
func BenchmarkOverviewPage(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		db := map[string]func(testing.TB) *gorm.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres}[dbName](b)
		if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
			b.Fatal(err)
		}
		storetest.WithKeys(b, db)
		app := newApp(b, db, nil, nil)
		var e models.Election
		db.Where("state = ?", models.ElectionActive).First(&e)
		var areas []models.Area
		db.Find(&areas)
		var parties []models.Party
		var taskTypes []models.TaskType
		db.Find(&taskTypes)
		var stations []models.PollingStation
		db.Find(&stations)
		for i := len(stations); i < 60; i++ {
			s := models.PollingStation{AreaID: areas[i%len(areas)].ID, Name: "Valgsted " + strconv.Itoa(i+1), Address: "Vej 1",
				PostalCode: "9990", City: "Sønderå", District: i + 1, Version: 1}
			db.Create(&s)
			stations = append(stations, s)
		}
		for _, l := range []string{"B", "I", "M", "Æ"} {
			db.Create(&models.Party{Name: "Parti " + l, Letter: l, Kind: models.CouncilGroup, CouncilSeats: 1})
		}
		db.Find(&parties)
		var slots []models.Slot
		for _, s := range stations {
			for _, t := range taskTypes {
				for _, p := range parties {
					for range 3 {
						slots = append(slots, models.Slot{ElectionID: e.ID, StationID: s.ID, TaskTypeID: t.ID, Day: e.ElectionDay, PartyID: p.ID, CreatedAt: now})
					}
				}
			}
		}
		if err := db.CreateInBatches(&slots, 1000).Error; err != nil {
			b.Fatal(err)
		}
		people := make([]models.Participant, len(slots)*2/3)
		for i := range people {
			people[i] = models.Participant{CPR: models.NewSecret("0101700000"), CPRIndex: "bench-" + strconv.Itoa(i), Name: "Person " + strconv.Itoa(i),
				CreatedAt: now, UpdatedAt: now}
		}
		db.CreateInBatches(&people, 1000)
		states := []models.AssignmentState{models.StateNominated, models.StateInvited, models.StateConfirmed}
		var as []models.Assignment
		for i, p := range people {
			s := slots[i*3/2]
			as = append(as, models.Assignment{SlotID: s.ID, ParticipantID: p.ID, ElectionID: e.ID, StationID: s.StationID, TaskTypeID: s.TaskTypeID,
				PartyID: s.PartyID, Day: s.Day, State: states[i%3], WorkflowID: payload.LifecycleID(s.ID, p.ID), NominatedAt: now, UpdatedAt: now})
		}
		if err := db.CreateInBatches(&as, 1000).Error; err != nil {
			b.Fatal(err)
		}
		for _, role := range []models.Role{models.RoleStaff, models.RolePartySecretary} {
			u := models.User{Email: string(role) + "@bench.example", Name: "Bench", Role: role, CreatedAt: now}
			if role == models.RolePartySecretary {
				u.PartyID = &parties[0].ID
			}
			db.Create(&u)
			token, err := store.CreateSession(context.Background(), db, u.ID, now)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(dbName+"/"+string(role), func(b *testing.B) {
				var took []time.Duration
				var size int
				for b.Loop() {
					start := time.Now()
					rec := get(b, app, "/", "Cookie", "valghalla_session="+token)
					took = append(took, time.Since(start))
					if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Valgsted 60") {
						b.Fatal(rec.Code)
					}
					size = rec.Body.Len()
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
				b.ReportMetric(float64(size)/1024, "page-KiB")
			})
		}
	}
}
