package models

import (
	"slices"
	"testing"
)

func TestWorkLocationsSortAfterPollingStationsAndOfferTheirTaskTypes(t *testing.T) {
	stations := []PollingStation{
		{ID: 1, Name: "Østerby", Kind: KindWorkLocation, TaskTypeIDs: []int64{7}},
		{ID: 2, Name: "Åbyskolen", District: 2},
		{ID: 3, Name: "Brevstemmer", Kind: KindWorkLocation},
		{ID: 4, Name: "Rådhuset", District: 1, Kind: KindPollingStation},
		{ID: 5, Name: "Ærø", Kind: KindWorkLocation},
	}
	SortStations(stations)
	var got []int64
	for _, s := range stations {
		got = append(got, s.ID)
	}
	// Polling stations by district; work locations in Danish order (Ø before Å).
	if want := []int64{4, 2, 3, 5, 1}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if l := stations[0].Label(); l != "1. Rådhuset" {
		t.Errorf("polling station label %q", l)
	}
	if l := stations[4].Label(); l != "Østerby" {
		t.Errorf("work location label %q", l)
	}
	if !stations[0].Offers(99) || !stations[4].Offers(7) || stations[4].Offers(99) {
		t.Error("offers: a polling station every task type, a work location only its own")
	}
}
