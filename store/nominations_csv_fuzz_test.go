package store_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// FuzzParseNominationCSV: an upload is untrusted. For any bytes the parser
// does not panic, refuses with a *models.UserError (nothing to import), or returns
// between 1 and MaxCSVRows rows of trimmed UTF-8 cells in file order, none
// of them empty.
func FuzzParseNominationCSV(f *testing.F) {
	for _, s := range []string{
		"\ufeffcpr;mobil;email;valgsted;opgavetype;navn\n010170-4001;20304050;soeren@example.dk;1;TF;Søren\n",
		"cpr,valgsted,opgavetype\n0101704016,2,\n",
		"cpr;valgsted;opgavetype;navn\n0101704016;1;TF;Fr\xf8lund\n",
		"cpr;valgsted;opgavetype\n\"0101704001;1;TF\n",
		"CPR-nummer;Afstemningsområde;Opgave\r\n0101704001;\"Sønderå Rådhus\";Tilforordnet\r\n;;\r\n",
		"cpr;valgsted\n1;2\n", "", "\ufeff", "cpr;valgsted;opgavetype\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := store.ParseNominationCSV(data)
		if err != nil {
			var ue *models.UserError
			if !errors.As(err, &ue) || rows != nil {
				t.Fatalf("error %v (%T) with %d rows", err, err, len(rows))
			}
			return
		}
		if len(data) > store.MaxCSVBytes {
			t.Fatalf("a file of %d bytes was read", len(data))
		}
		if len(rows) == 0 || len(rows) > store.MaxCSVRows {
			t.Fatalf("%d rows", len(rows))
		}
		last := 1 // the header's line
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("line %d after line %d", r.Line, last)
			}
			last = r.Line
			cells := []string{r.CPR, r.Mobile, r.Email, r.Station, r.TaskType, r.Name}
			empty := true
			for _, c := range cells {
				if !utf8.ValidString(c) || strings.TrimSpace(c) != c {
					t.Fatalf("line %d: cell %q is not trimmed UTF-8", r.Line, c)
				}
				empty = empty && c == ""
			}
			if empty {
				t.Fatalf("line %d: an empty row", r.Line)
			}
		}
	})
}
