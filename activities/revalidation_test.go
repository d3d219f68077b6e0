package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// adultsAtHome is a register where everyone is a Danish citizen living in
// the test municipality (0999).
type adultsAtHome struct{}

func (adultsAtHome) Lookup(_ context.Context, c models.CPR) (cpr.Person, error) {
	return cpr.Person{PersonFacts: models.PersonFacts{CPR: c, Status: "01", Citizenship: "5100", MunicipalityCode: "0999",
		ResidentSince: models.NewDate(1970, time.January, 1)}, GivenName: "Test", Surname: "Person"}, nil
}

// Re-validation checks against the rules stored for the election type, as
// an administrator edited them on /valgtyper.
func TestRevalidationUsesTheStoredRules(t *testing.T) {
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	day := models.NewDate(2026, time.June, 1)
	seed := storetest.SeedElection(t, db, day, 1, 2, 2) // a Folketingsvalg; people born 1 January 1970
	for i, p := range seed.People {
		a := storetest.Nominate(t, db, seed.Slots[i], p.ID)
		db.Model(&a).Update("state", models.StateInvited)
	}
	acts := &activities.Activities{DB: db, Keys: keys, CPR: adultsAtHome{}, Now: time.Now}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	check := func() activities.RevalidationPage {
		t.Helper()
		v, err := env.ExecuteActivity(acts.RevalidatePage, seed.Election.ID, int64(0), 10)
		if err != nil {
			t.Fatal(err)
		}
		var page activities.RevalidationPage
		if err := v.Get(&page); err != nil {
			t.Fatal(err)
		}
		return page
	}
	if page := check(); page.Checked != 2 || len(page.Ineligible) != 0 {
		t.Fatalf("under the law's rules: %+v", page)
	}
	admin := models.User{Email: "admin@example.dk", Name: "Admin", Role: models.RoleAdmin, CreatedAt: time.Now()}
	db.Create(&admin)
	fv, _ := store.ElectionType(context.Background(), db, models.Folketingsvalg)
	fv.MinAge = 60 // they are 56
	if _, err := store.SaveElectionType(context.Background(), db, admin, fv, time.Now()); err != nil {
		t.Fatal(err)
	}
	if page := check(); page.Checked != 2 || len(page.Ineligible) != 2 {
		t.Fatalf("at minimum age 60: %+v", page)
	}
}

// renamed is a register where the people married (a new surname), got
// name and address protection and were exempted from Digital Post.
type renamed struct{ adultsAtHome }

func (r renamed) Lookup(ctx context.Context, c models.CPR) (cpr.Person, error) {
	p, err := r.adultsAtHome.Lookup(ctx, c)
	p.GivenName, p.Surname = "Anne Marie", "Holm"
	p.ProtectedAddress, p.DigitalPostExempt = true, true
	return p, err
}

// A re-validation keeps what the register says of each person it checks:
// a changed name, the protection and the exemption are stored, audited by
// the fields' names only; a second run changes nothing more.
func TestRevalidationRefreshesFromTheRegister(t *testing.T) {
	db := storetest.SQLite(t)
	keys := storetest.WithKeys(t, db)
	seed := storetest.SeedElection(t, db, models.NewDate(2026, time.June, 1), 1, 2, 3)
	a := storetest.Nominate(t, db, seed.Slots[0], seed.People[0].ID)
	db.Model(&a).Update("state", models.StateConfirmed)
	acts := &activities.Activities{DB: db, Keys: keys, CPR: renamed{}, Now: time.Now}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	run := func() activities.RevalidationPage {
		t.Helper()
		v, err := env.ExecuteActivity(acts.RevalidatePage, seed.Election.ID, int64(0), 10)
		if err != nil {
			t.Fatal(err)
		}
		var page activities.RevalidationPage
		if err := v.Get(&page); err != nil {
			t.Fatal(err)
		}
		return page
	}
	if page := run(); page.Checked != 1 || page.Refreshed != 1 {
		t.Fatalf("page %+v, want one checked and refreshed", page)
	}
	var p models.Participant
	db.First(&p, seed.People[0].ID)
	if p.Name != "Anne Marie Holm" || !p.ProtectedAddress || !p.DigitalPostExempt {
		t.Errorf("after the refresh: %q, protected %t, exempt %t", p.Name, p.ProtectedAddress, p.DigitalPostExempt)
	}
	var other models.Participant
	db.First(&other, seed.People[1].ID)
	if other.Name != seed.People[1].Name || other.ProtectedAddress {
		t.Errorf("a person not checked was refreshed: %q", other.Name)
	}
	var es []models.AuditEntry
	db.Where("participant_id = ? AND action = ?", p.ID, models.AuditParticipantChanged).Find(&es)
	if len(es) != 1 {
		t.Fatalf("%d change entries, want 1", len(es))
	}
	for _, secret := range []string{"Anne", "Holm", seed.People[0].Name} {
		if strings.Contains(es[0].Detail, secret) {
			t.Errorf("the audit detail %q names the person", es[0].Detail)
		}
	}
	if !strings.Contains(es[0].Detail, "name, protected_address, digital_post_exempt") {
		t.Errorf("the audit detail %q does not say what changed", es[0].Detail)
	}
	if page := run(); page.Refreshed != 0 {
		t.Errorf("second run refreshed %d", page.Refreshed)
	}
	// An election no longer active has nothing to check.
	db.Model(&seed.Election).Update("state", models.ElectionClosed)
	if page := run(); page.Checked != 0 || !page.Done {
		t.Errorf("closed election: %+v", page)
	}
}
