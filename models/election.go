package models

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

// CheckElectionTransition refuses (a *UserError) a move of an election from
// one state to another that the rules forbid.
func CheckElectionTransition(from, to ElectionState) error {
	if next, ok := electionTransitions[from]; ok && next == to {
		return nil
	}
	return Refuse("error.election.transition", stateName(from), stateName(to))
}

func stateName(s ElectionState) any {
	switch s {
	case ElectionDraft, ElectionActive, ElectionClosed:
		return TextKey("error.election.state." + string(s))
	}
	return string(s)
}
