package payload

import "go.temporal.io/sdk/temporal"

// The product's custom search attributes, so an operator can filter
// workflows in the Temporal UI. Values are ids, never personal data. The SQL
// visibility stores have 10 Keyword slots per namespace; these take five.
var (
	ElectionAttr       = temporal.NewSearchAttributeKeyKeyword("ValghallaElection")
	PollingStationAttr = temporal.NewSearchAttributeKeyKeyword("ValghallaPollingStation")
	PartyAttr          = temporal.NewSearchAttributeKeyKeyword("ValghallaParty")
	TaskTypeAttr       = temporal.NewSearchAttributeKeyKeyword("ValghallaTaskType")
	StateAttr          = temporal.NewSearchAttributeKeyKeyword("ValghallaState")
)

// Attributes lists every custom search attribute.
var Attributes = []temporal.SearchAttributeKeyKeyword{ElectionAttr, PollingStationAttr, PartyAttr, TaskTypeAttr, StateAttr}
