package activities_test

import (
	"context"
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
