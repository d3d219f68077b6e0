package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
)

func TestTaskTypesEdit(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	staff := f.loggedIn(t, models.RoleStaff)
	list := staff.do(http.MethodGet, "/opgavetyper", nil).Body.String()
	if !strings.Contains(list, "Tilforordnet") || !strings.Contains(list, "1320 kr.") || !strings.Contains(list, "07:00–23:59") {
		t.Fatalf("list: %s", list)
	}
	var fin models.TaskType
	f.db.Where("name = ?", "Fintæller").First(&fin)
	path := "/opgavetyper/" + itoa(fin.ID)
	page := staff.do(http.MethodGet, path, nil).Body.String()
	form := url.Values{"csrf_token": {between(page, `name="csrf_token" value="`, `"`)}, "version": {between(page, `name="version" value="`, `"`)},
		"name": {"Fintæller"}, "short_name": {"FT"}, "start_time": {"09:00"}, "end_time": {"15:00"}, "allowance_kr": {"650"}, "reminders": {"on"}}
	if rec := staff.do(http.MethodPost, path, form); rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	if rec := staff.do(http.MethodPost, path, form); rec.Code != http.StatusConflict {
		t.Fatalf("save on the old version: %d", rec.Code)
	}
	form.Set("end_time", "08:00")
	form.Set("version", "2")
	if rec := staff.do(http.MethodPost, path, form); rec.Code != 422 || !strings.Contains(rec.Body.String(), "slutte efter") {
		t.Fatalf("end before start: %d", rec.Code)
	}
	var got models.TaskType
	f.db.First(&got, fin.ID)
	if got.AllowanceKr != 650 || got.StartTime != "09:00" || got.Validation || !got.Reminders {
		t.Errorf("stored %+v", got)
	}
}
