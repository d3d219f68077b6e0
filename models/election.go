package models

import "fmt"

// An election goes draft → active → closed and never back: only an active
// election sends anything, and a closed one is kept only until its personal
// data is deleted.
var electionTransitions = map[ElectionState]ElectionState{
	ElectionDraft:  ElectionActive,
	ElectionActive: ElectionClosed,
}

// NextElectionState is the state an election in s may move to, if any.
func NextElectionState(s ElectionState) (ElectionState, bool) {
	next, ok := electionTransitions[s]
	return next, ok
}

// CheckElectionTransition says, in Danish, why an election cannot move from
// one state to another.
func CheckElectionTransition(from, to ElectionState) error {
	if next, ok := electionTransitions[from]; ok && next == to {
		return nil
	}
	return fmt.Errorf("et valg kan ikke gå fra %s til %s (kun kladde → aktivt → afsluttet)", stateName(from), stateName(to))
}

func stateName(s ElectionState) string {
	switch s {
	case ElectionDraft:
		return "kladde"
	case ElectionActive:
		return "aktivt"
	case ElectionClosed:
		return "afsluttet"
	}
	return fmt.Sprintf("%q", string(s))
}
