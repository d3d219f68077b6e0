package locale

import (
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
