package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Check-in on the day: staff see the stations' counts and a station's
// list; staff name Ida the leader of her station; Ida, signed in on Min
// side, sees that station's people and marks them, and nothing of another
// station: its page by id and its people's assignment ids are 404.
func TestCheckInByStaffAndByTheStationLeader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newMinSideFixture(t, db)
		ctx := context.Background()
		var stA, stB models.PollingStation
		db.First(&stA, f.later.StationID)
		db.Where("id <> ?", stA.ID).Order("district").First(&stB)
		// Carl serves at another station.
		c, _ := models.ParseCPR("0303703456")
		carl := models.Participant{CPR: models.NewSecret("0303703456"), CPRIndex: store.CPRIndex(f.keys, c), Name: "Carl Carlsen",
			Email: models.NewSecret("carl@example.dk"), Mobile: models.NewSecret("+4530000003"), CreatedAt: now, UpdatedAt: now}
		must(t, db.Create(&carl).Error)
		slot := models.Slot{ElectionID: f.election.ID, StationID: stB.ID, TaskTypeID: f.later.TaskTypeID, Day: f.election.ElectionDay,
			PartyID: f.later.PartyID, CreatedAt: now}
		must(t, db.Create(&slot).Error)
		carls := storetest.Nominate(t, db, slot, carl.ID)
		must(t, db.Model(&carls).Update("state", models.StateConfirmed).Error)

		staff := f.loggedIn(t, models.RoleStaff)
		base := "/valg/" + itoa(f.election.ID) + "/fremmoede"
		if rec := staff.do(http.MethodGet, base, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), stA.Name) ||
			!strings.Contains(rec.Body.String(), `/static/auto-refresh.js`) {
			t.Fatalf("stations page: %d", rec.Code)
		}
		pageA := staff.do(http.MethodGet, base+"/"+itoa(stA.ID), nil)
		if pageA.Code != http.StatusOK || !strings.Contains(pageA.Body.String(), "Ida Østergård") || !strings.Contains(pageA.Body.String(), strings.TrimPrefix(idaMobile, "+")) ||
			strings.Contains(pageA.Body.String(), "Carl Carlsen") || strings.Contains(pageA.Body.String(), "0101701234") {
			t.Fatalf("station page: %d %s", pageA.Code, pageA.Body)
		}
		if rec := staff.do(http.MethodPost, base+"/"+itoa(stA.ID)+"/ledere", url.Values{"deltager": {itoa(carl.ID)}, "csrf_token": {staff.csrf()}}); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("naming a person of another station: %d, want 422", rec.Code)
		}
		if rec := staff.do(http.MethodPost, base+"/"+itoa(stA.ID)+"/ledere", url.Values{"deltager": {itoa(f.ida.ID)}, "csrf_token": {staff.csrf()}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("naming Ida: %d %s", rec.Code, rec.Body)
		}
		if ok, _ := store.LeadsStation(ctx, db, f.ida.ID, f.election.ID, stA.ID); !ok {
			t.Fatal("Ida was not named")
		}

		ida := f.volunteer(t, f.ida)
		mine := "/minside/valgsted/" + itoa(f.election.ID) + "/" + itoa(stA.ID)
		if rec := ida.do(http.MethodGet, "/minside", nil); !strings.Contains(rec.Body.String(), mine) {
			t.Fatalf("Min side does not link to her station's list")
		}
		rec := ida.do(http.MethodGet, mine, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ida Østergård") || strings.Contains(rec.Body.String(), "Carl Carlsen") {
			t.Fatalf("her station's list: %d", rec.Code)
		}
		for _, path := range []string{
			"/minside/valgsted/" + itoa(f.election.ID) + "/" + itoa(stB.ID), // another station
			"/minside/valgsted/999999/" + itoa(stA.ID),                      // another election
			"/minside/valgsted/x/y",
		} {
			if rec := ida.do(http.MethodGet, path, nil); rec.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, rec.Code)
			}
		}
		before := len(f.temporal.updates())
		if rec := ida.do(http.MethodPost, mine, url.Values{"tildeling": {itoa(carls.ID)}, "fremmoede": {"ikke-moedt"}, "csrf_token": {ida.csrf()}}); rec.Code != http.StatusNotFound {
			t.Fatalf("marking a person of another station: %d, want 404", rec.Code)
		}
		if len(f.temporal.updates()) != before {
			t.Fatal("an update went to another station's person")
		}
		if rec := ida.do(http.MethodPost, mine, url.Values{"tildeling": {itoa(f.later.ID)}, "fremmoede": {"vist"}, "csrf_token": {ida.csrf()}}); rec.Code != http.StatusBadRequest {
			t.Fatalf("a mark that is none: %d, want 400", rec.Code)
		}
		if rec := ida.do(http.MethodPost, mine, url.Values{"tildeling": {itoa(f.later.ID)}, "fremmoede": {"moedt"}, "csrf_token": {ida.csrf()}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("present: %d %s", rec.Code, rec.Body)
		}
		var got models.Assignment
		db.First(&got, f.later.ID)
		if got.Attendance != models.AttendancePresent || got.AttendanceBy != "leader:"+itoa(f.ida.ID) {
			t.Fatalf("after present: %+v", got)
		}
		// Staff correct it: absent ends the task; a second mark is refused.
		if rec := staff.do(http.MethodPost, base+"/"+itoa(stA.ID), url.Values{"tildeling": {itoa(f.later.ID)}, "fremmoede": {"ikke-moedt"}, "csrf_token": {staff.csrf()}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("absent: %d %s", rec.Code, rec.Body)
		}
		db.First(&got, f.later.ID)
		if got.State != models.StateNoShow || got.Attendance != models.AttendanceAbsent {
			t.Fatalf("after absent: %+v", got)
		}
		if rec := ida.do(http.MethodPost, mine, url.Values{"tildeling": {itoa(f.later.ID)}, "fremmoede": {"moedt"}, "csrf_token": {ida.csrf()}}); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "afsluttet") {
			t.Fatalf("present after absent: %d, want 422 with the reason", rec.Code)
		}
		// Bo leads nothing.
		if rec := f.volunteer(t, f.bo).do(http.MethodGet, mine, nil); rec.Code != http.StatusNotFound {
			t.Fatalf("Bo on Ida's station: %d, want 404", rec.Code)
		}
		// On a task day the overview shows the day's counts per station.
		today := models.DateOf(now.In(models.Copenhagen))
		must(t, db.Model(&f.election).Update("election_day", today).Error)
		must(t, db.Model(&models.Assignment{}).Where("id = ?", carls.ID).Update("day", today).Error)
		if rec := staff.do(http.MethodGet, "/oversigt?valg="+itoa(f.election.ID), nil); rec.Code != http.StatusOK ||
			!strings.Contains(rec.Body.String(), "Fremmøde i dag") || !strings.Contains(rec.Body.String(), base+"/"+itoa(stB.ID)) {
			t.Fatalf("overview on the day: %d", rec.Code)
		}
		// A read-only user sees the list without buttons and may not mark.
		reader := f.loggedIn(t, models.RoleReadOnly)
		if rec := reader.do(http.MethodGet, base+"/"+itoa(stA.ID), nil); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `value="ikke-moedt"`) {
			t.Fatalf("read-only list: %d", rec.Code)
		}
	})
}
