package web_test

import (
	"net/http"
	"testing"

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
		res.errorText(t) != "Skriv områdets navn." {
		t.Errorf("nameless area: %d %s", res.Status, res.Body)
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
