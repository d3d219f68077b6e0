package models

import "slices"

// StationLimit is the polling stations a user works for: every station
// (Limited false), or those in IDs, which may be none.
type StationLimit struct {
	Limited bool
	IDs     []int64
}

// Allows tells whether the limit admits stationID.
func (l StationLimit) Allows(stationID int64) bool {
	return !l.Limited || slices.Contains(l.IDs, stationID)
}
