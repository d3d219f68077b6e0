package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestStationsEditWithoutLostUpdates(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	var st models.PollingStation
	f.db.Where("district = ?", 2).First(&st)
	path := "/valgsteder/" + itoa(st.ID)
	form := func(b *browser, name string) url.Values {
		page := b.do(http.MethodGet, path, nil).Body.String()
		return url.Values{"csrf_token": {between(page, `name="csrf_token" value="`, `"`)}, "version": {between(page, `name="version" value="`, `"`)},
			"name": {name}, "address": {st.Address}, "postal_code": {st.PostalCode}, "city": {st.City}, "district": {"2"}, "area_id": {itoa(st.AreaID)}}
	}
	anna, bo := f.loggedIn(t, models.RoleStaff), f.loggedIn(t, models.RoleAdmin)
	annaForm, boForm := form(anna, "Åbyskolen, hal A"), form(bo, "Åbyskolen, gymnastiksal")
	if rec := anna.do(http.MethodPost, path, annaForm); rec.Code != http.StatusSeeOther {
		t.Fatalf("first save: %d %s", rec.Code, rec.Body)
	}
	rec := bo.do(http.MethodPost, path, boForm)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "En anden har ændret valgstedet") ||
		!strings.Contains(rec.Body.String(), "Åbyskolen, hal A") {
		t.Fatalf("second save on the old version: %d", rec.Code)
	}
	// Saved again from the fresh form, the second edit goes through.
	if rec := bo.do(http.MethodPost, path, form(bo, "Åbyskolen, gymnastiksal")); rec.Code != http.StatusSeeOther {
		t.Fatalf("save after reload: %d", rec.Code)
	}
	if list := bo.do(http.MethodGet, "/valgsteder", nil).Body.String(); !strings.Contains(list, "Åbyskolen, gymnastiksal") {
		t.Error("the list does not show the saved name")
	}
	bad := form(bo, "X")
	bad.Set("postal_code", "99")
	if rec := bo.do(http.MethodPost, path, bad); rec.Code != 422 || !strings.Contains(rec.Body.String(), "4 cifre") {
		t.Errorf("bad postal code: %d", rec.Code)
	}
	if rec := bo.do(http.MethodPost, "/omraader", url.Values{"name": {"Øst"}, "csrf_token": {bo.csrfFrom("/valgsteder")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("create area: %d", rec.Code)
	}
	if form := bo.do(http.MethodGet, "/valgsteder/ny", nil).Body.String(); !strings.Contains(form, ">Øst</option>") {
		t.Error("the new area is not offered for stations")
	}
	// Read-only staff see the list without edit links; party secretaries not at all.
	ro := f.loggedIn(t, models.RoleReadOnly)
	if body := ro.do(http.MethodGet, "/valgsteder", nil).Body.String(); strings.Contains(body, path) {
		t.Error("read-only staff are offered the edit form")
	}
	if rec := f.loggedIn(t, models.RolePartySecretary).do(http.MethodGet, "/valgsteder", nil); rec.Code != http.StatusForbidden {
		t.Errorf("party secretary on the stations list: %d", rec.Code)
	}
}
