package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Staff see the replacements on the day on the overview: station, task,
// how many were asked and how it stands, no names; a party secretary does
// not (the candidates come from every party's lists and the pool).
func TestOverviewShowsReplacementsOnTheDayToStaffOnly(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planOverview(t, f)
	slot := models.Slot{ElectionID: p.election.ID, StationID: p.aby.ID, TaskTypeID: p.tilforordnet.ID, Day: p.election.ElectionDay,
		PartyID: p.partyA.ID, CreatedAt: now}
	if err := f.db.Create(&slot).Error; err != nil {
		t.Fatal(err)
	}
	absentPerson := p.people["Bent Bentsen"]
	absent := models.Assignment{SlotID: slot.ID, ParticipantID: absentPerson.ID, ElectionID: slot.ElectionID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, PartyID: slot.PartyID, Day: slot.Day, State: models.StateNoShow,
		WorkflowID: payload.LifecycleID(slot.ID, absentPerson.ID), NominatedAt: now, UpdatedAt: now, AttendanceAt: &now}
	if err := f.db.Create(&absent).Error; err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Anne Andersen", "Viggo Vind"} {
		if err := f.db.Create(&models.DayOffer{ElectionID: p.election.ID, AbsentAssignmentID: absent.ID, ParticipantID: p.people[name].ID,
			Source: models.FromPool, State: models.DayOfferAsked, WorkflowID: payload.DayReplacementID(absent.ID), AskedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
	}
	staff := f.loggedIn(t, models.RoleStaff)
	body := staff.do(http.MethodGet, "/", nil).Body.String()
	for _, want := range []string{"<h2>Afløsere på dagen</h2>", "<td>Åbyskolen</td><td>Tilforordnet</td><td>2</td>", "Søger"} {
		if !strings.Contains(body, want) {
			t.Errorf("staff's overview lacks %q", want)
		}
	}
	secretary := f.loggedIn(t, models.RolePartySecretary)
	if body := secretary.do(http.MethodGet, "/", nil).Body.String(); strings.Contains(body, "Afløsere på dagen") {
		t.Error("a secretary sees the replacements on the day")
	}
}
