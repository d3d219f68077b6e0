package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/cprfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
)

// apiNominations is the demo municipality with the real SF1520 client
// against the fake register, encryption keys, signed Twilio webhooks, and
// slots: A has two Tilforordnet slots at station 1, one at station 2 and
// a Valgstyrer (appointed-only) slot at station 1; V one Tilforordnet slot
// at station 3.
type apiNominations struct {
	*fixture
	register       *cprfake.Server
	temporal       *recordedUpdates
	election       models.Election
	stations       []models.PollingStation
	tf, vs         models.TaskType
	partyA, partyV models.Party
	slotsA         []models.Slot // TF st1, TF st1, TF st2, VS st1
	slotV          models.Slot
}

func newAPINominations(t *testing.T, db *gorm.DB) *apiNominations {
	t.Helper()
	f := newFixture(t, db, false)
	keys := storetest.WithKeys(t, db)
	register, client := fakeRegister(t)
	n := &apiNominations{fixture: f, register: register, temporal: &recordedUpdates{}}
	f.app = web.New(site.Deps{UseCases: usecases.New(usecases.Config{DB: db, Temporal: n.temporal, CPR: client, Keys: keys,
		Now: func() time.Time { return now }, Log: quietLog()}), Now: func() time.Time { return now }, Log: quietLog(), PublicURL: publicURL, SMSAuthToken: authToken})
	db.First(&n.election)
	db.Order("district").Find(&n.stations)
	db.Where("short_name = ?", "TF").First(&n.tf)
	db.Where("short_name = ?", "VS").First(&n.vs)
	db.Where("letter = ?", "A").First(&n.partyA)
	db.Where("letter = ?", "V").First(&n.partyV)
	for _, s := range []struct {
		station models.PollingStation
		tt      models.TaskType
		party   models.Party
	}{{n.stations[0], n.tf, n.partyA}, {n.stations[0], n.tf, n.partyA}, {n.stations[1], n.tf, n.partyA},
		{n.stations[0], n.vs, n.partyA}, {n.stations[2], n.tf, n.partyV}} {
		slot := models.Slot{ElectionID: n.election.ID, StationID: s.station.ID, TaskTypeID: s.tt.ID,
			Day: n.election.ElectionDay, PartyID: s.party.ID, CreatedAt: now}
		if err := db.Create(&slot).Error; err != nil {
			t.Fatal(err)
		}
		if s.party.ID == n.partyA.ID {
			n.slotsA = append(n.slotsA, slot)
		} else {
			n.slotV = slot
		}
	}
	return n
}

// voters adds count eligible residents to the register and returns their
// CPR numbers (born 1 January 1980, serials from 1000).
func (n *apiNominations) voters(count int) []string {
	numbers := make([]string, count)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("010180%04d", 1000+i)
		c, _ := models.ParseCPR(numbers[i])
		p := cpr.Person{GivenName: "Vælger", Surname: fmt.Sprintf("Nummer %d", i+1), PollingDistrict: "1"}
		p.CPR, p.Status, p.Citizenship, p.MunicipalityCode, p.ResidentSince = c, "01", "5100", "0999", c.BirthDate()
		n.register.Register.Add(p)
	}
	return numbers
}

func (n *apiNominations) electionPath(suffix string) string {
	return "/api/v1/elections/" + itoa(n.election.ID) + suffix
}

type apiPerson struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	MaskedCPR string `json:"masked_cpr"`
	PartyID   int64  `json:"party_id"`
	Created   *bool  `json:"created"`
}

func TestAPIRegistersAndNominatesWithThePagesRules(t *testing.T) {
	n := newAPINominations(t, storetest.SQLite(t))
	api := n.tokens(t)
	secA, staff, readOnly := api[models.RolePartySecretary], api[models.RoleStaff], api[models.RoleReadOnly]

	// Registration: the number goes in, only the masked form comes out.
	res := secA.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "010170-4001", "mobile": "20304050"})
	var soeren apiPerson
	res.decode(t, &soeren)
	if res.Status != http.StatusCreated || soeren.Created != nil || soeren.Name != "Søren Ærø" || soeren.MaskedCPR != "010170-XXXX" ||
		soeren.PartyID != n.partyA.ID {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	if fullCPR.Match(res.Body) {
		t.Errorf("the answer carries a CPR number: %s", res.Body)
	}
	// Again (as staff, for V): the same person, now on V's list too.
	res = staff.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704001", "party_id": n.partyV.ID})
	var again apiPerson
	res.decode(t, &again)
	if res.Status != http.StatusOK || again.Created == nil || *again.Created || again.ID != soeren.ID {
		t.Errorf("register twice: %d %s", res.Status, res.Body)
	}
	for _, c := range []struct {
		name   string
		client *apiClient
		body   map[string]any
		status int
		want   string
	}{
		{"a letter in the number", secA, map[string]any{"cpr": "01017O4001"}, 422, "CPR-nummeret må kun indeholde cifre"},
		{"no such date", secA, map[string]any{"cpr": "3102704001"}, 422, "ikke en gyldig fødselsdato"},
		{"another party", secA, map[string]any{"cpr": "0101704009", "party_id": n.partyV.ID}, 403, "rolle"},
		{"staff name no party", staff, map[string]any{"cpr": "0101704009"}, 422, "Ret de markerede felter"},
		{"a bad mobile number", secA, map[string]any{"cpr": "0101704009", "mobile": "12"}, 422, "Mobilnummeret"},
		{"unknown to the register", secA, map[string]any{"cpr": "0101709999"}, 422, "findes ikke i CPR-registret"},
		// A party secretary is told no register reason; staff are.
		{"dead", secA, map[string]any{"cpr": "0101704010"}, 422, "Personen kan ikke tilføjes. Kontakt valgsekretariatet"},
		{"dead, to staff", staff, map[string]any{"cpr": "0101704010", "party_id": n.partyA.ID}, 422, "død"},
		{"not a citizen at a Folketingsvalg", secA, map[string]any{"cpr": "0101704002"}, 422, "kan ikke indstilles til"},
		{"not a citizen, to staff", staff, map[string]any{"cpr": "0101704002", "party_id": n.partyA.ID}, 422, "statsborger"},
		{"read-only staff", readOnly, map[string]any{"cpr": "0101704009", "party_id": n.partyA.ID}, 403, "rolle"},
	} {
		res := c.client.do(http.MethodPost, "/api/v1/participants", c.body)
		if res.Status != c.status || !strings.Contains(res.errText(t), c.want) {
			t.Errorf("%s: %d %s, want %d %q", c.name, res.Status, res.Body, c.status, c.want)
		}
		if number := c.body["cpr"].(string); strings.Contains(string(res.Body), number[6:]) {
			t.Errorf("%s: the answer carries the CPR number: %s", c.name, res.Body)
		}
	}
	var bjoern apiPerson
	secA.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704009"}).decode(t, &bjoern)

	// The party's slots, scoped.
	var slots []struct {
		SlotID int64  `json:"slot_id"`
		Held   bool   `json:"held"`
		Name   string `json:"name"`
		State  string `json:"state"`
	}
	res = secA.do(http.MethodGet, n.electionPath("/slots"), nil)
	res.decode(t, &slots)
	if res.Status != http.StatusOK || len(slots) != 4 || slots[0].Held {
		t.Fatalf("A's slots: %d %s", res.Status, res.Body)
	}
	if res := secA.do(http.MethodGet, n.electionPath("/slots?party_id="+itoa(n.partyV.ID)), nil); res.Status != http.StatusForbidden {
		t.Errorf("A's secretary asking for V's slots: %d", res.Status)
	}
	if res := staff.do(http.MethodGet, n.electionPath("/slots"), nil); res.Status != http.StatusBadRequest {
		t.Errorf("staff without a party: %d", res.Status)
	}
	if res := readOnly.do(http.MethodGet, n.electionPath("/slots?party_id="+itoa(n.partyV.ID)), nil); res.Status != http.StatusOK {
		t.Errorf("read-only staff reading V's slots: %d", res.Status)
	}

	// Claims.
	nominate := func(client *apiClient, slot models.Slot, person int64) apiResult {
		return client.do(http.MethodPost, n.electionPath("/nominations"), map[string]any{"slot_id": slot.ID, "participant_id": person})
	}
	res = nominate(secA, n.slotsA[0], soeren.ID)
	var a struct {
		ID     int64  `json:"id"`
		SlotID int64  `json:"slot_id"`
		State  string `json:"state"`
		Day    string `json:"day"`
	}
	res.decode(t, &a)
	if res.Status != http.StatusCreated || a.SlotID != n.slotsA[0].ID || a.State != "nominated" || a.Day != n.election.ElectionDay.String() {
		t.Fatalf("nominate: %d %s", res.Status, res.Body)
	}
	lookups := len(n.register.Register.Requests())
	for _, c := range []struct {
		name   string
		client *apiClient
		slot   models.Slot
		person int64
		status int
		want   string
	}{
		{"a slot already held", secA, n.slotsA[0], bjoern.ID, 409, "allerede besat"},
		{"a person busy that day", secA, n.slotsA[1], soeren.ID, 409, "allerede en opgave den dag"},
		{"another party's slot", secA, n.slotV, bjoern.ID, 403, "rolle"},
		{"an appointed-only task type", secA, n.slotsA[3], bjoern.ID, 403, "rolle"},
		{"an unknown slot", secA, models.Slot{ID: 999999}, bjoern.ID, 404, "Pladsen findes ikke"},
		{"an unknown person", secA, n.slotsA[1], 999999, 404, "Personen findes ikke"},
		{"a person not on the slot's party's list", staff, n.slotV, bjoern.ID, 422, "ikke på partiets liste"},
		{"read-only staff", readOnly, n.slotsA[1], bjoern.ID, 403, "rolle"},
	} {
		res := nominate(c.client, c.slot, c.person)
		if res.Status != c.status || !strings.Contains(res.errText(t), c.want) {
			t.Errorf("%s: %d %s, want %d %q", c.name, res.Status, res.Body, c.status, c.want)
		}
	}
	// Refusals that need no register were refused without asking it (the
	// busy person was asked: the database's index decides that).
	if got := len(n.register.Register.Requests()) - lookups; got != 1 {
		t.Errorf("%d register lookups for refused claims", got)
	}
	// English on request.
	req := nominateEnglish(t, n, secA.token, n.slotsA[0].ID, bjoern.ID)
	if req.Status != http.StatusConflict || !strings.Contains(req.Text, "already taken") {
		t.Errorf("in English: %d %s", req.Status, req.Text)
	}

	res = secA.do(http.MethodGet, n.electionPath("/slots"), nil)
	res.decode(t, &slots)
	if !slots[0].Held || slots[0].Name != "Søren Ærø" || slots[0].State != "nominated" || fullCPR.Match(res.Body) {
		t.Errorf("A's slots after the claim: %s", res.Body)
	}
	var holders int64
	n.db.Model(&models.Assignment{}).Count(&holders)
	if holders != 1 {
		t.Errorf("%d assignments, want 1", holders)
	}
}

type plainAnswer struct {
	Status int
	Text   string
}

func nominateEnglish(t *testing.T, n *apiNominations, token string, slotID, personID int64) plainAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"slot_id": slotID, "participant_id": personID})
	req := httptest.NewRequest(http.MethodPost, n.electionPath("/nominations")+"?lang=en", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	n.app.ServeHTTP(rec, req)
	var e struct{ Error string }
	json.Unmarshal(rec.Body.Bytes(), &e)
	return plainAnswer{rec.Code, e.Error}
}

// postJSON sends one API call over the network with a bearer token.
func postJSON(client *http.Client, url, token string, body any) (int, string, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

// 100 people claim the same vacant slot at once, over real HTTP: exactly
// one gets it, the 99 others are told clearly that it is taken, and the
// database holds one assignment.
func TestAPIConcurrentClaimsOfOneSlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		const claimants = 100
		n := newAPINominations(t, db)
		token := n.tokens(t)[models.RolePartySecretary].token
		srv := httptest.NewServer(n.app)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: claimants}, Timeout: 2 * time.Minute}
		defer client.CloseIdleConnections()

		ids := make([]int64, claimants)
		for i, number := range n.voters(claimants) {
			status, body, err := postJSON(client, srv.URL+"/api/v1/participants", token, map[string]any{"cpr": number})
			var p apiPerson
			json.Unmarshal([]byte(body), &p)
			if err != nil || status != http.StatusCreated || p.ID == 0 {
				t.Fatalf("register %d: %d %s %v", i, status, body, err)
			}
			ids[i] = p.ID
		}

		type answer struct {
			status int
			body   string
			err    error
		}
		answers := make([]answer, claimants)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range claimants {
			wg.Go(func() {
				<-start
				status, body, err := postJSON(client, srv.URL+n.electionPath("/nominations"), token,
					map[string]any{"slot_id": n.slotsA[2].ID, "participant_id": ids[i]})
				answers[i] = answer{status, body, err}
			})
		}
		close(start)
		wg.Wait()

		created, taken := 0, 0
		for i, a := range answers {
			var e struct{ Error string }
			json.Unmarshal([]byte(a.body), &e)
			switch {
			case a.err != nil:
				t.Errorf("claim %d: %v", i, a.err)
			case a.status == http.StatusCreated:
				created++
			case a.status == http.StatusConflict && strings.Contains(e.Error, "Pladsen er allerede besat"):
				taken++
			default:
				t.Errorf("claim %d: %d %s", i, a.status, a.body)
			}
		}
		if created != 1 || taken != claimants-1 {
			t.Errorf("%d claims got the slot and %d were told it is taken; want 1 and %d", created, taken, claimants-1)
		}
		var holding []models.Assignment
		if err := db.Where("slot_id = ?", n.slotsA[2].ID).Find(&holding).Error; err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, a := range holding {
			if a.State.HoldsSlot() {
				held++
			}
		}
		if held != 1 || len(holding) != 1 {
			t.Errorf("%d assignments on the slot, %d holding it; want exactly one", len(holding), held)
		}
	})
}

// A party secretary re-registering another party's person gets the answer
// of a new registration: 201, the same keys, no word of the match and
// nothing the other party typed. Staff are told (200, created false).
func TestAPIReRegistrationAnswersAsANewOne(t *testing.T) {
	n := newAPINominations(t, storetest.SQLite(t))
	api := n.tokens(t)
	secA, staff := api[models.RolePartySecretary], api[models.RoleStaff]
	if res := staff.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704009", "party_id": n.partyV.ID, "mobile": "29876543"}); res.Status != http.StatusCreated {
		t.Fatalf("staff register for V: %d %s", res.Status, res.Body)
	}
	keys := func(body []byte) string {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		return strings.Join(slices.Sorted(maps.Keys(m)), ",")
	}
	known := secA.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704009"})
	fresh := secA.do(http.MethodPost, "/api/v1/participants", map[string]any{"cpr": "0101704016"})
	if known.Status != fresh.Status || known.Status != http.StatusCreated || keys(known.Body) != keys(fresh.Body) ||
		strings.Contains(string(known.Body), "created") || strings.Contains(string(known.Body), "29876543") {
		t.Errorf("A re-registering V's person: %d %s; a new person: %d %s", known.Status, known.Body, fresh.Status, fresh.Body)
	}
}
