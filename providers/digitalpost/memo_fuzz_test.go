package digitalpost_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/valghalla/valghalla/providers/digitalpost"
)

var tenDigits = regexp.MustCompile(`\d{10}`)

// FuzzParseMeMo: a MeMo message comes back from a provider's fake or a
// mailbox export. For any bytes ParseMeMo does not panic, its errors carry
// no CPR number, and a letter it accepts survives BuildMeMo and ParseMeMo
// again unchanged (after the first round's normalisation of the time).
func FuzzParseMeMo(f *testing.F) {
	golden, _ := filepath.Glob("testdata/*.golden")
	for _, g := range golden {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	if b, err := digitalpost.BuildMeMo(invitation()); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "<", "<memo:Message/>", `<Message xmlns="https://DigitalPost.dk/MeMo-1" memoVersion="1.1"/>`,
		"<?xml version=\"1.0\"?><a>\xff</a>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := digitalpost.ParseMeMo(data)
		if err != nil {
			if tenDigits.MatchString(err.Error()) {
				t.Fatalf("the error carries a number: %v", err)
			}
			return
		}
		built, err := digitalpost.BuildMeMo(l)
		if err != nil {
			t.Fatalf("an accepted letter does not build: %v", err)
		}
		again, err := digitalpost.ParseMeMo(built)
		if err != nil {
			t.Fatalf("a built letter does not parse: %v", err)
		}
		if !again.Created.Equal(l.Created) && again.Created.Unix() != l.Created.Unix() {
			t.Fatalf("created %v became %v", l.Created, again.Created)
		}
		l.Created = again.Created
		if !reflect.DeepEqual(l, again) {
			t.Fatalf("the letter changed in a round trip:\n%+v\n%+v", l, again)
		}
	})
}
