package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// planPage is the demo election's plan as the tests address it.
type planPage struct {
	f        *fixture
	e        models.Election
	tt       models.TaskType
	stations []models.PollingStation
	parties  map[string]models.Party
}

func newPlanPage(t *testing.T) *planPage {
	t.Helper()
	p := &planPage{f: newFixture(t, storetest.SQLite(t), false), parties: map[string]models.Party{}}
	p.f.db.First(&p.e)
	p.f.db.Where("name = ?", "Tilforordnet").First(&p.tt)
	p.f.db.Order("district").Find(&p.stations)
	var ps []models.Party
	p.f.db.Find(&ps)
	for _, party := range ps {
		key := party.Letter
		if key == "" {
			key = party.Name
		}
		p.parties[key] = party
	}
	return p
}

func (p *planPage) gridPath() string {
	return fmt.Sprintf("/valg/%d/plan?opgavetype=%d&dag=%s", p.e.ID, p.tt.ID, p.e.ElectionDay)
}

func (p *planPage) cellPath(station int) string {
	return fmt.Sprintf("/valg/%d/plan/celle?valgsted=%d&opgavetype=%d&dag=%s", p.e.ID, p.stations[station].ID, p.tt.ID, p.e.ElectionDay)
}

// formOf reads the hidden fields a plan page's forms carry.
func formOf(page string) url.Values {
	return url.Values{"csrf_token": {between(page, `name="csrf_token" value="`, `"`)},
		"plan_version": {between(page, `name="plan_version" value="`, `"`)}}
}

func (p *planPage) distributeForm(b *browser, counts map[int]int, mode string) url.Values {
	form := formOf(b.do(http.MethodGet, p.gridPath(), nil).Body.String())
	form.Set("opgavetype", itoa(p.tt.ID))
	form.Set("dag", p.e.ElectionDay.String())
	form.Set("mode", mode)
	for s, n := range counts {
		form.Set("count_"+itoa(p.stations[s].ID), fmt.Sprint(n))
	}
	return form
}

func (p *planPage) cellForm(b *browser, station int) url.Values {
	form := formOf(b.do(http.MethodGet, p.cellPath(station), nil).Body.String())
	form.Set("valgsted", itoa(p.stations[station].ID))
	form.Set("opgavetype", itoa(p.tt.ID))
	form.Set("dag", p.e.ElectionDay.String())
	return form
}

func (p *planPage) slots(station int, party string) []models.Slot {
	var slots []models.Slot
	p.f.db.Where("election_id = ? AND station_id = ? AND task_type_id = ? AND party_id = ?", p.e.ID, p.stations[station].ID, p.tt.ID,
		p.parties[party].ID).Order("id").Find(&slots)
	return slots
}

// occupy puts a person on a slot, as a nomination would.
func (p *planPage) occupy(t *testing.T, slot models.Slot, state models.AssignmentState) {
	t.Helper()
	index := fmt.Sprintf("web-test-%d-%d", slot.ID, time.Now().UnixNano())
	if err := p.f.db.Exec("INSERT INTO participants (cpr, cpr_index, name, created_at, updated_at) VALUES ('x', ?, 'Test', ?, ?)", index, now, now).Error; err != nil {
		t.Fatal(err)
	}
	var person models.Participant
	p.f.db.Where("cpr_index = ?", index).First(&person)
	a := models.Assignment{SlotID: slot.ID, ParticipantID: person.ID, ElectionID: slot.ElectionID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, PartyID: slot.PartyID, Day: slot.Day, State: state,
		WorkflowID: payload.LifecycleID(slot.ID, person.ID), NominatedAt: now, UpdatedAt: now}
	if err := p.f.db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
}

func TestPlanDistributeConfirmAndStale(t *testing.T) {
	p := newPlanPage(t)
	anna, bo := p.f.loggedIn(t, models.RoleStaff), p.f.loggedIn(t, models.RoleAdmin)
	page := anna.do(http.MethodGet, p.gridPath(), nil)
	if page.Code != 200 || !strings.Contains(page.Body.String(), "Sønderå Rådhus") || !strings.Contains(page.Body.String(), "Fordel efter d&#39;Hondt") {
		t.Fatalf("plan page: %d %s", page.Code, page.Body)
	}
	// Bo opens the plan, then Anna distributes: Bo's form is now stale.
	boForm := p.distributeForm(bo, map[int]int{0: 5}, "valgsted")
	rec := anna.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), p.distributeForm(anna, map[int]int{0: 9, 1: 7}, "valgsted"))
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "besked=plan.distributed") {
		t.Fatalf("distribute: %d %s", rec.Code, rec.Body)
	}
	if len(p.slots(0, "A")) != 4 || len(p.slots(0, "O")) != 0 {
		t.Errorf("station 1: A %d, O %d", len(p.slots(0, "A")), len(p.slots(0, "O")))
	}
	grid := anna.do(http.MethodGet, p.gridPath()+"&besked=plan.distributed", nil).Body.String()
	for _, want := range []string{"Pladserne er fordelt efter d&#39;Hondt.", "lodtrækningsfrø", "Åbyskolen: Lige kvotienter mellem Det Konservative Folkeparti, Enhedslisten"} {
		if !strings.Contains(grid, want) {
			t.Errorf("the grid lacks %q", want)
		}
	}
	rec = bo.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), boForm)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Planen er ændret af en anden, siden du åbnede den") {
		t.Fatalf("stale distribute: %d", rec.Code)
	}
	if len(p.slots(0, "A")) != 4 {
		t.Error("the stale form changed the plan")
	}
	// Lowering station 1 from 9 to 5 removes empty slots: asked first.
	form := p.distributeForm(bo, map[int]int{0: 5}, "valgsted")
	rec = bo.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), form)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "Ændringen fjerner 4 tomme pladser.") || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("confirmation page: %d %s", rec.Code, body)
	}
	if len(p.slots(0, "A")) != 4 {
		t.Error("slots removed before the confirmation")
	}
	confirm := url.Values{}
	for _, m := range strings.Split(body, `<input type="hidden" name="`)[1:] {
		name := m[:strings.Index(m, `"`)]
		confirm.Add(name, between(m, `value="`, `"`))
	}
	if confirm.Get("count_"+itoa(p.stations[0].ID)) != "5" || confirm.Get("confirm") != "yes" {
		t.Fatalf("the confirmation does not carry the change: %v", confirm)
	}
	if rec := bo.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), confirm); rec.Code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %s", rec.Code, rec.Body)
	}
	if n := len(p.slots(0, "A")); n != 2 {
		t.Errorf("after confirming, A has %d slots at station 1, want 2", n)
	}

	// Municipality-wide: 40 over the 7 stations.
	counts := map[int]int{0: 6, 1: 6, 2: 6, 3: 6, 4: 6, 5: 5, 6: 5}
	form = p.distributeForm(anna, counts, "kommune")
	form.Set("confirm", "yes")
	if rec := anna.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatalf("municipality-wide: %d %s", rec.Code, rec.Body)
	}
	var a int64
	p.f.db.Model(&models.Slot{}).Where("election_id = ? AND party_id = ?", p.e.ID, p.parties["A"].ID).Count(&a)
	if a != 15 {
		t.Errorf("A has %d slots municipality-wide, want 15", a)
	}
}

func TestPlanCellAgreementPoolsMoveAndHeldSlots(t *testing.T) {
	p := newPlanPage(t)
	staff := p.f.loggedIn(t, models.RoleStaff)
	form := p.cellForm(staff, 2)
	form.Set("party_"+itoa(p.parties["A"].ID), "3")
	form.Set("party_"+itoa(p.parties["O"].ID), "1")
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/celle", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatalf("by agreement: %d %s", rec.Code, rec.Body)
	}
	page := staff.do(http.MethodGet, p.cellPath(2), nil).Body.String()
	if !strings.Contains(page, "Antallet er sat efter aftale") {
		t.Error("the cell does not say it is by agreement")
	}
	if grid := staff.do(http.MethodGet, p.gridPath(), nil).Body.String(); !strings.Contains(grid, "Efter aftale") {
		t.Error("the grid does not mark the agreed cell")
	}
	// A pool by hand.
	form = p.cellForm(staff, 2)
	form.Set("party_"+itoa(p.parties["Frivillige"].ID), "2")
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/celle", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatalf("pool: %d", rec.Code)
	}
	// Move a never-invited slot from A to the pool.
	form = p.cellForm(staff, 2)
	form.Set("fra", itoa(p.parties["A"].ID))
	form.Set("til", itoa(p.parties["Frivillige"].ID))
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/flyt", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatalf("move: %d %s", rec.Code, rec.Body)
	}
	if len(p.slots(2, "A")) != 2 || len(p.slots(2, "Frivillige")) != 3 {
		t.Errorf("after the move: A %d, Frivillige %d", len(p.slots(2, "A")), len(p.slots(2, "Frivillige")))
	}
	// People on both of A's slots: lowering A is refused, naming them.
	for _, s := range p.slots(2, "A") {
		p.occupy(t, s, models.StateConfirmed)
	}
	form = p.cellForm(staff, 2)
	form.Set("party_"+itoa(p.parties["A"].ID), "0")
	rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/celle", p.e.ID), form)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "2 personer har pladserne her, så antallet kan ikke blive under 2") {
		t.Fatalf("lowering below the holders: %d %s", rec.Code, rec.Body)
	}
	// Nor can a held slot move.
	form = p.cellForm(staff, 2)
	form.Set("fra", itoa(p.parties["A"].ID))
	form.Set("til", itoa(p.parties["V"].ID))
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/flyt", p.e.ID), form); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "ingen ledig plads") {
		t.Errorf("moving a held slot: %d", rec.Code)
	}
	// A station with people on it cannot be deleted; an unused one can.
	del := fmt.Sprintf("/valgsteder/%d/slet", p.stations[2].ID)
	if page := staff.do(http.MethodGet, del, nil).Body.String(); !strings.Contains(page, "kan ikke slettes") {
		t.Errorf("deletion page of a station with people: %s", page)
	}
	if rec := staff.do(http.MethodPost, del, url.Values{"csrf_token": {staff.csrfFrom(del)}, "confirm": {"yes"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("deleting a station with people: %d", rec.Code)
	}
}

func TestDeleteStationAsksFirst(t *testing.T) {
	p := newPlanPage(t)
	staff := p.f.loggedIn(t, models.RoleStaff)
	form := p.distributeForm(staff, map[int]int{6: 9}, "valgsted")
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatal(rec.Code)
	}
	path := fmt.Sprintf("/valgsteder/%d/slet", p.stations[6].ID)
	if edit := staff.do(http.MethodGet, fmt.Sprintf("/valgsteder/%d", p.stations[6].ID), nil).Body.String(); !strings.Contains(edit, path) {
		t.Error("the station's page does not offer deletion")
	}
	page := staff.do(http.MethodGet, path, nil).Body.String()
	if !strings.Contains(page, "Valgstedet har 9 pladser, som slettes med det") || !strings.Contains(page, p.e.Title+": 9 pladser") {
		t.Fatalf("deletion page: %s", page)
	}
	// Without confirm=yes the page only asks again.
	if rec := staff.do(http.MethodPost, path, url.Values{"csrf_token": {staff.csrfFrom(path)}}); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Slet valgstedet") {
		t.Fatalf("unconfirmed: %d", rec.Code)
	}
	var n int64
	p.f.db.Model(&models.PollingStation{}).Where("id = ?", p.stations[6].ID).Count(&n)
	if n != 1 {
		t.Fatal("deleted without confirmation")
	}
	if rec := staff.do(http.MethodPost, path, url.Values{"csrf_token": {staff.csrfFrom(path)}, "confirm": {"yes"}}); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), "Valgstedet er slettet") {
		t.Fatalf("confirmed: %d %s", rec.Code, rec.Body)
	}
	p.f.db.Model(&models.PollingStation{}).Where("id = ?", p.stations[6].ID).Count(&n)
	if n != 0 {
		t.Error("not deleted")
	}
}

// Party secretaries never see nor change the plan; read-only staff see it
// without any form; staff change it.
func TestPlanRoleRules(t *testing.T) {
	p := newPlanPage(t)
	sec, ro := p.f.loggedIn(t, models.RolePartySecretary), p.f.loggedIn(t, models.RoleReadOnly)
	staff := p.f.loggedIn(t, models.RoleStaff)
	paths := []string{p.gridPath(), p.cellPath(0), fmt.Sprintf("/valg/%d", p.e.ID), "/partier"}
	for _, path := range paths {
		if rec := sec.do(http.MethodGet, path, nil); rec.Code != http.StatusForbidden {
			t.Errorf("secretary GET %s: %d", path, rec.Code)
		}
		rec := ro.do(http.MethodGet, path, nil)
		if rec.Code != 200 {
			t.Errorf("read-only GET %s: %d", path, rec.Code)
		}
		for _, form := range []string{"/plan/fordel", "/plan/celle\"", "/plan/flyt", "/dupliker", `action="/partier`, `action="/valggrupper`, `type="submit">Gem indstillinger`} {
			if strings.Contains(rec.Body.String(), form) {
				t.Errorf("read-only staff are offered %s on %s", form, path)
			}
		}
	}
	staffForm := p.distributeForm(staff, map[int]int{0: 9}, "valgsted")
	cell := p.cellForm(staff, 0)
	cell.Set("party_"+itoa(p.parties["A"].ID), "2")
	for _, b := range []*browser{sec, ro} {
		csrf := b.csrf()
		for path, form := range map[string]url.Values{
			fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID): staffForm,
			fmt.Sprintf("/valg/%d/plan/celle", p.e.ID):  cell,
			fmt.Sprintf("/valg/%d/plan/flyt", p.e.ID):   cell,
			fmt.Sprintf("/valg/%d", p.e.ID):             {"title": {"X"}},
			fmt.Sprintf("/valg/%d/dupliker", p.e.ID):    {"title": {"X"}, "day": {"2030-01-01"}},
			"/partier":                                  {"name": {"X"}, "kind": {"pool"}}, "/valggrupper": {"name": {"X"}},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf_token", csrf)
			if rec := b.do(http.MethodPost, path, f); rec.Code != http.StatusForbidden {
				t.Errorf("POST %s: %d", path, rec.Code)
			}
		}
	}
	var n int64
	p.f.db.Model(&models.Slot{}).Count(&n)
	if n != 0 {
		t.Errorf("%d slots were made by users who may not", n)
	}
	// Staff may.
	if rec := staff.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), staffForm); rec.Code != http.StatusSeeOther {
		t.Errorf("staff: %d", rec.Code)
	}
}

func TestElectionSettingsPage(t *testing.T) {
	p := newPlanPage(t)
	anna, bo := p.f.loggedIn(t, models.RoleStaff), p.f.loggedIn(t, models.RoleAdmin)
	path := fmt.Sprintf("/valg/%d", p.e.ID)
	read := func(b *browser) url.Values {
		page := b.do(http.MethodGet, path, nil).Body.String()
		v := url.Values{"csrf_token": {between(page, `name="csrf_token" value="`, `"`)}, "version": {between(page, `name="version" value="`, `"`)}}
		for _, f := range []string{"title", "day", "tasks_from", "tasks_until", "lock_days", "answer_days", "reminder_every_days", "reminder_days_before", "task_reminder_days", "day_replace_minutes"} {
			v.Set(f, between(page, `name="`+f+`" type="`, `>`))
			v.Set(f, between(v.Get(f), `value="`, `"`))
		}
		v.Set("evening_reminder", "1")
		v.Set("auto_replace", "1")
		return v
	}
	if page := anna.do(http.MethodGet, "/valg", nil).Body.String(); !strings.Contains(page, `href="`+path+`"`) {
		t.Error("the elections list does not link to the election")
	}
	annaForm, boForm := read(anna), read(bo)
	if annaForm.Get("answer_days") != "14" || annaForm.Get("title") != p.e.Title {
		t.Fatalf("form: %v", annaForm)
	}
	bad := read(anna)
	bad.Set("tasks_from", p.e.ElectionDay.AddDays(2).String())
	bad.Set("reminder_days_before", "7,,x")
	rec := anna.do(http.MethodPost, path, bad)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="tasks_from-error">Datoen skal ligge på eller før valgdagen.`) ||
		!strings.Contains(body, `id="reminder_days_before-error"`) || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, "7,,x") {
		t.Fatalf("invalid settings: %d %s", rec.Code, body)
	}
	annaForm.Set("tasks_from", p.e.ElectionDay.AddDays(-14).String())
	annaForm.Set("lock_days", "2")
	if rec := anna.do(http.MethodPost, path, annaForm); rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	var e models.Election
	p.f.db.First(&e, p.e.ID)
	if e.LockDays != 2 || len(e.TaskDays()) != 15 {
		t.Errorf("saved: %+v", e)
	}
	if grid := anna.do(http.MethodGet, p.gridPath(), nil).Body.String(); strings.Count(grid, `<th scope="col"><time`) != 15 {
		t.Error("the plan does not show the 15 task days")
	}
	boForm.Set("title", "Bo's titel")
	rec = bo.do(http.MethodPost, path, boForm)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "En anden har ændret valget") {
		t.Fatalf("stale save: %d", rec.Code)
	}

	// Duplicate: a new draft with the same slots, shifted.
	form := p.distributeForm(anna, map[int]int{0: 9}, "valgsted")
	if rec := anna.do(http.MethodPost, fmt.Sprintf("/valg/%d/plan/fordel", p.e.ID), form); rec.Code != http.StatusSeeOther {
		t.Fatal(rec.Code)
	}
	newDay := p.e.ElectionDay.AddDays(7 * 52)
	rec = anna.do(http.MethodPost, path+"/dupliker", url.Values{"csrf_token": {anna.csrfFrom(path)}, "title": {"Næste valg"}, "day": {newDay.String()}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("duplicate: %d %s", rec.Code, rec.Body)
	}
	page := anna.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(page, "Næste valg") || !strings.Contains(page, "Kladde") || !strings.Contains(page, "kopi") {
		t.Errorf("the copy's page: %s", page)
	}
	var copied int64
	p.f.db.Model(&models.Slot{}).Where("election_id <> ? AND day = ?", p.e.ID, newDay).Count(&copied)
	if copied != 9 {
		t.Errorf("%d slots copied to the new day, want 9", copied)
	}
	rec = anna.do(http.MethodPost, path+"/dupliker", url.Values{"csrf_token": {anna.csrfFrom(path)}, "title": {"X"}, "day": {"2020-01-01"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="dup_day-error">Valgdagen er allerede passeret.`) {
		t.Errorf("duplicate into the past: %d", rec.Code)
	}
}

func TestPartiesPage(t *testing.T) {
	p := newPlanPage(t)
	staff := p.f.loggedIn(t, models.RoleStaff)
	page := staff.do(http.MethodGet, "/partier", nil).Body.String()
	if !strings.Contains(page, "31 mandater i alt") || !strings.Contains(page, "Frivillige") {
		t.Fatalf("parties page: %s", page)
	}
	csrf := staff.csrfFrom("/partier")
	if rec := staff.do(http.MethodPost, "/valggrupper", url.Values{"csrf_token": {csrf}, "name": {"Blå liste"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("create valggruppe: %d %s", rec.Code, rec.Body)
	}
	var vg models.Valggruppe
	p.f.db.Where("name = ?", "Blå liste").First(&vg)
	c := p.parties["C"]
	rec := staff.do(http.MethodPost, "/partier/"+itoa(c.ID), url.Values{"csrf_token": {csrf}, "name": {c.Name}, "letter": {"C"}, "seats": {"4"},
		"valggruppe": {itoa(vg.ID)}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save party: %d %s", rec.Code, rec.Body)
	}
	page = staff.do(http.MethodGet, "/partier", nil).Body.String()
	if !strings.Contains(page, "Blå liste (4 mandater): Det Konservative Folkeparti") || !strings.Contains(page, "32 mandater i alt") {
		t.Errorf("after the change: %s", page)
	}
	if rec := staff.do(http.MethodPost, "/partier", url.Values{"csrf_token": {csrf}, "name": {"Medarbejdere"}, "kind": {"pool"}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Der findes allerede et parti med det navn") {
		t.Errorf("duplicate pool: %d", rec.Code)
	}
	if rec := staff.do(http.MethodPost, "/partier", url.Values{"csrf_token": {csrf}, "name": {"Liberal Alliance"}, "letter": {"I"}, "kind": {"council_group"}, "seats": {"1"}}); rec.Code != http.StatusSeeOther {
		t.Errorf("new party: %d %s", rec.Code, rec.Body)
	}
	if rec := staff.do(http.MethodPost, "/valggrupper/"+itoa(vg.ID)+"/slet", url.Values{"csrf_token": {csrf}}); rec.Code != http.StatusSeeOther {
		t.Errorf("delete valggruppe: %d", rec.Code)
	}
	if page := staff.do(http.MethodGet, "/partier?lang=en", nil).Body.String(); !strings.Contains(page, "Council groups") {
		t.Error("no English parties page")
	}
}
