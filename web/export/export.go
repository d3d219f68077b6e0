// Package export writes tables as the files the municipality's staff open
// in Excel: CSV the way Danish Excel reads it (UTF-8 with a byte-order mark,
// semicolons) and XLSX with one sheet per table. It knows nothing of
// elections: the web handlers build the tables.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet is one table: a name (the XLSX sheet's), a header row and rows of
// cells. A cell is a string or an int (written as a number in XLSX).
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
	// Wide columns (by index) get room to write by hand in a printout,
	// such as a signature column.
	Wide []int
}

// bom makes Excel read a CSV file as UTF-8 (æ, ø, å).
const bom = "\ufeff"

// CSV writes one sheet as CSV for Danish Excel: UTF-8 with a BOM, ";"
// between fields (Danish Excel takes "," as the decimal mark).
func CSV(w io.Writer, s Sheet) error {
	cw, err := NewCSV(w, s.Header)
	if err != nil {
		return err
	}
	for _, row := range s.Rows {
		if err := cw.Row(row...); err != nil {
			return err
		}
	}
	return cw.Close()
}

// CSVWriter writes a CSV file as CSV does, a row at a time: for a table
// too long to hold in memory (the whole audit log). Each cell is made
// formula-safe as in CSV.
type CSVWriter struct{ cw *csv.Writer }

// NewCSV starts a CSV file with its header row.
func NewCSV(w io.Writer, header []string) (*CSVWriter, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true // what Excel writes and expects
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	return &CSVWriter{cw}, nil
}

// Row writes one row; a cell is a string or a number.
func (c *CSVWriter) Row(cells ...any) error {
	rec := make([]string, len(cells))
	for i, v := range cells {
		rec[i] = csvSafe(text(v))
	}
	return c.cw.Write(rec)
}

// Close writes what is buffered and reports any error of the writes.
func (c *CSVWriter) Close() error {
	c.cw.Flush()
	return c.cw.Error()
}

// csvSafe keeps Excel from reading a field as a formula ("CSV injection"):
// a name or diet text typed as "=HYPERLINK(...)" stays text.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || phoneNumber(s) {
		return s
	}
	return "'" + s
}

// phoneNumber: a mobile number in E.164 starts with "+" but is no formula.
func phoneNumber(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

// XLSX writes the sheets as one workbook, in order: bold, frozen header
// rows, columns as wide as their contents. Sheet names are made valid
// (at most 31 characters, none of []:*?/\) and unique.
func XLSX(w io.Writer, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if len(sheets) == 0 {
		sheets = []Sheet{{Name: "Ark1"}}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}})
	if err != nil {
		return err
	}
	lined, err := f.NewStyle(&excelize.Style{Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for i, s := range sheets {
		name := sheetName(s.Name, used)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := writeSheet(f, name, s, bold, lined); err != nil {
			return fmt.Errorf("sheet %d: %w", i+1, err)
		}
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

func writeSheet(f *excelize.File, name string, s Sheet, bold, lined int) error {
	widths := make([]int, len(s.Header))
	grow := func(i int, v string) {
		if i < len(widths) {
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	header := make([]any, len(s.Header))
	for i, h := range s.Header {
		header[i] = h
		grow(i, h)
	}
	if err := f.SetSheetRow(name, "A1", &header); err != nil {
		return err
	}
	for r, row := range s.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch v.(type) {
			case int, int64:
				cells[i] = v
			default:
				cells[i] = text(v) // strings stay text: never a formula
			}
			grow(i, text(v))
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(name, cell, &cells); err != nil {
			return err
		}
	}
	if len(s.Header) == 0 {
		return nil
	}
	last, _ := excelize.ColumnNumberToName(len(s.Header))
	if err := f.SetCellStyle(name, "A1", last+"1", bold); err != nil {
		return err
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		width := float64(min(max(wd, 6), 60)) + 2
		for _, wi := range s.Wide {
			if wi == i {
				width = 35
			}
		}
		if err := f.SetColWidth(name, col, col, width); err != nil {
			return err
		}
	}
	if len(s.Wide) > 0 && len(s.Rows) > 0 {
		// Room to sign by hand, with a line under each row.
		end, _ := excelize.CoordinatesToCellName(len(s.Header), len(s.Rows)+1)
		if err := f.SetCellStyle(name, "A2", end, lined); err != nil {
			return err
		}
		for r := range s.Rows {
			if err := f.SetRowHeight(name, r+2, 30); err != nil {
				return err
			}
		}
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, Split: false, XSplit: 0, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// sheetName makes name a valid, unused sheet name.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	name = strings.Trim(name, "'")
	if name == "" {
		name = "Ark"
	}
	name = truncate(name, 31)
	base := name
	for n := 2; used[strings.ToLower(name)]; n++ {
		suffix := " (" + strconv.Itoa(n) + ")"
		name = truncate(base, 31-utf8.RuneCountInString(suffix)) + suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
