package models

// Choices is what a message or a round to an election's people can be
// narrowed to: the polling stations, task types and parties, in the order
// the pages list them.
type Choices struct {
	Stations  []PollingStation
	TaskTypes []TaskType
	Parties   []Party
}
