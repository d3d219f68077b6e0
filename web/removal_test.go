package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows"
)

// lifecyclesOnDB stands in for Temporal and the lifecycles: an answer or a
// cancellation is written to the projection as the lifecycle's activity
// writes it, a repeat is refused as the validator refuses it.
type lifecyclesOnDB struct {
	temporalHealth
	db      *gorm.DB
	mu      sync.Mutex
	cancels []string
}

type updated struct{}

func (updated) WorkflowID() string             { return "" }
func (updated) RunID() string                  { return "" }
func (updated) UpdateID() string               { return "" }
func (updated) Get(context.Context, any) error { return nil }

func (l *lifecyclesOnDB) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var a models.Assignment
	if err := l.db.Where("workflow_id = ?", o.WorkflowID).First(&a).Error; err != nil {
		return nil, err
	}
	if a.State != models.StateInvited {
		return nil, temporal.NewApplicationError("closed", workflows.RefusedAlreadyDeclined)
	}
	switch arg := o.Args[0].(type) {
	case workflows.Answer:
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, models.StateDeclined, arg.Reason, arg.By, now)
	case workflows.Cancellation:
		l.cancels = append(l.cancels, o.WorkflowID)
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, models.StateCancelled, "", arg.By, now)
	}
	return nil, temporal.NewApplicationError("unexpected", workflows.RefusedBadAnswer)
}

// removalSetup is recruitSetup over lifecycles that write the projection.
func newRemovalSetup(t *testing.T) (*recruitSetup, *lifecyclesOnDB) {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	_, register := fakeRegister(t)
	lc := &lifecyclesOnDB{db: db}
	clock := func() time.Time { return now }
	uses := usecases.New(usecases.Config{DB: db, Temporal: lc, CPR: register, Keys: keys, Now: clock, Log: quietLog()})
	r := &recruitSetup{fixture: f, svc: uses.Recruit}
	f.app = web.New(site.Deps{UseCases: uses, Now: clock, Log: quietLog()})
	db.First(&r.election)
	db.Order("district").First(&r.station)
	db.Where("short_name = ?", "TF").First(&r.tf)
	db.Where("letter = ?", "A").First(&r.partyA)
	return r, lc
}

// "Nej, og fjern mig fra listen" by link: the answer page says the person
// is off the list; the membership, the reserve place and the party's other
// open invitation are gone; party A can no longer nominate the person by
// page, API or CSV, nor register them again, and is told why; party V
// still can; a secretary cannot remove another party's person by changing
// the ids; staff re-add the person only with a reason, which lifts the
// block.
func TestRemoveMeByLinkBlocksThePartyUntilStaffReadd(t *testing.T) {
	const søren = "0101704001"
	r, lc := newRemovalSetup(t)
	db := r.db
	secA := r.loggedIn(t, models.RolePartySecretary)
	staff := r.loggedIn(t, models.RoleStaff)
	var partyV models.Party
	db.Where("letter = ?", "V").First(&partyV)

	if resp := r.register(t, secA, søren, 0); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	var p models.Participant
	db.Where("name = ?", "Søren Ærø").First(&p)
	slot := func(day models.Date, party models.Party) models.Slot {
		s := models.Slot{ElectionID: r.election.ID, StationID: r.station.ID, TaskTypeID: r.tf.ID, Day: day, PartyID: party.ID, CreatedAt: now}
		if err := db.Create(&s).Error; err != nil {
			t.Fatal(err)
		}
		return s
	}
	invite := func(s models.Slot) models.Assignment {
		a := storetest.Nominate(t, db, s, p.ID)
		db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now})
		return a
	}
	day := r.election.ElectionDay
	answered, other := invite(slot(day, r.partyA)), invite(slot(day.AddDays(-1), r.partyA))
	db.Create(&models.Reserve{ElectionID: r.election.ID, PartyID: r.partyA.ID, ParticipantID: p.ID, CreatedAt: now})
	token := strings.Repeat("d", 64)
	if err := store.SaveAnswerToken(context.Background(), db, answered.ID, token, "3333", now); err != nil {
		t.Fatal(err)
	}

	citizen := r.loggedIn(t, "")
	rec := citizen.do(http.MethodPost, "/svar/"+token, url.Values{"svar": {"fjern"}, "csrf_token": {citizen.csrfFrom("/svar/" + token)}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("fjern mig: %d %s", rec.Code, rec.Body)
	}
	page := citizen.do(http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(page, "Du er fjernet fra listen og bliver ikke kontaktet igen om denne opgave") {
		t.Fatalf("answer page: %s", page)
	}
	english := citizen.do(http.MethodGet, "/svar/"+token+"?lang=en", nil).Body.String()
	if !strings.Contains(english, "You have been taken off the list") {
		t.Errorf("English answer page lacks the sentence")
	}
	// A retried answer: refused as a repeat, one removal.
	citizen.do(http.MethodPost, "/svar/"+token, url.Values{"svar": {"fjern"}, "csrf_token": {citizen.csrfFrom("/svar/" + token)}})
	var members, reserves, removals int64
	db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", p.ID, r.partyA.ID).Count(&members)
	db.Model(&models.Reserve{}).Where("participant_id = ?", p.ID).Count(&reserves)
	db.Model(&models.ListRemoval{}).Where("participant_id = ?", p.ID).Count(&removals)
	db.First(&other, other.ID)
	if members != 0 || reserves != 0 || removals != 1 || other.State != models.StateCancelled || len(lc.cancels) != 1 {
		t.Fatalf("after fjern mig: members %d, reserves %d, removals %d, other invitation %s, cancels %v",
			members, reserves, removals, other.State, lc.cancels)
	}

	// Party A, by every way in: refused, and told why.
	const why = "Personen har bedt om ikke at blive kontaktet af jer igen"
	cell := itoa(r.station.ID) + "/" + itoa(r.tf.ID) + "/" + day.AddDays(-2).String()
	slot(day.AddDays(-2), r.partyA)
	rec = secA.do(http.MethodPost, "/valg/"+itoa(r.election.ID)+"/indstilling", url.Values{"cpr": {søren}, "cell": {cell},
		"csrf_token": {secA.csrfFrom("/konto")}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), why) {
		t.Errorf("page nomination: %d %s", rec.Code, rec.Body)
	}
	rec = upload(secA, "/valg/"+itoa(r.election.ID)+"/indstilling/csv", url.Values{}, []byte("cpr;valgsted;opgavetype\n"+søren+";1;TF\n"))
	if !strings.Contains(rec.Body.String(), "0 af 1 rækker er indlæst") || !strings.Contains(rec.Body.String(), why) {
		t.Errorf("CSV: %d %s", rec.Code, rec.Body)
	}
	if resp := r.register(t, secA, søren, 0); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("registering again: %d", resp.StatusCode)
	}
	api := r.sessionAPI(t, models.RolePartySecretary)
	if res := api.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": søren}); res.Status != http.StatusConflict ||
		!strings.Contains(res.errText(t), why) {
		t.Errorf("API registration: %d %s", res.Status, res.Body)
	}
	apiSlot := slot(day.AddDays(-3), r.partyA)
	if res := api.do(http.MethodPost, "/api/v1/elections/"+itoa(r.election.ID)+"/nominations",
		map[string]any{"slot_id": apiSlot.ID, "participant_id": p.ID}); res.Status != http.StatusConflict {
		t.Errorf("API nomination: %d %s", res.Status, res.Body)
	}
	var held int64
	db.Model(&models.Assignment{}).Where("participant_id = ? AND party_id = ? AND state = ?", p.ID, r.partyA.ID, models.StateNominated).Count(&held)
	if held != 0 {
		t.Errorf("%d nominations made", held)
	}

	// Party V is not affected: staff put the person on V's list.
	if resp := r.register(t, staff, søren, partyV.ID); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("registering on V's list: %d", resp.StatusCode)
	}

	// A's secretary cannot remove V's person by changing the ids.
	before := removals
	for _, party := range []int64{partyV.ID, r.partyA.ID} {
		rec := secA.do(http.MethodPost, "/deltagere/"+itoa(p.ID)+"/fjern", url.Values{"party_id": {itoa(party)}, "csrf_token": {secA.csrfFrom("/konto")}})
		if rec.Code != http.StatusNotFound {
			t.Errorf("A's secretary removing from party %d: %d", party, rec.Code)
		}
	}
	if res := api.do(http.MethodDelete, "/api/v1/parties/"+itoa(partyV.ID)+"/members/"+itoa(p.ID), nil); res.Status != http.StatusNotFound {
		t.Errorf("API removal from V by A's secretary: %d %s", res.Status, res.Body)
	}
	db.Model(&models.ListRemoval{}).Where("participant_id = ?", p.ID).Count(&removals)
	db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", p.ID, partyV.ID).Count(&members)
	if removals != before || members != 1 {
		t.Fatalf("a refused removal changed something: %d removals, %d V memberships", removals, members)
	}

	// Staff re-add: the participant page links to the removals; without a
	// reason the field is refused and the block stays.
	if page := staff.do(http.MethodGet, "/deltagere/"+itoa(p.ID), nil).Body.String(); !strings.Contains(page, "/deltagere/"+itoa(p.ID)+"/fjernelser") {
		t.Errorf("the participant page has no link to the removals")
	}
	history := staff.do(http.MethodGet, "/deltagere/"+itoa(p.ID)+"/fjernelser", nil)
	if history.Code != http.StatusOK || !strings.Contains(history.Body.String(), "Efter personens eget ønske") ||
		!strings.Contains(history.Body.String(), `action="/deltagere/`+itoa(p.ID)+`/genoptag"`) {
		t.Fatalf("removals page: %d %s", history.Code, history.Body)
	}
	csrf := staff.csrfFrom("/deltagere/" + itoa(p.ID) + "/fjernelser")
	rec = staff.do(http.MethodPost, "/deltagere/"+itoa(p.ID)+"/genoptag", url.Values{"party_id": {itoa(r.partyA.ID)}, "reason": {"  "}, "csrf_token": {csrf}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Skriv, hvorfor personen sættes på listen igen") {
		t.Errorf("re-add without a reason: %d %s", rec.Code, rec.Body)
	}
	if resp := r.register(t, secA, søren, 0); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("registering after a refused re-add: %d", resp.StatusCode)
	}
	if rec := secA.do(http.MethodPost, "/deltagere/"+itoa(p.ID)+"/genoptag", url.Values{"party_id": {itoa(r.partyA.ID)},
		"reason": {"Vil gerne"}, "csrf_token": {secA.csrfFrom("/konto")}}); rec.Code != http.StatusForbidden {
		t.Errorf("a secretary re-adding: %d", rec.Code)
	}
	rec = staff.do(http.MethodPost, "/deltagere/"+itoa(p.ID)+"/genoptag", url.Values{"party_id": {itoa(r.partyA.ID)},
		"reason": {"Personen ringede 7/12 og vil gerne stå på listen igen"}, "csrf_token": {csrf}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("re-add: %d %s", rec.Code, rec.Body)
	}
	rec = secA.do(http.MethodPost, "/valg/"+itoa(r.election.ID)+"/indstilling", url.Values{"cpr": {søren}, "cell": {cell},
		"csrf_token": {secA.csrfFrom("/konto")}})
	if rec.Code != http.StatusSeeOther {
		t.Errorf("nominating after the re-add: %d %s", rec.Code, rec.Body)
	}

	// The secretary removes the person again, by the button: the page
	// offers it, a confirmation says what will happen, the POST does it
	// and lists nothing kept; then by the API a second time is 404.
	if page := secA.do(http.MethodGet, "/deltagere/"+itoa(p.ID), nil).Body.String(); !strings.Contains(page, `action="/deltagere/`+itoa(p.ID)+`/fjern"`) {
		t.Errorf("no removal button for the secretary: %s", page)
	}
	confirm := secA.do(http.MethodGet, "/deltagere/"+itoa(p.ID)+"/fjern?parti="+itoa(r.partyA.ID), nil)
	if confirm.Code != http.StatusOK || !strings.Contains(confirm.Body.String(), "Indstillinger, der endnu ikke er sendt, og som trækkes tilbage: 1") {
		t.Fatalf("confirmation: %d %s", confirm.Code, confirm.Body)
	}
	rec = secA.do(http.MethodPost, "/deltagere/"+itoa(p.ID)+"/fjern", url.Values{"party_id": {itoa(r.partyA.ID)},
		"csrf_token": {between(confirm.Body.String(), `name="csrf_token" value="`, `"`)}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "er fjernet fra listen hos") {
		t.Fatalf("removal: %d %s", rec.Code, rec.Body)
	}
	if resp := r.register(t, secA, søren, 0); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("registering after the secretary's removal: %d", resp.StatusCode)
	}
	if res := api.do(http.MethodDelete, "/api/v1/parties/"+itoa(r.partyA.ID)+"/members/"+itoa(p.ID), nil); res.Status != http.StatusNotFound {
		t.Errorf("API removal of a person no longer on the list: %d %s", res.Status, res.Body)
	}
}

// The API removes a person from the party's list and lists the confirmed
// tasks that stay.
func TestAPIRemovesAPersonFromThePartysList(t *testing.T) {
	r, _ := newRemovalSetup(t)
	db := r.db
	staff := r.sessionAPI(t, models.RoleStaff)
	res := staff.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704016", "party_id": r.partyA.ID})
	var p struct{ ID int64 }
	res.decode(t, &p)
	s := models.Slot{ElectionID: r.election.ID, StationID: r.station.ID, TaskTypeID: r.tf.ID, Day: r.election.ElectionDay, PartyID: r.partyA.ID, CreatedAt: now}
	db.Create(&s)
	a := storetest.Nominate(t, db, s, p.ID)
	db.Model(&a).Update("state", models.StateConfirmed)
	secA := r.sessionAPI(t, models.RolePartySecretary)
	res = secA.do(http.MethodDelete, "/api/v1/parties/"+itoa(r.partyA.ID)+"/members/"+itoa(p.ID), nil)
	var out struct {
		Kept []struct {
			AssignmentID int64 `json:"assignment_id"`
		} `json:"kept_confirmed"`
	}
	res.decode(t, &out)
	if res.Status != http.StatusOK || len(out.Kept) != 1 || out.Kept[0].AssignmentID != a.ID {
		t.Fatalf("removal: %d %s", res.Status, res.Body)
	}
	db.First(&a, a.ID)
	if a.State != models.StateConfirmed {
		t.Errorf("the confirmed task is %s", a.State)
	}
}
