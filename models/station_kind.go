package models

import (
	"cmp"
	"slices"
	"strconv"
)

// IsPollingStation tells a polling station from a work location; a station
// written before kinds existed is a polling station.
func (s PollingStation) IsPollingStation() bool { return s.Kind != KindWorkLocation }

// Offers tells whether slots of a task type belong here: any at a polling
// station, only its own task types at a work location.
func (s PollingStation) Offers(taskTypeID int64) bool {
	return s.IsPollingStation() || slices.Contains(s.TaskTypeIDs, taskTypeID)
}

// Label names the place in lists and choices: "3. Åbyskolen" for a polling
// station, the bare name for a work location.
func (s PollingStation) Label() string {
	if !s.IsPollingStation() || s.District == 0 {
		return s.Name
	}
	return strconv.Itoa(s.District) + ". " + s.Name
}

// SortStations puts polling stations first, by afstemningsområde, then work
// locations by name in Danish order.
func SortStations(stations []PollingStation) {
	SortDanish(stations, func(s PollingStation) string { return s.Name })
	slices.SortStableFunc(stations, func(a, b PollingStation) int {
		if a.IsPollingStation() != b.IsPollingStation() || a.IsPollingStation() {
			return CompareStations(a, b)
		}
		return 0 // two work locations keep their Danish order
	})
}

// CompareStations orders polling stations by afstemningsområde before work
// locations, and work locations among themselves by ID (SortStations sorts
// them by name).
func CompareStations(a, b PollingStation) int {
	switch ap, bp := a.IsPollingStation(), b.IsPollingStation(); {
	case ap && bp:
		return cmp.Compare(a.District, b.District)
	case ap:
		return -1
	case bp:
		return 1
	}
	return cmp.Compare(a.ID, b.ID)
}
