package models

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The municipal and regional election of 18 November 2025 in Fredericia.
var (
	testElectionDay  = NewDate(2025, time.November, 18)
	testMunicipality = "0607"
)

const (
	cprDenmark = "5100"
	cprSweden  = "5120"
	cprGermany = "5180"
	cprNorway  = "5110"
	cprIceland = "5106"
	cprUK      = "5170" // left the EU in 2020
	cprUSA     = "5390"
)

// resident is a Danish adult living at an active address in Fredericia, the
// base every fixture person changes one or two facts of.
func resident(t *testing.T, change func(*PersonFacts)) PersonFacts {
	t.Helper()
	p := PersonFacts{
		CPR:              mustCPR(t, "0101801234"), // 1 January 1980
		Status:           "01",
		Citizenship:      cprDenmark,
		MunicipalityCode: testMunicipality,
		ResidentSince:    NewDate(1980, time.January, 1),
	}
	if change != nil {
		change(&p)
	}
	return p
}

func TestCheckEligibility(t *testing.T) {
	fourYears := testElectionDay.In(time.UTC).AddDate(-4, 0, 0)
	exactlyFourYears := DateOf(fourYears)             // 18 November 2021
	oneDayShort := DateOf(fourYears.AddDate(0, 0, 1)) // 19 November 2021: 3 years 364 days
	const none = ""                                   // eligible
	const citizenship, guardianship = "citizenship", "guardianship"

	type want struct{ FV, FA, KV, EP string } // comma-separated codes, in order
	tests := []struct {
		name   string
		person func(*PersonFacts)
		want   want
	}{
		{"Danish citizen, resident", nil,
			want{none, none, none, none}},
		{"Swedish citizen (EU)", func(p *PersonFacts) { p.Citizenship = cprSweden },
			want{citizenship, citizenship, none, none}},
		{"German citizen (EU), arrived last month", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprGermany, testElectionDay.AddDays(-30)
		}, want{citizenship, citizenship, none, none}},
		{"Norwegian citizen", func(p *PersonFacts) { p.Citizenship = cprNorway },
			want{citizenship, citizenship, none, citizenship}},
		{"Icelandic citizen, arrived last year", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprIceland, testElectionDay.AddDays(-365)
		}, want{citizenship, citizenship, none, citizenship}},
		{"non-EU, exactly 4 years' residence", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUSA, exactlyFourYears
		}, want{citizenship, citizenship, none, citizenship}},
		{"non-EU, 3 years 364 days' residence", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUSA, oneDayShort
		}, want{citizenship, citizenship, citizenship, citizenship}},
		{"non-EU, residence unknown", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUSA, Date{}
		}, want{citizenship, citizenship, citizenship, citizenship}},
		{"British (not EU since 2020), 10 years' residence", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUK, NewDate(2015, time.June, 1)
		}, want{citizenship, citizenship, none, citizenship}},
		{"British, 1 year's residence", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUK, NewDate(2024, time.November, 1)
		}, want{citizenship, citizenship, citizenship, citizenship}},
		{"stateless (5103), 5 years' residence", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = "5103", NewDate(2020, time.January, 1)
		}, want{citizenship, citizenship, none, citizenship}},
		{"citizenship unknown", func(p *PersonFacts) { p.Citizenship, p.ResidentSince = "", Date{} },
			want{citizenship, citizenship, citizenship, citizenship}},
		{"full guardianship", func(p *PersonFacts) { p.FullGuardianship = true },
			want{guardianship, guardianship, none, none}},
		// SF1520 v5 VærgemålType DELVIS: partial guardianship keeps the vote
		// everywhere (DOMAIN.md: since 2019).
		{"partial guardianship", func(p *PersonFacts) { p.PartialGuardianship = true },
			want{none, none, none, none}},
		{"full and partial at once: full wins (fails closed)", func(p *PersonFacts) { p.FullGuardianship, p.PartialGuardianship = true, true },
			want{guardianship, guardianship, none, none}},
		{"18th birthday on election day", func(p *PersonFacts) { p.CPR = mustCPR(t, "1811074123") },
			want{none, none, none, none}},
		{"18th birthday the day after", func(p *PersonFacts) { p.CPR = mustCPR(t, "1911074123") },
			want{"underage", "underage", "underage", "underage"}},
		{"dead", func(p *PersonFacts) { p.Status = "90" },
			want{"dead", "dead", "dead", "dead"}},
		{"disappeared (70)", func(p *PersonFacts) { p.Status = "70" },
			want{"not_resident", "not_resident", "not_resident", "not_resident"}},
		{"emigrated (80)", func(p *PersonFacts) { p.Status = "80" },
			want{"not_resident", "not_resident", "not_resident", "not_resident"}},
		{"no fixed address (20)", func(p *PersonFacts) { p.Status = "20" },
			want{"not_resident", "not_resident", "not_resident", "not_resident"}},
		{"lives in another municipality", func(p *PersonFacts) { p.MunicipalityCode = "0461" },
			want{"not_resident", "not_resident", "not_resident", "not_resident"}},
		{"municipality unknown", func(p *PersonFacts) { p.MunicipalityCode = "" },
			want{"not_resident", "not_resident", "not_resident", "not_resident"}},
		{"municipality code without leading zero", func(p *PersonFacts) { p.MunicipalityCode = "607" },
			want{none, none, none, none}},
		{"active, status 03", func(p *PersonFacts) { p.Status = "03" },
			want{none, none, none, none}},
		{"active, status 05", func(p *PersonFacts) { p.Status = "05" },
			want{none, none, none, none}},
		{"active, status 07", func(p *PersonFacts) { p.Status = "07" },
			want{none, none, none, none}},
		{"cancelled (30)", func(p *PersonFacts) { p.Status = "30" },
			want{"not_active", "not_active", "not_active", "not_active"}},
		{"deleted (50)", func(p *PersonFacts) { p.Status = "50" },
			want{"not_active", "not_active", "not_active", "not_active"}},
		{"changed (60)", func(p *PersonFacts) { p.Status = "60" },
			want{"not_active", "not_active", "not_active", "not_active"}},
		{"unknown status", func(p *PersonFacts) { p.Status = "" },
			want{"not_active", "not_active", "not_active", "not_active"}},
		{"no CPR", func(p *PersonFacts) { p.CPR = CPR{} },
			want{"no_cpr", "no_cpr", "no_cpr", "no_cpr"}},
		{"every reason at once: 17, Swedish, guardianship, elsewhere", func(p *PersonFacts) {
			p.CPR = mustCPR(t, "1911074123")
			p.Citizenship, p.ResidentSince = cprSweden, Date{}
			p.FullGuardianship = true
			p.MunicipalityCode = "0101"
		}, want{
			"not_resident,underage,citizenship,guardianship",
			"not_resident,underage,citizenship,guardianship",
			"not_resident,underage",
			"not_resident,underage",
		}},
		{"emigrated non-EU under guardianship", func(p *PersonFacts) {
			p.Status, p.Citizenship, p.ResidentSince, p.FullGuardianship = "80", cprUSA, Date{}, true
		}, want{
			"not_resident,citizenship,guardianship",
			"not_resident,citizenship,guardianship",
			"not_resident,citizenship",
			"not_resident,citizenship",
		}},
	}
	for _, tt := range tests {
		p := resident(t, tt.person)
		for kind, wantCodes := range map[ElectionKind]string{
			Folketingsvalg: tt.want.FV, Folkeafstemning: tt.want.FA,
			Kommunalvalg: tt.want.KV, EuropaParlamentsvalg: tt.want.EP,
		} {
			t.Run(tt.name+"/"+string(kind), func(t *testing.T) {
				got := CheckEligibility(kind, testElectionDay, testMunicipality, p, true)
				if codes := joinCodes(got); codes != wantCodes {
					t.Errorf("codes = %q, want %q", codes, wantCodes)
				}
				for _, r := range got {
					if r.Reason == nil || r.Reason.Key == "" {
						t.Errorf("code %q has no reason", r.Code)
					}
				}
			})
		}
	}
}

func TestCheckEligibilityWithValidationOff(t *testing.T) {
	tests := []struct {
		name   string
		person func(*PersonFacts)
		want   string
	}{
		{"non-citizen living elsewhere, not 18, guardianship", func(p *PersonFacts) {
			p.Citizenship, p.ResidentSince = cprUSA, Date{}
			p.MunicipalityCode = "0101"
			p.CPR = mustCPR(t, "1911074123")
			p.FullGuardianship = true
		}, ""},
		{"emigrated", func(p *PersonFacts) { p.Status = "80" }, ""},
		{"no CPR", func(p *PersonFacts) { p.CPR = CPR{} }, ""},
		{"dead", func(p *PersonFacts) { p.Status = "90" }, "dead"},
		{"dead with spaces around the status", func(p *PersonFacts) { p.Status = " 90 " }, "dead"},
	}
	for _, tt := range tests {
		p := resident(t, tt.person)
		for _, kind := range []ElectionKind{Folketingsvalg, Folkeafstemning, Kommunalvalg, EuropaParlamentsvalg, "XX"} {
			got := joinCodes(CheckEligibility(kind, testElectionDay, testMunicipality, p, false))
			if got != tt.want {
				t.Errorf("%s/%s: codes = %q, want %q", tt.name, kind, got, tt.want)
			}
		}
	}
}

func TestCheckEligibilityUnknownElectionKindFailsClosed(t *testing.T) {
	got := joinCodes(CheckEligibility("XX", testElectionDay, testMunicipality, resident(t, nil), true))
	if got != "unknown_election" {
		t.Errorf("codes = %q, want unknown_election", got)
	}
}

func TestCheckEligibilityConfiguredMunicipalityMissing(t *testing.T) {
	p := resident(t, func(p *PersonFacts) { p.MunicipalityCode = "" })
	if got := joinCodes(CheckEligibility(Kommunalvalg, testElectionDay, "", p, true)); got != "not_resident" {
		t.Errorf("empty codes matched: %q", got)
	}
}

func TestCheckEligibilityReasonsAreDanishAndHaveNoCPR(t *testing.T) {
	p := resident(t, func(p *PersonFacts) {
		p.CPR = mustCPR(t, "1911074123")
		p.Citizenship, p.ResidentSince = cprUSA, Date{}
		p.FullGuardianship = true
		p.MunicipalityCode = "0101"
	})
	got := CheckEligibility(Folketingsvalg, testElectionDay, testMunicipality, p, true)
	if len(got) != 4 {
		t.Fatalf("got %v", got)
	}
	for _, r := range got {
		args := fmt.Sprint(r.Reason.Args...)
		if strings.Contains(args, "191107") || strings.Contains(args, "4123") {
			t.Errorf("reason %v shows the CPR number", r.Reason)
		}
		if !strings.HasPrefix(r.Reason.Key, "error.eligibility.") {
			t.Errorf("reason %v", r.Reason)
		}
	}
}

func TestResidentFor(t *testing.T) {
	day := NewDate(2025, time.November, 18)
	for _, tt := range []struct {
		since Date
		want  bool
	}{
		{NewDate(2021, time.November, 18), true},
		{NewDate(2021, time.November, 19), false},
		{NewDate(2021, time.November, 17), true},
		{NewDate(2025, time.November, 18), false},
		{NewDate(2030, time.January, 1), false},
		{Date{}, false},
	} {
		if got := residentFor(tt.since, day, 4); got != tt.want {
			t.Errorf("residentFor(%v, %v, 4) = %v, want %v", tt.since, day, got, tt.want)
		}
	}
	// From a leap day: 29 February 2024 + 4 years is 29 February 2028.
	if !residentFor(NewDate(2024, time.February, 29), NewDate(2028, time.February, 29), 4) ||
		residentFor(NewDate(2024, time.February, 29), NewDate(2028, time.February, 28), 4) {
		t.Error("leap-day residence miscounted")
	}
}

func TestCountryTable(t *testing.T) {
	// Spot checks of the groups; the codes themselves must be verified
	// against CPR's list (see cprCountries).
	for code, want := range map[string]countryGroup{
		"5100": countryDenmark,
		"5120": countryEU, "5180": countryEU, "5104": countryEU, "5130": countryEU,
		"5110": countryIcelandNorway, "5106": countryIcelandNorway,
		"5170": countryNone, "5160": countryNone, "5107": countryNone, "5101": countryNone,
		"5103": countryNone, "5390": countryNone, "": countryNone,
	} {
		if got := cprCountries[code]; got != want {
			t.Errorf("%q: group %d, want %d", code, got, want)
		}
	}
	// The count of 26 other member states: TestCountryListsAgree.
}

func joinCodes(in []Ineligibility) string {
	codes := make([]string, 0, len(in))
	for _, r := range in {
		codes = append(codes, r.Code)
	}
	if slices.Contains(codes, "") {
		return "<empty code>"
	}
	return strings.Join(codes, ",")
}
