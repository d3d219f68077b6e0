package models

// The shapes of the accounts area that cross from the store to the pages:
// what an administrator enters, and what they are shown.

// NewUser is what an administrator enters to create a login, or to change
// one.
type NewUser struct {
	Email   string
	Name    string
	Role    Role
	PartyID *int64
	// StationLimited: a party secretary who works for StationIDs only.
	StationLimited bool
	StationIDs     []int64
}

// SecretaryRequestView is a pending request as an administrator sees it.
type SecretaryRequestView struct {
	SecretaryRequest
	PartyName     string
	RequesterName string
	Stations      []string
}
