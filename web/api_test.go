package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/web"
)

// tokens gives each role an API token, created through the API by the
// administrator's session.
func (f *fixture) tokens(t *testing.T) map[models.Role]*apiClient {
	t.Helper()
	admin := f.sessionAPI(t, models.RoleAdmin)
	out := map[models.Role]*apiClient{}
	for role, u := range f.users {
		res := admin.do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": u.ID, "name": "test " + string(role)})
		var tok struct{ Token string }
		res.decode(t, &tok)
		if res.Status != http.StatusCreated || tok.Token == "" {
			t.Fatalf("token for %s: %d %s", role, res.Status, res.Body)
		}
		out[role] = f.tokenAPI(t, tok.Token)
	}
	return out
}

func TestAPIRoutesAndTheDocumentAgree(t *testing.T) {
	doc, err := openAPI()
	if err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" /api/v1"+path] = true
		}
	}
	inCode := map[string]bool{}
	for _, r := range web.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		key := r.Method + " " + strings.Join(parts, "/")
		inCode[key] = true
		if !inDoc[key] {
			t.Errorf("%s is served but not in the OpenAPI document", key)
		}
		// Public in the code exactly when public in the document.
		op := doc.Paths.Find(strings.TrimPrefix(strings.Join(parts, "/"), "/api/v1")).GetOperation(r.Method)
		public := op.Security != nil && len(*op.Security) == 0
		if public != (r.Access == "public") {
			t.Errorf("%s: access %q, but the document says public = %v", key, r.Access, public)
		}
	}
	for key := range inDoc {
		if !inCode[key] {
			t.Errorf("%s is in the OpenAPI document but not served", key)
		}
	}
	if len(inCode) < 15 {
		t.Fatalf("only %d API routes", len(inCode))
	}
}

func TestAPIServesItsDocument(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	res := f.anonymousAPI(t).do(http.MethodGet, "/api/v1/openapi.json", nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"openapi":"3.0.3"`) {
		t.Fatalf("openapi.json: %d %.200s", res.Status, res.Body)
	}
	// An unknown API path answers in JSON, not with the 404 page.
	rec := get(t, f.app, "/api/v1/findes-ikke")
	if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("unknown API path: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestAPIAuthentication(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	api := f.tokens(t)

	// Anonymous and an unknown token: 401.
	if res := f.anonymousAPI(t).do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
	if res := f.anonymousAPI(t).do(http.MethodPost, "/api/v1/quota", map[string]any{"seats": 1, "contenders": []any{map[string]any{"name": "A", "seats": 1}}}); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d", res.Status)
	}
	if res := f.tokenAPI(t, "forkert").do(http.MethodGet, "/api/v1/parties", nil); res.Status != http.StatusUnauthorized || !strings.Contains(res.errText(t), "API-nøglen") {
		t.Errorf("unknown token: %d %s", res.Status, res.Body)
	}
	// A bad token is refused even with a good session beside it.
	withSession := f.sessionAPI(t, models.RoleAdmin)
	withSession.token = "forkert"
	if res := withSession.do(http.MethodGet, "/api/v1/parties", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("bad token with a session: %d", res.Status)
	}

	// A session: reads freely, writes only with the CSRF header.
	staff := f.sessionAPI(t, models.RoleStaff)
	if res := staff.do(http.MethodGet, "/api/v1/stations", nil); res.Status != http.StatusOK {
		t.Errorf("session GET: %d", res.Status)
	}
	newElection := map[string]any{"title": "Kommunalvalg", "kind": "KV", "day": "2027-11-16"}
	if res := staff.do(http.MethodPost, "/api/v1/elections", newElection, noCSRF); res.Status != http.StatusForbidden {
		t.Errorf("session POST without the CSRF header: %d", res.Status)
	}
	staff.csrf = "forfalsket"
	if res := staff.do(http.MethodPost, "/api/v1/elections", newElection); res.Status != http.StatusForbidden {
		t.Errorf("session POST with a forged CSRF header: %d", res.Status)
	}
	staff = f.sessionAPI(t, models.RoleStaff)
	if res := staff.do(http.MethodPost, "/api/v1/elections", newElection); res.Status != http.StatusCreated {
		t.Errorf("session POST with the CSRF header: %d %s", res.Status, res.Body)
	}
	// A token needs no CSRF header.
	if res := api[models.RoleStaff].do(http.MethodPost, "/api/v1/elections", newElection); res.Status != http.StatusCreated {
		t.Errorf("token POST: %d %s", res.Status, res.Body)
	}

	// Tokens carry their user's role; only administrators make tokens.
	if res := api[models.RoleStaff].do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": f.users[models.RoleStaff].ID, "name": "x"}); res.Status != http.StatusForbidden {
		t.Errorf("staff creating a token: %d", res.Status)
	}
	if res := f.sessionAPI(t, models.RoleAdmin).do(http.MethodPost, "/api/v1/api-tokens", map[string]any{"user_id": 99999, "name": "x"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("token for an unknown user: %d", res.Status)
	}
	if res := api[models.RoleReadOnly].do(http.MethodPost, "/api/v1/elections", newElection); res.Status != http.StatusForbidden {
		t.Errorf("read-only creating an election: %d", res.Status)
	}
	if res := api[models.RolePartySecretary].do(http.MethodGet, "/api/v1/elections", nil); res.Status != http.StatusForbidden {
		t.Errorf("party secretary listing elections: %d", res.Status)
	}
	if res := api[models.RolePartySecretary].do(http.MethodGet, "/api/v1/parties", nil); res.Status != http.StatusOK {
		t.Errorf("party secretary listing parties: %d", res.Status)
	}
}

func TestAPIElections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		api := f.tokens(t)
		staff, readOnly := api[models.RoleStaff], api[models.RoleReadOnly]

		var list []struct {
			ID    int64
			Title string
		}
		res := readOnly.do(http.MethodGet, "/api/v1/elections", nil)
		res.decode(t, &list)
		if res.Status != http.StatusOK || len(list) != 1 || list[0].Title != "Folketingsvalg 2027" {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}

		// Create: malformed, unknown field, invalid, fine.
		if res := staff.do(http.MethodPost, "/api/v1/elections", rawJSON(`{"title": "x",`), invalidRequest); res.Status != http.StatusBadRequest {
			t.Errorf("malformed JSON: %d", res.Status)
		}
		if res := staff.do(http.MethodPost, "/api/v1/elections", rawJSON(`{"title":"x","kind":"KV","day":"2027-11-16","dag":"x"}`), invalidRequest); res.Status != http.StatusBadRequest {
			t.Errorf("unknown field: %d", res.Status)
		}
		res = staff.do(http.MethodPost, "/api/v1/elections", map[string]any{"title": " ", "kind": "KV", "day": "2027-11-16"})
		if res.Status != http.StatusUnprocessableEntity || res.errText(t) != "Skriv valgets titel." {
			t.Errorf("no title: %d %s", res.Status, res.Body)
		}
		var e struct {
			ID                 int64
			State              string
			Version            int
			LockDays           int   `json:"lock_days"`
			ReminderDaysBefore []int `json:"reminder_days_before"`
			DayReplaceMinutes  int   `json:"day_replace_minutes"`
		}
		res = staff.do(http.MethodPost, "/api/v1/elections", map[string]any{"title": "Kommunalvalg 2027", "kind": "KV", "day": "2027-11-16"})
		res.decode(t, &e)
		if res.Status != http.StatusCreated || e.State != "draft" || e.Version != 1 || e.LockDays != 3 || e.DayReplaceMinutes != 60 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		path := "/api/v1/elections/" + itoa(e.ID)
		if res := readOnly.do(http.MethodGet, path, nil); res.Status != http.StatusOK {
			t.Errorf("get: %d", res.Status)
		}
		if res := readOnly.do(http.MethodGet, "/api/v1/elections/999999", nil); res.Status != http.StatusNotFound {
			t.Errorf("unknown id: %d", res.Status)
		}
		if res := readOnly.do(http.MethodGet, "/api/v1/elections/abc", nil, invalidRequest); res.Status != http.StatusNotFound {
			t.Errorf("id not a number: %d", res.Status)
		}

		// Change settings: versioned.
		res = staff.do(http.MethodPatch, path, map[string]any{"version": 1, "lock_days": 5, "reminder_days_before": []int{7, 14},
			"day_replace_minutes": 45})
		res.decode(t, &e)
		if res.Status != http.StatusOK || e.Version != 2 || e.LockDays != 5 || !slices.Equal(e.ReminderDaysBefore, []int{14, 7}) ||
			e.DayReplaceMinutes != 45 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		res = staff.do(http.MethodPatch, path, map[string]any{"version": 1, "lock_days": 6})
		if res.Status != http.StatusConflict || !strings.Contains(res.errText(t), "Ændret af en anden") {
			t.Errorf("stale version: %d %s", res.Status, res.Body)
		}
		var invalid struct {
			Error  string
			Fields map[string]string
		}
		res = staff.do(http.MethodPatch, path, map[string]any{"version": 2, "tasks_from": "2027-11-17", "answer_days": 0,
			"day_replace_minutes": 4})
		res.decode(t, &invalid)
		if res.Status != http.StatusUnprocessableEntity || invalid.Fields["tasks_from"] != "Datoen skal ligge på eller før valgdagen." ||
			invalid.Fields["answer_days"] == "" || invalid.Fields["day_replace_minutes"] != "Skriv et helt tal fra 5 til 720." {
			t.Errorf("invalid settings: %d %s", res.Status, res.Body)
		}
		if res := readOnly.do(http.MethodPatch, path, map[string]any{"version": 2}); res.Status != http.StatusForbidden {
			t.Errorf("read-only patch: %d", res.Status)
		}
		if res := staff.do(http.MethodPatch, "/api/v1/elections/999999", map[string]any{"version": 1}); res.Status != http.StatusNotFound {
			t.Errorf("patch unknown: %d", res.Status)
		}

		// State: draft → active, and no way back.
		res = staff.do(http.MethodPost, path+"/state", map[string]any{"state": "active"})
		res.decode(t, &e)
		if res.Status != http.StatusOK || e.State != "active" {
			t.Errorf("activate: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, path+"/state", map[string]any{"state": "draft"}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("back to draft: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, path+"/state", map[string]any{"state": "kladde"}, invalidRequest); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("unknown state: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, "/api/v1/elections/999999/state", map[string]any{"state": "active"}); res.Status != http.StatusNotFound {
			t.Errorf("state of unknown: %d", res.Status)
		}
	})
}

func TestAPICatalogue(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	api := f.tokens(t)
	staff := api[models.RoleStaff]

	var stations []struct {
		ID       int64
		AreaID   int64  `json:"area_id"`
		AreaName string `json:"area_name"`
		Version  int
	}
	res := api[models.RoleReadOnly].do(http.MethodGet, "/api/v1/stations", nil)
	res.decode(t, &stations)
	if res.Status != http.StatusOK || len(stations) != 7 || stations[0].AreaName != "Midtby" {
		t.Fatalf("stations: %d %s", res.Status, res.Body)
	}
	station := map[string]any{"area_id": stations[0].AreaID, "name": "Ny skole", "address": "Vej 1", "postal_code": "9990",
		"city": "Sønderå", "district": 8}
	var st struct {
		ID      int64
		Version int
	}
	res = staff.do(http.MethodPost, "/api/v1/stations", station)
	res.decode(t, &st)
	if res.Status != http.StatusCreated || st.Version != 1 {
		t.Fatalf("create station: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPost, "/api/v1/stations", station); res.Status != http.StatusUnprocessableEntity ||
		res.errText(t) != "Afstemningsområde nummer 8 findes allerede." {
		t.Errorf("duplicate district: %d %s", res.Status, res.Body)
	}
	path := "/api/v1/stations/" + itoa(st.ID)
	station["version"], station["name"] = 1, "Nyskolen"
	if res := staff.do(http.MethodPut, path, station); res.Status != http.StatusOK {
		t.Errorf("update station: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPut, path, station); res.Status != http.StatusConflict {
		t.Errorf("stale station: %d %s", res.Status, res.Body)
	}
	station["version"], station["postal_code"] = 2, "99"
	if res := staff.do(http.MethodPut, path, station); res.Status != http.StatusUnprocessableEntity || res.errText(t) != "Postnummeret skal have 4 cifre." {
		t.Errorf("bad postal code: %d %s", res.Status, res.Body)
	}
	station["postal_code"] = "9990"
	if res := staff.do(http.MethodPut, "/api/v1/stations/999999", station); res.Status != http.StatusNotFound {
		t.Errorf("unknown station: %d %s", res.Status, res.Body)
	}
	if res := api[models.RoleReadOnly].do(http.MethodPost, "/api/v1/stations", station); res.Status != http.StatusForbidden {
		t.Errorf("read-only creating a station: %d", res.Status)
	}

	// Task types.
	var types []struct{ Name string }
	res = staff.do(http.MethodGet, "/api/v1/task-types", nil)
	res.decode(t, &types)
	if res.Status != http.StatusOK || len(types) != 6 || types[0].Name != "Brevstemmemodtager" {
		t.Fatalf("task types: %d %s", res.Status, res.Body)
	}
	tt := map[string]any{"name": "Optæller", "short_name": "OT", "start_time": "18:00", "end_time": "23:00", "allowance_kr": 500}
	var created struct {
		ID                    int64
		Version               int
		Validation, Reminders bool
	}
	res = staff.do(http.MethodPost, "/api/v1/task-types", tt)
	res.decode(t, &created)
	if res.Status != http.StatusCreated || !created.Validation || !created.Reminders || created.Version != 1 {
		t.Fatalf("create task type: %d %s", res.Status, res.Body)
	}
	tt["version"], tt["reminders"] = 1, false
	if res := staff.do(http.MethodPut, "/api/v1/task-types/"+itoa(created.ID), tt); res.Status != http.StatusOK {
		t.Errorf("update task type: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPut, "/api/v1/task-types/"+itoa(created.ID), tt); res.Status != http.StatusConflict {
		t.Errorf("stale task type: %d", res.Status)
	}
	tt["version"], tt["end_time"] = 2, "17:00"
	if res := staff.do(http.MethodPut, "/api/v1/task-types/"+itoa(created.ID), tt); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("ends before it starts: %d", res.Status)
	}
	if res := staff.do(http.MethodPost, "/api/v1/task-types", rawJSON(`[]`), invalidRequest); res.Status != http.StatusBadRequest {
		t.Errorf("an array for a task type: %d", res.Status)
	}

	// Parties, for every role.
	var parties struct {
		CouncilGroups []struct{ Letter string } `json:"council_groups"`
		Pools         []struct{ Name string }
	}
	res = api[models.RolePartySecretary].do(http.MethodGet, "/api/v1/parties", nil)
	res.decode(t, &parties)
	if res.Status != http.StatusOK || len(parties.CouncilGroups) != 6 || parties.CouncilGroups[0].Letter != "A" || len(parties.Pools) != 2 {
		t.Errorf("parties: %d %s", res.Status, res.Body)
	}
}

func TestAPIPlanQuotaAndOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		api := f.tokens(t)
		staff, secretary := api[models.RoleStaff], api[models.RolePartySecretary]
		var e models.Election
		db.First(&e)
		var tf models.TaskType
		db.Where("name = ?", "Tilforordnet").First(&tf)
		var stations []models.PollingStation
		db.Order("district").Find(&stations)
		path := "/api/v1/elections/" + itoa(e.ID)

		var plan struct {
			PlanVersion int `json:"plan_version"`
			Days        []string
			Cells       []struct {
				StationID int64 `json:"station_id"`
				PartyID   int64 `json:"party_id"`
				Slots     int
			}
		}
		res := api[models.RoleReadOnly].do(http.MethodGet, path+"/plan", nil)
		res.decode(t, &plan)
		if res.Status != http.StatusOK || len(plan.Cells) != 0 || len(plan.Days) != 1 {
			t.Fatalf("empty plan: %d %s", res.Status, res.Body)
		}
		if res := secretary.do(http.MethodGet, path+"/plan", nil); res.Status != http.StatusForbidden {
			t.Errorf("party secretary reading the plan: %d", res.Status)
		}
		if res := staff.do(http.MethodGet, "/api/v1/elections/999999/plan", nil); res.Status != http.StatusNotFound {
			t.Errorf("plan of an unknown election: %d", res.Status)
		}

		// 9 valgstyrere at the first station: A 4, V 2, F 1, Ø 1, C 1, O 0.
		quota := map[string]any{"plan_version": plan.PlanVersion, "task_type_id": tf.ID, "day": plan.Days[0],
			"counts": []any{map[string]any{"station_id": stations[0].ID, "slots": 9}}}
		if res := secretary.do(http.MethodPost, path+"/plan/quota", quota); res.Status != http.StatusForbidden {
			t.Errorf("party secretary changing the plan: %d", res.Status)
		}
		if res := api[models.RoleReadOnly].do(http.MethodPost, path+"/plan/quota", quota); res.Status != http.StatusForbidden {
			t.Errorf("read-only changing the plan: %d", res.Status)
		}
		var done struct {
			Added, Removed int
			PlanVersion    int `json:"plan_version"`
			Record         struct {
				Draws []struct{ Result map[string]int }
			}
		}
		res = staff.do(http.MethodPost, path+"/plan/quota", quota)
		res.decode(t, &done)
		if res.Status != http.StatusOK || done.Added != 9 || done.PlanVersion != plan.PlanVersion+1 || len(done.Record.Draws) != 1 ||
			done.Record.Draws[0].Result["Socialdemokratiet"] != 4 {
			t.Fatalf("distribute: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, path+"/plan/quota", quota); res.Status != http.StatusConflict {
			t.Errorf("the same change again on the old plan version: %d %s", res.Status, res.Body)
		}
		// Fewer slots removes empty ones: confirm first.
		quota["plan_version"] = done.PlanVersion
		quota["counts"] = []any{map[string]any{"station_id": stations[0].ID, "slots": 5}}
		var confirm struct{ Removes int }
		res = staff.do(http.MethodPost, path+"/plan/quota", quota)
		res.decode(t, &confirm)
		if res.Status != http.StatusConflict || confirm.Removes != 4 {
			t.Fatalf("removal without confirmation: %d %s", res.Status, res.Body)
		}
		quota["confirm"] = true
		res = staff.do(http.MethodPost, path+"/plan/quota", quota)
		res.decode(t, &done)
		if res.Status != http.StatusOK || done.Removed != 4 {
			t.Fatalf("confirmed removal: %d %s", res.Status, res.Body)
		}
		quota["plan_version"], quota["day"] = done.PlanVersion, "2000-01-01"
		if res := staff.do(http.MethodPost, path+"/plan/quota", quota); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errText(t), "opgavedage") {
			t.Errorf("a day outside the election: %d %s", res.Status, res.Body)
		}
		res = staff.do(http.MethodGet, path+"/plan", nil)
		res.decode(t, &plan)
		total := 0
		for _, c := range plan.Cells {
			total += c.Slots
		}
		// 5 slots: A 2, V 2, F 1 (quotients 11, 8, 5.5, 4, 4).
		if total != 5 || len(plan.Cells) != 3 {
			t.Errorf("plan after the quota: %s", res.Body)
		}

		// The overview: staff see every party, a secretary their own.
		type overview struct {
			Total struct{ Slots, Vacant int }
			Areas []struct {
				Stations []struct {
					TaskTypes []struct {
						Parties []struct {
							Party struct{ ID int64 }
						}
					} `json:"task_types"`
				}
			}
		}
		var all, own overview
		res = staff.do(http.MethodGet, path+"/overview", nil)
		res.decode(t, &all)
		if res.Status != http.StatusOK || all.Total.Slots != 5 || all.Total.Vacant != 5 {
			t.Errorf("staff overview: %d %s", res.Status, res.Body)
		}
		res = secretary.do(http.MethodGet, path+"/overview?task_type_id="+itoa(tf.ID), nil)
		res.decode(t, &own)
		if res.Status != http.StatusOK || own.Total.Slots != 2 {
			t.Errorf("secretary overview: %d %s", res.Status, res.Body)
		}
		for _, a := range own.Areas {
			for _, s := range a.Stations {
				for _, tt := range s.TaskTypes {
					for _, p := range tt.Parties {
						if p.Party.ID != *f.users[models.RolePartySecretary].PartyID {
							t.Errorf("a party secretary sees party %d", p.Party.ID)
						}
					}
				}
			}
		}
		var other models.Party
		db.Where("letter = ?", "V").First(&other)
		if res := secretary.do(http.MethodGet, path+"/overview?party_id="+itoa(other.ID), nil); res.Status != http.StatusForbidden {
			t.Errorf("secretary asking for another party: %d", res.Status)
		}
		if res := staff.do(http.MethodGet, path+"/overview?day=i-morgen", nil, invalidRequest); res.Status != http.StatusBadRequest {
			t.Errorf("a day that is no date: %d", res.Status)
		}
		if res := staff.do(http.MethodGet, "/api/v1/elections/999999/overview", nil); res.Status != http.StatusNotFound {
			t.Errorf("overview of an unknown election: %d", res.Status)
		}
	})
}

func TestAPIQuotaComputesLikeTheCommand(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	api := f.sessionAPI(t, models.RolePartySecretary)
	council := []any{}
	for _, c := range []struct {
		name  string
		seats int
	}{{"A", 11}, {"V", 8}, {"F", 4}, {"Ø", 3}, {"C", 3}, {"O", 2}} {
		council = append(council, map[string]any{"name": c.name, "seats": c.seats})
	}
	var got models.Allocation
	res := api.do(http.MethodPost, "/api/v1/quota", map[string]any{"seats": 40, "contenders": council})
	res.decode(t, &got)
	want := []models.Share{{Name: "A", Seats: 15}, {Name: "V", Seats: 10}, {Name: "F", Seats: 5}, {Name: "Ø", Seats: 4}, {Name: "C", Seats: 4}, {Name: "O", Seats: 2}}
	if res.Status != http.StatusOK || !slices.Equal(got.Allocation, want) || len(got.Lots) != 0 {
		t.Errorf("40 tilforordnede: %d %s", res.Status, res.Body)
	}
	// A tie at the boundary: the seed decides, the same way every time.
	tie := map[string]any{"seats": 1, "seed": 7, "contenders": []any{map[string]any{"name": "A", "seats": 2}, map[string]any{"name": "B", "seats": 2}}}
	first := api.do(http.MethodPost, "/api/v1/quota", tie)
	again := api.do(http.MethodPost, "/api/v1/quota", tie)
	res.decode(t, &got)
	if first.Status != http.StatusOK || string(first.Body) != string(again.Body) || !strings.Contains(string(first.Body), `"among":["A","B"]`) {
		t.Errorf("tie: %s / %s", first.Body, again.Body)
	}
	dup := map[string]any{"seats": 3, "contenders": []any{map[string]any{"name": "A", "seats": 1}, map[string]any{"name": "A", "seats": 2}}}
	if res := api.do(http.MethodPost, "/api/v1/quota", dup); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errText(t), "flere gange") {
		t.Errorf("duplicate contender: %d %s", res.Status, res.Body)
	}
	if res := api.do(http.MethodPost, "/api/v1/quota", map[string]any{"seats": -1, "contenders": council}, invalidRequest); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("negative seats: %d %s", res.Status, res.Body)
	}
}
