package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

// A work location is set up from the stations page: no district asked,
// its task types ticked; the plan then offers it only those task types,
// under a heading of its own.
func TestWorkLocationFormAndPlan(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	var area models.Area
	f.db.Order("id").First(&area)
	var ft, tf models.TaskType
	f.db.Where("short_name = ?", "FT").First(&ft)
	f.db.Where("short_name = ?", "TF").First(&tf)
	staff := f.loggedIn(t, models.RoleStaff)

	page := staff.do(http.MethodGet, "/valgsteder/ny?art=arbejdssted", nil).Body.String()
	if strings.Contains(page, `name="district"`) || !strings.Contains(page, `value="work_location" checked`) ||
		!strings.Contains(page, fmt.Sprintf(`name="task_type_id" value="%d"`, ft.ID)) {
		t.Fatal("the work location form asks for a district or offers no task types")
	}
	if page := staff.do(http.MethodGet, "/valgsteder/ny", nil).Body.String(); !strings.Contains(page, `name="district"`) ||
		!strings.Contains(page, `value="polling_station" checked`) {
		t.Fatal("the polling station form asks for no district")
	}
	form := func(kind string) url.Values {
		return url.Values{"csrf_token": {staff.csrfFrom("/valgsteder/ny")}, "version": {"0"}, "kind": {kind}, "name": {"Fintælling, Rådhushallen"},
			"address": {"Torvet 3"}, "postal_code": {"9990"}, "city": {"Sønderå"}, "area_id": {itoa(area.ID)}}
	}
	count := func() int64 {
		var n int64
		f.db.Model(&models.PollingStation{}).Count(&n)
		return n
	}
	before := count()
	// A polling station without a district, a work location without task
	// types: refused, each with its reason, and nothing saved.
	if rec := staff.do(http.MethodPost, "/valgsteder", form("polling_station")); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Et valgsted skal have et afstemningsområde nr.") {
		t.Errorf("a polling station without a district: %d", rec.Code)
	}
	if rec := staff.do(http.MethodPost, "/valgsteder", form("work_location")); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Vælg mindst én opgavetype") {
		t.Errorf("a work location without task types: %d", rec.Code)
	}
	if n := count(); n != before {
		t.Fatalf("%d stations after refusals, want %d", n, before)
	}
	ok := form("work_location")
	ok.Add("task_type_id", itoa(ft.ID))
	ok.Set("district", "12") // left over from the other kind: not kept
	if rec := staff.do(http.MethodPost, "/valgsteder", ok); rec.Code != http.StatusSeeOther {
		t.Fatalf("save a work location: %d %s", rec.Code, rec.Body)
	}
	var hall models.PollingStation
	f.db.Where("name = ?", "Fintælling, Rådhushallen").First(&hall)
	if hall.Kind != models.KindWorkLocation || hall.District != 0 {
		t.Fatalf("saved %+v", hall)
	}
	list := staff.do(http.MethodGet, "/valgsteder", nil).Body.String()
	if i, j := strings.Index(list, "Arbejdssteder"), strings.Index(list, "Fintælling, Rådhushallen"); i < 0 || j < i ||
		!strings.Contains(list[j:], "Fintæller") {
		t.Error("the stations page does not list the work location apart with its task type")
	}

	var e models.Election
	f.db.First(&e)
	grid := func(tt models.TaskType) string {
		return staff.do(http.MethodGet, fmt.Sprintf("/valg/%d/plan?opgavetype=%d&dag=%s", e.ID, tt.ID, e.ElectionDay), nil).Body.String()
	}
	if g := grid(ft); !strings.Contains(g, "Fintælling, Rådhushallen <small>(arbejdssted)</small>") || !strings.Contains(g, "Arbejdssteder") ||
		strings.Index(g, "Fintælling, Rådhushallen") < strings.Index(g, "Havnens Pakhus") {
		t.Error("the fintæller grid does not show the work location apart, after the polling stations")
	}
	if g := grid(tf); strings.Contains(g, "Fintælling, Rådhushallen") {
		t.Error("the tilforordnet grid offers the counting hall, which does no such task")
	}
}

// The API sets up a work location like a station: a kind, no district
// (null), its task types; a polling station without a district is refused.
func TestAPIWorkLocation(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	staff := f.tokens(t)[models.RoleStaff]
	var area models.Area
	f.db.Order("id").First(&area)
	var bm models.TaskType
	f.db.Where("short_name = ?", "BM").First(&bm)
	in := map[string]any{"area_id": area.ID, "kind": "work_location", "name": "Brevstemmemodtagelse, Rådhuset", "address": "Torvet 1",
		"postal_code": "9990", "city": "Sønderå", "task_type_ids": []int64{bm.ID}}
	var out struct {
		ID          int64
		Kind        string
		District    *int
		TaskTypeIDs []int64 `json:"task_type_ids"`
	}
	res := staff.do(http.MethodPost, "/api/v1/stations", in)
	res.decode(t, &out)
	if res.Status != http.StatusCreated || out.Kind != "work_location" || out.District != nil || len(out.TaskTypeIDs) != 1 || out.TaskTypeIDs[0] != bm.ID {
		t.Fatalf("create a work location: %d %s", res.Status, res.Body)
	}
	in["kind"], in["name"] = "polling_station", "Nyskolen"
	if res := staff.do(http.MethodPost, "/api/v1/stations", in); res.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.errText(t), "Et valgsted skal have et afstemningsområde nr.") {
		t.Errorf("a polling station without a district: %d %s", res.Status, res.Body)
	}
	var list []struct {
		ID       int64
		Kind     string
		District *int
	}
	res = staff.do(http.MethodGet, "/api/v1/stations", nil)
	res.decode(t, &list)
	if last := list[len(list)-1]; res.Status != http.StatusOK || len(list) != 8 || last.ID != out.ID || last.District != nil ||
		list[0].Kind != "polling_station" || list[0].District == nil {
		t.Errorf("stations: %d %s", res.Status, res.Body)
	}
}
