package models

import "testing"

func TestElectionTransitions(t *testing.T) {
	for _, c := range []struct {
		from, to ElectionState
		ok       bool
	}{
		{ElectionDraft, ElectionActive, true},
		{ElectionActive, ElectionClosed, true},
		{ElectionDraft, ElectionClosed, false},
		{ElectionActive, ElectionDraft, false},
		{ElectionClosed, ElectionActive, false},
		{ElectionClosed, ElectionDraft, false},
		{"bogus", ElectionActive, false},
	} {
		if err := CheckElectionTransition(c.from, c.to); (err == nil) != c.ok {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
		}
	}
	if next, ok := NextElectionState(ElectionClosed); ok {
		t.Errorf("a closed election moves on to %s", next)
	}
}
