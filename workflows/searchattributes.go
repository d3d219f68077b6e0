// Package workflows holds the Temporal workflows — deterministic, ids in and
// ids out — and the client-side calls that start and query them.
package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

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

// SearchAttributes lists the custom search attributes with their types, for
// registering them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	attrs := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{ElectionAttr, PollingStationAttr, PartyAttr, TaskTypeAttr, StateAttr} {
		attrs[k.GetName()] = k.GetValueType()
	}
	return attrs
}
