package models

// The shapes of the accounts area that cross from the store to the pages:
// what an administrator enters, and what they are shown.

// NewUser is what an administrator enters to create a login.
type NewUser struct {
	Email   string
	Name    string
	Role    Role
	PartyID *int64
}

// SecretaryRequestView is a pending request as an administrator sees it.
type SecretaryRequestView struct {
	SecretaryRequest
	PartyName     string
	RequesterName string
	Stations      []string
}
