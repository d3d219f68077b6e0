package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/workflows"
)

// The spec of an election on 5 January: every Monday, and each of the 14
// days before it — across the turn of the year, one calendar per month —
// at 04:23 Copenhagen time, until the election day begins.
func TestRevalidationScheduleSpecAcrossTheYear(t *testing.T) {
	spec := workflows.RevalidationScheduleSpec(models.NewDate(2027, time.January, 5))
	if spec.TimeZoneName != "Europe/Copenhagen" {
		t.Errorf("time zone %q", spec.TimeZoneName)
	}
	if want := time.Date(2027, 1, 4, 23, 0, 0, 0, time.UTC); !spec.EndAt.Equal(want) {
		t.Errorf("ends %v, want %v (midnight in Copenhagen)", spec.EndAt, want)
	}
	if !spec.StartAt.IsZero() {
		t.Errorf("starts %v, want at once", spec.StartAt)
	}
	var got []string
	for _, c := range spec.Calendars {
		if len(c.Hour) != 1 || c.Hour[0].Start != 4 || len(c.Minute) != 1 || c.Minute[0].Start != 23 {
			t.Errorf("calendar %+v is not at 04:23", c)
		}
		switch {
		case len(c.DayOfWeek) == 1 && len(c.Year) == 0:
			got = append(got, fmt.Sprintf("weekday %d", c.DayOfWeek[0].Start))
		case len(c.DayOfWeek) == 0 && len(c.Year) == 1 && len(c.Month) == 1 && len(c.DayOfMonth) == 1:
			got = append(got, fmt.Sprintf("%d-%02d-%02d..%02d", c.Year[0].Start, c.Month[0].Start, c.DayOfMonth[0].Start, c.DayOfMonth[0].End))
		default:
			t.Errorf("calendar %+v", c)
		}
	}
	if want := "[weekday 1 2026-12-22..31 2027-01-01..04]"; fmt.Sprint(got) != want {
		t.Errorf("calendars %v, want %s", got, want)
	}
	if id := workflows.RevalidationScheduleID(7); id != "valghalla-revalidation-7" {
		t.Errorf("id %q", id)
	}
}
