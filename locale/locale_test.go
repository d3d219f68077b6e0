package locale

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/valghalla/valghalla/models"
)

// Every key exists in every language: a page or error that has a Danish
// sentence has an English one, and the other way round.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	for _, l := range Languages() {
		for _, other := range Languages() {
			for _, k := range Keys(l) {
				if !Has(other, k) {
					t.Errorf("key %q is in %s but not in %s", k, l, other)
				}
			}
		}
	}
}

// A sentence takes the same arguments in every language.
func TestSameVerbsInEveryLanguage(t *testing.T) {
	for _, k := range Keys(Danish) {
		da, en := countVerbs(Text(Danish, k)), countVerbs(Text(English, k))
		if da != en {
			t.Errorf("key %q: Danish takes %d arguments, English %d", k, da, en)
		}
	}
}

func countVerbs(s string) int {
	n := 0
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			if s[i+1] == '%' {
				i++
				continue
			}
			n++
		}
	}
	return n
}

func TestLoadRefusesAKeyGivenTwice(t *testing.T) {
	fsys := fstest.MapFS{
		"da/a.json": {Data: []byte(`{"x": "1"}`)},
		"da/b.json": {Data: []byte(`{"x": "2"}`)},
	}
	if _, err := load(fsys); err == nil {
		t.Fatal("a key in two files of one language loaded")
	}
}

func TestErrorTranslatesAUserErrorAndHidesOthers(t *testing.T) {
	if got := Error(English, models.Refuse("error.internal")); got != Text(English, "error.internal") {
		t.Errorf("UserError: %q", got)
	}
	if got := Error(Danish, errString("pq: relation users does not exist")); got != Text(Danish, "error.internal") {
		t.Errorf("internal error shown as %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// The eligibility reasons read as the Danish sentences they always were;
// the rules only name them (models cannot import locale).
func TestEligibilityReasonsInDanish(t *testing.T) {
	r := models.EligibilityRules{MinAge: 21, Citizenship: models.CitizenshipDanish, ResidenceYears: 2, MustLiveInMunicipality: true}
	cpr, err := models.ParseCPR("0101054234")
	if err != nil {
		t.Fatal(err)
	}
	p := models.PersonFacts{CPR: cpr, Status: "01", Citizenship: "5314", MunicipalityCode: "0101"}
	got := r.Check(models.NewDate(2025, 11, 18), "0101", p, true)
	var texts []string
	for _, reason := range got {
		texts = append(texts, Error(Danish, reason.Reason))
	}
	want := []string{"Personen er ikke fyldt 21 år på valgdagen.",
		"Personen er ikke dansk statsborger og har ikke haft fast bopæl i Danmark i de sidste 2 år før valgdagen."}
	if !slices.Equal(texts, want) {
		t.Errorf("got %q, want %q", texts, want)
	}
}

// An argument that is a key or a refusal is translated with the sentence.
func TestNestedArgumentsAreTranslated(t *testing.T) {
	if got := Error(English, models.Refuse("error.election.transition", models.TextKey("state.draft"), models.TextKey("state.closed"))); got != "An election cannot go from Draft to Closed (only draft → active → closed)." {
		t.Errorf("state names: %q", got)
	}
	inner := []*models.UserError{models.Refuse("error.eligibility.dead"), models.Refuse("error.eligibility.underage", 18)}
	got := Error(Danish, models.Refuse("error.nomination.ineligible", "FV", inner))
	if got != "Personen kan ikke indstilles til FV: Personen er død ifølge CPR-registret. Personen er ikke fyldt 18 år på valgdagen." {
		t.Errorf("reasons: %q", got)
	}
}
