package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// recruitSetup is the demo municipality with the fake CPR register, the use
// cases (recruit) and the web app over them, and one vacant Tilforordnet
// slot of party A at station 1.
type recruitSetup struct {
	*fixture
	svc      *recruit.Service
	election models.Election
	station  models.PollingStation
	tf       models.TaskType
	partyA   models.Party
	slot     models.Slot
}

func newRecruitSetup(t *testing.T) *recruitSetup {
	t.Helper()
	db := storetest.SQLite(t)
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	_, client := fakeRegister(t)
	clock := func() time.Time { return now }
	uses := usecases.New(usecases.Config{DB: db, Temporal: temporalHealth{}, CPR: client, Keys: keys, Now: clock, Log: quietLog()})
	r := &recruitSetup{fixture: f, svc: uses.Recruit}
	f.app = web.New(site.Deps{UseCases: uses, Now: clock, Log: quietLog()})
	db.First(&r.election)
	db.Order("district").First(&r.station)
	db.Where("short_name = ?", "TF").First(&r.tf)
	db.Where("letter = ?", "A").First(&r.partyA)
	r.slot = models.Slot{ElectionID: r.election.ID, StationID: r.station.ID, TaskTypeID: r.tf.ID, Day: r.election.ElectionDay,
		PartyID: r.partyA.ID, CreatedAt: now}
	if err := db.Create(&r.slot).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

// stored is what a nomination leaves in the database, without what differs
// by nature between two runs (the encrypted values, times).
func (r *recruitSetup) stored(t *testing.T) string {
	t.Helper()
	var people []models.Participant
	var members []models.PartyMembership
	var held []models.Assignment
	r.db.Order("id").Find(&people)
	r.db.Order("participant_id, party_id").Find(&members)
	r.db.Order("id").Find(&held)
	out := ""
	for _, p := range people {
		out += fmt.Sprintf("participant %d %q channel=%q mobile=%v email=%v dp-exempt=%v protected=%v diet=%q\n", p.ID, p.Name,
			p.PreferredChannel, p.Mobile.Reveal() != "", p.Email.Reveal() != "", p.DigitalPostExempt, p.ProtectedAddress, p.SpecialDiet.Reveal())
	}
	for _, m := range members {
		out += fmt.Sprintf("member %d of party %d\n", m.ParticipantID, m.PartyID)
	}
	for _, a := range held {
		out += fmt.Sprintf("assignment %d: slot %d person %d election %d station %d task %d party %d day %s state %s workflow %s\n",
			a.ID, a.SlotID, a.ParticipantID, a.ElectionID, a.StationID, a.TaskTypeID, a.PartyID, a.Day, a.State, a.WorkflowID)
	}
	return out
}

// Nominating by the page, by the API, by a CSV upload and by the use case
// itself runs one implementation (recruit.Nominate): the same person leaves
// the same rows behind whichever way they came in. Else Frølund is exempt
// from Digital Post: what the register says about her must be stored by
// every way in.
func TestNominatingByPageAPICSVAndUseCaseStoresTheSame(t *testing.T) {
	const elseFroelund = "0101704016"
	ways := []struct {
		name     string
		nominate func(t *testing.T, r *recruitSetup)
	}{
		{"page", func(t *testing.T, r *recruitSetup) {
			b := r.loggedIn(t, models.RolePartySecretary)
			rec := b.do(http.MethodPost, "/valg/"+itoa(r.election.ID)+"/indstilling", url.Values{"cpr": {elseFroelund},
				"cell": {itoa(r.station.ID) + "/" + itoa(r.tf.ID) + "/" + r.election.ElectionDay.String()}, "csrf_token": {b.csrfFrom("/konto")}})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("page: %d %s", rec.Code, rec.Body)
			}
		}},
		{"api", func(t *testing.T, r *recruitSetup) {
			api := r.sessionAPI(t, models.RolePartySecretary)
			res := api.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": elseFroelund})
			var p struct{ ID int64 }
			res.decode(t, &p)
			if res.Status != http.StatusCreated {
				t.Fatalf("api register: %d %s", res.Status, res.Body)
			}
			res = api.do(http.MethodPost, "/api/v1/elections/"+itoa(r.election.ID)+"/nominations",
				map[string]any{"slot_id": r.slot.ID, "participant_id": p.ID})
			if res.Status != http.StatusCreated {
				t.Fatalf("api nominate: %d %s", res.Status, res.Body)
			}
		}},
		{"csv", func(t *testing.T, r *recruitSetup) {
			b := r.loggedIn(t, models.RolePartySecretary)
			rec := upload(b, "/valg/"+itoa(r.election.ID)+"/indstilling/csv", url.Values{},
				[]byte("cpr;valgsted;opgavetype\n"+elseFroelund+";1;TF\n"))
			if rec.Code != http.StatusOK {
				t.Fatalf("csv: %d %s", rec.Code, rec.Body)
			}
		}},
		{"use case", func(t *testing.T, r *recruitSetup) {
			_, err := r.svc.Nominate(context.Background(), r.users[models.RolePartySecretary], recruit.Nomination{
				ElectionID: r.election.ID, To: recruit.Placement{PartyID: r.partyA.ID, StationID: r.station.ID, TaskTypeID: r.tf.ID,
					Day: r.election.ElectionDay}, Person: recruit.Person{CPR: elseFroelund}})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	got := make([]string, len(ways))
	for i, w := range ways {
		r := newRecruitSetup(t)
		w.nominate(t, r)
		got[i] = r.stored(t)
		if got[i] == "" {
			t.Fatalf("%s stored nothing", w.name)
		}
	}
	for i := range ways[1:] {
		if got[i+1] != got[0] {
			t.Errorf("%s stored\n%s\n%s stored\n%s", ways[0].name, got[0], ways[i+1].name, got[i+1])
		}
	}
}
