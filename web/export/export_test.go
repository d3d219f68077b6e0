package export_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/valghalla/valghalla/web/export"
)

func TestCSVIsForDanishExcel(t *testing.T) {
	var buf bytes.Buffer
	s := export.Sheet{Header: []string{"Navn", "Mobil", "Diæt (kr.)", "Kosthensyn"}, Rows: [][]any{
		{"Ærø; Jensen", "+4520304050", 1320, `=HYPERLINK("x")`},
		{"Åse \"Holm\"", "", 0, "-vegetar"},
	}}
	if err := export.CSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatal("no byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Navn", "Mobil", "Diæt (kr.)", "Kosthensyn"},
		{"Ærø; Jensen", "+4520304050", "1320", `'=HYPERLINK("x")`},
		{"Åse \"Holm\"", "", "0", "'-vegetar"}}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("record %d: %q, want %q", i, recs[i], want[i])
		}
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("lines do not end in CRLF")
	}
}

func TestXLSXHasASheetPerTable(t *testing.T) {
	var buf bytes.Buffer
	long := strings.Repeat("Ø", 40)
	err := export.XLSX(&buf,
		export.Sheet{Name: "1. Skole/Hal", Header: []string{"Navn", "Diæt"}, Rows: [][]any{{"Åse", 1320}, {"=1+1", 0}}},
		export.Sheet{Name: long, Header: []string{"Navn"}, Wide: []int{0}, Rows: [][]any{{"Zacho"}}},
		export.Sheet{Name: long, Header: []string{"Navn"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 3 || names[0] != "1. Skole-Hal" || names[1] != strings.Repeat("Ø", 31) || names[2] != strings.Repeat("Ø", 27)+" (2)" {
		t.Fatalf("sheets %q", names)
	}
	rows, _ := f.GetRows(names[0])
	if len(rows) != 3 || !slices.Equal(rows[0], []string{"Navn", "Diæt"}) || !slices.Equal(rows[1], []string{"Åse", "1320"}) {
		t.Errorf("rows %q", rows)
	}
	if ct, _ := f.GetCellType(names[0], "B2"); ct != excelize.CellTypeNumber && ct != excelize.CellTypeUnset {
		t.Errorf("allowance cell type %v, want a number", ct)
	}
	if formula, _ := f.GetCellFormula(names[0], "A3"); formula != "" {
		t.Errorf("a text became the formula %q", formula)
	}
	if v, _ := f.GetCellValue(names[0], "A3"); v != "=1+1" {
		t.Errorf("text cell %q", v)
	}
}
