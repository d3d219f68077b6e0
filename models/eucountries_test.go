package models

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Codes the built-in table does not have, standing in for the missing member
// states' codes a municipality sets from CPR's list (not real assignments).
const cprConfigured, cprOther = "5198", "5199"

func TestParseExtraEUCountryCodes(t *testing.T) {
	for _, tt := range []struct {
		list string
		want []string // the codes that add to the table
	}{
		{"", nil},
		{"  ", nil},
		{"5198", []string{"5198"}},
		{" 5198 , 5199 ", []string{"5198", "5199"}},
		{"5199,5198,5198", []string{"5198", "5199"}}, // duplicates are harmless
		{"5120,5198", []string{"5198"}},              // already EU in the table
		{"5104,5108,5120", nil},                      // all built in
		{"0001,0002,0003,0004,0005,0006,0007,0008", []string{"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008"}},
	} {
		e, err := ParseExtraEUCountryCodes(tt.list)
		if err != nil {
			t.Errorf("%q: %v", tt.list, err)
			continue
		}
		if got := e.Codes(); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("%q: codes %v, want %v", tt.list, got, tt.want)
		}
	}
}

func TestParseExtraEUCountryCodesRefusesBadValues(t *testing.T) {
	for _, tt := range []struct {
		list, want string
	}{
		{"519", `"519" is not a CPR country code: each must be exactly 4 digits`},
		{"51988", `"51988" is not a CPR country code`},
		{"51a8", `"51a8" is not a CPR country code`},
		{"abcd", `"abcd" is not a CPR country code`},
		{"5198,", `"" is not a CPR country code`},
		{"5198;5199", `"5198;5199" is not a CPR country code`},
		{"５１９８", `is not a CPR country code`}, // full-width digits
		{"5198,5100", "5100 is Danmark in the built-in table, not another EU member state"},
		{"5110", "5110 is Norge in the built-in table, not another EU member state"},
		{"5106", "5106 is Island in the built-in table"},
		{"5105", "5105 is Island (ligeret dansk) in the built-in table"},
		{"5170", "5170 is Storbritannien in the built-in table"},
		{"5160", "5160 is Schweiz in the built-in table"},
	} {
		e, err := ParseExtraEUCountryCodes(tt.list)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one with %q", tt.list, err, tt.want)
		}
		if len(e.Codes()) != 0 {
			t.Errorf("%q: refused, yet codes %v", tt.list, e.Codes())
		}
	}
}

// A citizen of a member state whose code is configured is another EU
// citizen: eligible at KV and EP, not at FV/FA. Without the setting the same
// person is non-EU: refused at EP, and at KV only after 4 years' residence.
func TestExtraEUCountryCodesInEligibility(t *testing.T) {
	t.Cleanup(func() { SetExtraEUCountryCodes(ExtraEUCountryCodes{}) })
	const none, citizenship = "", "citizenship"
	arrived := testElectionDay.AddDays(-30)
	fourYears := DateOf(testElectionDay.In(time.UTC).AddDate(-4, 0, 0))

	type want struct{ FV, FA, KV, EP string }
	for _, tt := range []struct {
		name        string
		setting     string
		citizenship string
		since       Date
		want        want
	}{
		{"configured, arrived last month", "5198", cprConfigured, arrived,
			want{citizenship, citizenship, none, none}},
		{"configured among others, spaces", " 5199 , 5198 ", cprConfigured, arrived,
			want{citizenship, citizenship, none, none}},
		{"configured, code with spaces in CPR", "5198", " 5198 ", arrived,
			want{citizenship, citizenship, none, none}},
		{"not configured, arrived last month", "", cprConfigured, arrived,
			want{citizenship, citizenship, citizenship, citizenship}},
		{"not configured, exactly 4 years", "", cprConfigured, fourYears,
			want{citizenship, citizenship, none, citizenship}},
		{"another code configured", "5199", cprConfigured, arrived,
			want{citizenship, citizenship, citizenship, citizenship}},
		{"built-in EU code still EU with the setting", "5198", cprGermany, arrived,
			want{citizenship, citizenship, none, none}},
		{"Norwegian unchanged by the setting", "5198", cprNorway, arrived,
			want{citizenship, citizenship, none, citizenship}},
		{"Danish unchanged by the setting", "5198", cprDenmark, arrived,
			want{none, none, none, none}},
	} {
		e, err := ParseExtraEUCountryCodes(tt.setting)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		SetExtraEUCountryCodes(e)
		p := resident(t, func(p *PersonFacts) { p.Citizenship, p.ResidentSince = tt.citizenship, tt.since })
		for _, kw := range []struct {
			kind ElectionKind
			want string
		}{
			{Folketingsvalg, tt.want.FV}, {Folkeafstemning, tt.want.FA},
			{Kommunalvalg, tt.want.KV}, {EuropaParlamentsvalg, tt.want.EP},
		} {
			if got := joinCodes(CheckEligibility(kw.kind, testElectionDay, testMunicipality, p, true)); got != kw.want {
				t.Errorf("%s/%s: codes %q, want %q", tt.name, kw.kind, got, kw.want)
			}
		}
	}
}

// A citizen of each of the eight member states the table once lacked, just
// arrived: another EU citizen, eligible at KV and EP without the 4 years'
// residence, not at FV/FA; and no setting needed.
func TestTheEightAddedMemberStatesInEligibility(t *testing.T) {
	SetExtraEUCountryCodes(ExtraEUCountryCodes{})
	arrived := testElectionDay.AddDays(-30)
	want := map[ElectionKind]string{Folketingsvalg: "citizenship", Folkeafstemning: "citizenship", Kommunalvalg: "", EuropaParlamentsvalg: ""}
	for state, code := range map[string]string{
		"Estland": "5607", "Letland": "5609", "Litauen": "5611", "Tjekkiet": "5776",
		"Slovakiet": "5778", "Slovenien": "5752", "Kroatien": "5750", "Cypern": "5422",
	} {
		p := resident(t, func(p *PersonFacts) { p.Citizenship, p.ResidentSince = code, arrived })
		for _, kind := range ElectionKinds {
			if got := joinCodes(CheckEligibility(kind, testElectionDay, testMunicipality, p, true)); got != want[kind] {
				t.Errorf("%s (%s) at %s: codes %q, want %q", state, code, kind, got, want[kind])
			}
		}
		if _, err := ParseExtraEUCountryCodes(code); err != nil {
			t.Errorf("%s as a correction: %v", code, err)
		}
	}
}

// The refusal list covers every code the table has as not-EU, and the EU
// codes make the 26 other member states.
func TestCountryListsAgree(t *testing.T) {
	eu := 0
	for code, g := range cprCountries {
		if g == countryEU {
			eu++
			if _, ok := cprNotOtherEU[code]; ok {
				t.Errorf("%s is EU in cprCountries and refused by cprNotOtherEU", code)
			}
		} else if _, ok := cprNotOtherEU[code]; !ok {
			t.Errorf("%s (group %d) is not in cprNotOtherEU", code, g)
		}
	}
	if eu != 26 {
		t.Errorf("%d EU codes, want the 26 other member states", eu)
	}
}
