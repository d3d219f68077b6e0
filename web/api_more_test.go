package web_test

import (
	"net/http"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestAPIAreasPartiesAndValggrupper(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	api := f.tokens(t)
	staff, readOnly := api[models.RoleStaff], api[models.RoleReadOnly]

	// Areas.
	var areas []struct {
		ID   int64
		Name string
	}
	res := readOnly.do(http.MethodGet, "/api/v1/areas", nil)
	res.decode(t, &areas)
	if res.Status != http.StatusOK || len(areas) == 0 {
		t.Fatalf("areas: %d %s", res.Status, res.Body)
	}
	var area struct {
		ID   int64
		Name string
	}
	res = staff.do(http.MethodPost, "/api/v1/areas", map[string]any{"name": " Nordby "})
	res.decode(t, &area)
	if res.Status != http.StatusCreated || area.Name != "Nordby" || area.ID == 0 {
		t.Fatalf("create area: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPut, "/api/v1/areas/"+itoa(area.ID), map[string]any{"name": "Nordbyen"}); res.Status != http.StatusOK {
		t.Errorf("rename area: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPut, "/api/v1/areas/"+itoa(area.ID), map[string]any{"name": " "}); res.Status != http.StatusUnprocessableEntity ||
		res.errText(t) != "Skriv områdets navn." {
		t.Errorf("nameless area: %d %s", res.Status, res.Body)
	}
	// Text that cannot be stored is refused, the field named (more in malformed_test.go).
	for _, c := range []struct {
		body   rawJSON
		status int
	}{{`{"name": "Nord\u0000by"}`, http.StatusUnprocessableEntity}, {"{\"name\": \"Nord\xffby\"}", http.StatusBadRequest}} {
		var refused struct{ Fields map[string]string }
		res := staff.do(http.MethodPut, "/api/v1/areas/"+itoa(area.ID), c.body)
		res.decode(t, &refused)
		if res.Status != c.status || refused.Fields["name"] == "" {
			t.Errorf("%q: %d %s", c.body, res.Status, res.Body)
		}
	}
	if res := staff.do(http.MethodPut, "/api/v1/areas/999999", map[string]any{"name": "X"}); res.Status != http.StatusNotFound {
		t.Errorf("unknown area: %d %s", res.Status, res.Body)
	}
	if res := readOnly.do(http.MethodPost, "/api/v1/areas", map[string]any{"name": "Sydby"}); res.Status != http.StatusForbidden {
		t.Errorf("read-only creating an area: %d", res.Status)
	}
	if res := api[models.RolePartySecretary].do(http.MethodGet, "/api/v1/areas", nil); res.Status != http.StatusForbidden {
		t.Errorf("party secretary reading areas: %d", res.Status)
	}

	// Valggrupper.
	var vg struct {
		ID   int64
		Name string
	}
	res = staff.do(http.MethodPost, "/api/v1/valggrupper", map[string]any{"name": "Rød blok"})
	res.decode(t, &vg)
	if res.Status != http.StatusCreated || vg.ID == 0 {
		t.Fatalf("create valggruppe: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPost, "/api/v1/valggrupper", map[string]any{"name": "Socialdemokratiet"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("valggruppe named like a party: %d %s", res.Status, res.Body)
	}
	var groups []struct{ ID int64 }
	res = readOnly.do(http.MethodGet, "/api/v1/valggrupper", nil)
	res.decode(t, &groups)
	if res.Status != http.StatusOK || len(groups) != 1 || groups[0].ID != vg.ID {
		t.Errorf("valggrupper: %d %s", res.Status, res.Body)
	}

	// Parties: a council group joins the valggruppe; a pool may not.
	var party struct {
		ID           int64
		Kind         string
		Letter       string
		ValggruppeID *int64 `json:"valggruppe_id"`
	}
	group := map[string]any{"name": "Nyt Parti", "letter": "n", "kind": "council_group", "council_seats": 2}
	res = staff.do(http.MethodPost, "/api/v1/parties", group)
	res.decode(t, &party)
	if res.Status != http.StatusCreated || party.Letter != "N" || party.Kind != "council_group" {
		t.Fatalf("create party: %d %s", res.Status, res.Body)
	}
	group["valggruppe_id"], group["kind"] = vg.ID, "pool" // the kind stays
	res = staff.do(http.MethodPut, "/api/v1/parties/"+itoa(party.ID), group)
	res.decode(t, &party)
	if res.Status != http.StatusOK || party.ValggruppeID == nil || *party.ValggruppeID != vg.ID || party.Kind != "council_group" {
		t.Errorf("join valggruppe: %d %s", res.Status, res.Body)
	}
	pool := map[string]any{"name": "Frivillige", "kind": "pool", "council_seats": 1}
	if res := staff.do(http.MethodPost, "/api/v1/parties", pool); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("pool with seats: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodPut, "/api/v1/parties/999999", group); res.Status != http.StatusNotFound {
		t.Errorf("unknown party: %d %s", res.Status, res.Body)
	}
	if res := readOnly.do(http.MethodPut, "/api/v1/parties/"+itoa(party.ID), group); res.Status != http.StatusForbidden {
		t.Errorf("read-only changing a party: %d", res.Status)
	}

	// Deleting the valggruppe frees its member.
	if res := readOnly.do(http.MethodDelete, "/api/v1/valggrupper/"+itoa(vg.ID), nil); res.Status != http.StatusForbidden {
		t.Errorf("read-only deleting a valggruppe: %d", res.Status)
	}
	if res := staff.do(http.MethodDelete, "/api/v1/valggrupper/"+itoa(vg.ID), nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete valggruppe: %d %s", res.Status, res.Body)
	}
	if res := staff.do(http.MethodDelete, "/api/v1/valggrupper/"+itoa(vg.ID), nil); res.Status != http.StatusNotFound {
		t.Errorf("delete it again: %d %s", res.Status, res.Body)
	}
	var p models.Party
	f.db.First(&p, party.ID)
	if p.ValggruppeID != nil {
		t.Errorf("the member still has valggruppe %d", *p.ValggruppeID)
	}
}

func TestAPIPlanCellsMoveAndDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		api := f.tokens(t)
		staff, readOnly := api[models.RoleStaff], api[models.RoleReadOnly]
		var e models.Election
		db.First(&e)
		var tf models.TaskType
		db.Where("name = ?", "Tilforordnet").First(&tf)
		var station models.PollingStation
		db.Order("district").First(&station)
		var pool, a models.Party
		db.Where("kind = ?", models.Pool).Order("id").First(&pool)
		db.Where("letter = ?", "A").First(&a)
		path := "/api/v1/elections/" + itoa(e.ID)

		var plan struct {
			PlanVersion int `json:"plan_version"`
			Days        []string
		}
		staff.do(http.MethodGet, path+"/plan", nil).decode(t, &plan)
		cell := map[string]any{"plan_version": plan.PlanVersion, "station_id": station.ID, "task_type_id": tf.ID, "day": plan.Days[0],
			"counts": []any{map[string]any{"party_id": pool.ID, "slots": 2}}}
		if res := readOnly.do(http.MethodPut, path+"/plan/cell", cell); res.Status != http.StatusForbidden {
			t.Errorf("read-only setting a cell: %d", res.Status)
		}
		var changed struct {
			PlanVersion int `json:"plan_version"`
		}
		res := staff.do(http.MethodPut, path+"/plan/cell", cell)
		res.decode(t, &changed)
		if res.Status != http.StatusOK || changed.PlanVersion != plan.PlanVersion+1 {
			t.Fatalf("set a pool's slots: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPut, path+"/plan/cell", cell); res.Status != http.StatusConflict {
			t.Errorf("the same change on the old plan version: %d %s", res.Status, res.Body)
		}
		cell["plan_version"], cell["counts"] = changed.PlanVersion, []any{map[string]any{"party_id": 999999, "slots": 1}}
		if res := staff.do(http.MethodPut, path+"/plan/cell", cell); res.Status != http.StatusUnprocessableEntity ||
			res.errText(t) != "Et af partierne findes ikke." {
			t.Errorf("an unknown party: %d %s", res.Status, res.Body)
		}

		// Move one of the pool's empty slots to A.
		move := map[string]any{"plan_version": changed.PlanVersion, "station_id": station.ID, "task_type_id": tf.ID, "day": plan.Days[0],
			"from_party_id": pool.ID, "to_party_id": a.ID}
		if res := readOnly.do(http.MethodPost, path+"/plan/move", move); res.Status != http.StatusForbidden {
			t.Errorf("read-only moving a slot: %d", res.Status)
		}
		res = staff.do(http.MethodPost, path+"/plan/move", move)
		res.decode(t, &changed)
		if res.Status != http.StatusOK {
			t.Fatalf("move: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, path+"/plan/move", move); res.Status != http.StatusConflict {
			t.Errorf("move on the old plan version: %d %s", res.Status, res.Body)
		}
		move["plan_version"], move["to_party_id"] = changed.PlanVersion, pool.ID
		if res := staff.do(http.MethodPost, path+"/plan/move", move); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("move to the same party: %d %s", res.Status, res.Body)
		}
		// The pool's last empty slot goes only when confirmed.
		cell["plan_version"], cell["counts"] = changed.PlanVersion, []any{map[string]any{"party_id": pool.ID, "slots": 0}}
		var confirm struct{ Removes int }
		res = staff.do(http.MethodPut, path+"/plan/cell", cell)
		res.decode(t, &confirm)
		if res.Status != http.StatusConflict || confirm.Removes != 1 {
			t.Fatalf("removal without confirmation: %d %s", res.Status, res.Body)
		}
		cell["confirm"] = true
		if res := staff.do(http.MethodPut, path+"/plan/cell", cell); res.Status != http.StatusOK {
			t.Fatalf("confirmed removal: %d %s", res.Status, res.Body)
		}
		var slots []models.Slot
		db.Where("election_id = ?", e.ID).Find(&slots)
		if len(slots) != 1 || slots[0].PartyID != a.ID {
			t.Errorf("slots after the changes: %+v", slots)
		}

		// Duplicate: the slot comes along, moved with the day.
		dup := map[string]any{"title": "Næste valg", "day": e.ElectionDay.AddDays(364).String()}
		if res := readOnly.do(http.MethodPost, path+"/duplicate", dup); res.Status != http.StatusForbidden {
			t.Errorf("read-only duplicating: %d", res.Status)
		}
		var copied struct {
			ID    int64
			State string
			Day   string
		}
		res = staff.do(http.MethodPost, path+"/duplicate", dup)
		res.decode(t, &copied)
		if res.Status != http.StatusCreated || copied.State != "draft" || copied.Day != dup["day"] {
			t.Fatalf("duplicate: %d %s", res.Status, res.Body)
		}
		var n int64
		db.Model(&models.Slot{}).Where("election_id = ?", copied.ID).Count(&n)
		if n != 1 {
			t.Errorf("the copy has %d slots", n)
		}
		dup["day"] = "2000-01-01"
		var refused struct{ Fields map[string]string }
		res = staff.do(http.MethodPost, path+"/duplicate", dup)
		res.decode(t, &refused)
		if res.Status != http.StatusUnprocessableEntity || refused.Fields["day"] == "" {
			t.Errorf("a past day: %d %s", res.Status, res.Body)
		}
		if res := staff.do(http.MethodPost, "/api/v1/elections/999999/duplicate", dup); res.Status != http.StatusNotFound {
			t.Errorf("duplicate an unknown election: %d", res.Status)
		}
	})
}

func TestAPIElectionTypes(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	api := f.tokens(t)
	admin := api[models.RoleAdmin]

	var types []struct {
		Kind    string
		MinAge  int `json:"min_age"`
		Version int
	}
	res := api[models.RoleReadOnly].do(http.MethodGet, "/api/v1/election-types", nil)
	res.decode(t, &types)
	if res.Status != http.StatusOK || len(types) != 4 || types[0].Kind != "FV" {
		t.Fatalf("election types: %d %s", res.Status, res.Body)
	}
	kv := map[string]any{"name": "Kommunalvalg", "min_age": 17, "citizenship": "dk_eu_nordic", "residence_years": 3,
		"guardianship_excludes": false, "must_live_in_municipality": true, "version": 1}
	if res := api[models.RoleStaff].do(http.MethodPut, "/api/v1/election-types/KV", kv); res.Status != http.StatusForbidden {
		t.Errorf("staff changing an election type: %d", res.Status)
	}
	var saved struct {
		MinAge  int `json:"min_age"`
		Version int
	}
	res = admin.do(http.MethodPut, "/api/v1/election-types/KV", kv)
	res.decode(t, &saved)
	if res.Status != http.StatusOK || saved.MinAge != 17 || saved.Version != 2 {
		t.Fatalf("change KV: %d %s", res.Status, res.Body)
	}
	if res := admin.do(http.MethodPut, "/api/v1/election-types/KV", kv); res.Status != http.StatusConflict {
		t.Errorf("stale change: %d %s", res.Status, res.Body)
	}
	kv["version"], kv["citizenship"] = 2, "mars"
	var refused struct{ Fields map[string]string }
	res = admin.do(http.MethodPut, "/api/v1/election-types/KV", kv)
	res.decode(t, &refused)
	if res.Status != http.StatusUnprocessableEntity || refused.Fields["citizenship"] == "" {
		t.Errorf("unknown citizenship rule: %d %s", res.Status, res.Body)
	}
	if res := admin.do(http.MethodPost, "/api/v1/election-types/KV/reset", map[string]any{"version": 1}); res.Status != http.StatusConflict {
		t.Errorf("stale reset: %d %s", res.Status, res.Body)
	}
	res = admin.do(http.MethodPost, "/api/v1/election-types/KV/reset", map[string]any{"version": 2})
	res.decode(t, &saved)
	if res.Status != http.StatusOK || saved.MinAge != 18 || saved.Version != 3 {
		t.Errorf("reset KV: %d %s", res.Status, res.Body)
	}
	if res := admin.do(http.MethodPost, "/api/v1/election-types/XX/reset", map[string]any{"version": 3}, invalidRequest); res.Status != http.StatusNotFound {
		t.Errorf("unknown kind: %d", res.Status)
	}
}
