package models

import (
	"fmt"
	"testing"
	"time"
)

func TestDefaultRulesAreTheLaw(t *testing.T) {
	fv, _ := DefaultRules(Folketingsvalg)
	fa, _ := DefaultRules(Folkeafstemning)
	if fv != fa {
		t.Errorf("FV %+v and FA %+v differ", fv, fa)
	}
	for kind, want := range map[ElectionKind]EligibilityRules{
		Folketingsvalg:       {MinAge: 18, Citizenship: CitizenshipDanish, GuardianshipExcludes: true, MustLiveInMunicipality: true},
		Kommunalvalg:         {MinAge: 18, Citizenship: CitizenshipDanishEUNordic, ResidenceYears: 4, MustLiveInMunicipality: true},
		EuropaParlamentsvalg: {MinAge: 18, Citizenship: CitizenshipDanishEU, MustLiveInMunicipality: true},
	} {
		if got, ok := DefaultRules(kind); !ok || got != want {
			t.Errorf("%s: %+v, want %+v", kind, got, want)
		}
	}
	if r, ok := DefaultRules("XX"); ok || r.Citizenship.Valid() {
		t.Errorf("unknown kind: %+v, %v", r, ok)
	}
	for _, k := range ElectionKinds {
		et, ok := DefaultElectionType(k)
		if !ok || et.Name == "" || et.Version != 1 || et.Kind != k {
			t.Errorf("%s: %+v", k, et)
		}
	}
}

// The law's rule sets through Check give exactly what CheckEligibility gives.
func TestDefaultRulesCheckLikeCheckEligibility(t *testing.T) {
	people := map[string]func(*PersonFacts){
		"citizen":      nil,
		"USA 5 years":  func(p *PersonFacts) { p.Citizenship, p.ResidentSince = cprUSA, NewDate(2020, time.January, 1) },
		"guardianship": func(p *PersonFacts) { p.FullGuardianship = true },
		"other town":   func(p *PersonFacts) { p.MunicipalityCode = "0101" },
		"Norway":       func(p *PersonFacts) { p.Citizenship = cprNorway },
	}
	for name, change := range people {
		p := resident(t, change)
		for _, k := range ElectionKinds {
			r, _ := DefaultRules(k)
			if a, b := joinCodes(r.Check(testElectionDay, testMunicipality, p, true)),
				joinCodes(CheckEligibility(k, testElectionDay, testMunicipality, p, true)); a != b {
				t.Errorf("%s/%s: %q, %q", name, k, a, b)
			}
		}
	}
}

func TestEditedRules(t *testing.T) {
	kv, _ := DefaultRules(Kommunalvalg)
	fv, _ := DefaultRules(Folketingsvalg)
	ep, _ := DefaultRules(EuropaParlamentsvalg)
	with := func(r EligibilityRules, change func(*EligibilityRules)) EligibilityRules {
		change(&r)
		return r
	}
	threeYears := DateOf(testElectionDay.In(time.UTC).AddDate(-3, 0, 0))
	tests := []struct {
		name   string
		rules  EligibilityRules
		person func(*PersonFacts)
		want   string
	}{
		{"minimum age 21, person 20", with(fv, func(r *EligibilityRules) { r.MinAge = 21 }),
			func(p *PersonFacts) { p.CPR = mustCPR(t, "0101054234") }, "underage"},
		{"minimum age 21, person 21 the day before", with(fv, func(r *EligibilityRules) { r.MinAge = 21 }),
			func(p *PersonFacts) { p.CPR = mustCPR(t, "1711044234") }, ""},
		{"minimum age 16, person 17", with(kv, func(r *EligibilityRules) { r.MinAge = 16 }),
			func(p *PersonFacts) { p.CPR = mustCPR(t, "0101084234") }, ""},
		{"default 18, person 17", kv,
			func(p *PersonFacts) { p.CPR = mustCPR(t, "0101084234") }, "underage"},
		{"residence 2 years, USA for 3", with(kv, func(r *EligibilityRules) { r.ResidenceYears = 2 }),
			func(p *PersonFacts) { p.Citizenship, p.ResidentSince = cprUSA, threeYears }, ""},
		{"residence 4 years, USA for 3", kv,
			func(p *PersonFacts) { p.Citizenship, p.ResidentSince = cprUSA, threeYears }, "citizenship"},
		{"residence 0, USA for 30", with(kv, func(r *EligibilityRules) { r.ResidenceYears = 0 }),
			func(p *PersonFacts) { p.Citizenship = cprUSA }, "citizenship"},
		{"EP with residence 2 qualifies USA for 3", with(ep, func(r *EligibilityRules) { r.ResidenceYears = 2 }),
			func(p *PersonFacts) { p.Citizenship, p.ResidentSince = cprUSA, threeYears }, ""},
		{"FV guardianship not excluding", with(fv, func(r *EligibilityRules) { r.GuardianshipExcludes = false }),
			func(p *PersonFacts) { p.FullGuardianship = true }, ""},
		{"KV guardianship excluding", with(kv, func(r *EligibilityRules) { r.GuardianshipExcludes = true }),
			func(p *PersonFacts) { p.FullGuardianship = true }, "guardianship"},
		{"municipality not required, other town", with(kv, func(r *EligibilityRules) { r.MustLiveInMunicipality = false }),
			func(p *PersonFacts) { p.MunicipalityCode = "0101" }, ""},
		{"municipality not required, emigrated", with(kv, func(r *EligibilityRules) { r.MustLiveInMunicipality = false }),
			func(p *PersonFacts) { p.Status = "80" }, "not_resident"},
		{"EP widened to Nordic, Norwegian", with(ep, func(r *EligibilityRules) { r.Citizenship = CitizenshipDanishEUNordic }),
			func(p *PersonFacts) { p.Citizenship = cprNorway }, ""},
		{"KV narrowed to Danish, Swede", with(kv, func(r *EligibilityRules) { r.Citizenship = CitizenshipDanish }),
			func(p *PersonFacts) { p.Citizenship, p.ResidentSince = cprSweden, threeYears }, "citizenship"},
		{"zero rule set", EligibilityRules{}, nil, "unknown_election"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinCodes(tt.rules.Check(testElectionDay, testMunicipality, resident(t, tt.person), true)); got != tt.want {
				t.Errorf("codes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEditedRulesSayWhatFails(t *testing.T) {
	r := EligibilityRules{MinAge: 21, Citizenship: CitizenshipDanish, ResidenceYears: 2, MustLiveInMunicipality: true}
	p := resident(t, func(p *PersonFacts) {
		p.CPR = mustCPR(t, "0101054234")
		p.Citizenship, p.ResidentSince = cprUSA, Date{}
	})
	got := r.Check(testElectionDay, testMunicipality, p, true)
	// The sentences themselves: locale's TestEligibilityReasonsInDanish.
	if len(got) != 2 || got[0].Reason.Key != "error.eligibility.underage" || fmt.Sprint(got[0].Reason.Args) != "[21]" ||
		got[1].Reason.Key != "error.eligibility.citizenship.danish.residence" || fmt.Sprint(got[1].Reason.Args) != "[2]" {
		t.Errorf("%+v", got)
	}
	kv, _ := DefaultRules(Kommunalvalg)
	if key, args := kv.citizenshipReason(); key != "error.eligibility.citizenship.nordic.residence" || fmt.Sprint(args) != "[4]" {
		t.Errorf("KV reason %q %v", key, args)
	}
}
