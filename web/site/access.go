package site

import "github.com/valghalla/valghalla/models"

// Access says who may use a route; every route declares one.
type Access string

const (
	Public    Access = "public"     // anyone, logged in or not
	AnyUser   Access = "any user"   // every role, party secretaries included
	StaffOnly Access = "staff"      // administrators, staff and read-only; never party secretaries
	AdminOnly Access = "admin only" // administrators
	// Registrar: may register people: staff, and party secretaries for their own party.
	Registrar Access = "registrar"
	// StaffWrite: administrators and staff; not read-only, not party secretaries.
	StaffWrite Access = "staff write"
	// SecretaryOnly: party secretaries.
	SecretaryOnly Access = "party secretary"
	// ProviderSigned: a provider's webhook; no user, no session. The
	// handler admits only a request signed with the provider's secret, so
	// every user, and anyone without the signature, is refused (403).
	ProviderSigned Access = "provider signed"
	// Volunteer: a volunteer signed in on Min side (a volunteer session,
	// the valghalla_minside cookie). No staff login grants it, and a
	// volunteer session grants nothing else: web checks it apart
	// (AllowsVolunteer), since a volunteer is no models.User.
	Volunteer Access = "volunteer"
)

// AllowsVolunteer tells whether a volunteer session may use a route of a:
// the volunteer's own routes and the public ones.
func (a Access) AllowsVolunteer() bool { return a == Volunteer || a == Public }

// Allows tells whether u (nil: nobody logged in) may use a route of a.
func (a Access) Allows(u *models.User) bool {
	switch a {
	case Public, ProviderSigned:
		return true
	case AnyUser:
		return u != nil
	case StaffOnly:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff || u.Role == models.RoleReadOnly)
	case AdminOnly:
		return u != nil && u.Role == models.RoleAdmin
	case Registrar:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff || u.Role == models.RolePartySecretary)
	case StaffWrite:
		return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleStaff)
	case SecretaryOnly:
		return u != nil && u.Role == models.RolePartySecretary
	}
	return false
}
