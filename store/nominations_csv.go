package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// Limits of a nomination upload: a municipality has at most a few thousand
// election workers, and a file is read into memory whole.
const (
	MaxCSVBytes = 1 << 20
	MaxCSVRows  = models.MaxCSVRows
)

// CSVRow is one data row of a nomination upload, as typed. Line is its line
// in the file (the header is line 1), what a spreadsheet shows.
type CSVRow struct {
	Line                                        int
	CPR, Mobile, Email, Station, TaskType, Name string
}

// csvColumns maps the header names a file may use (lower-cased) to the
// field they fill.
var csvColumns = map[string]string{
	"cpr": "cpr", "cpr-nummer": "cpr", "cpr-nr": "cpr", "cprnummer": "cpr",
	"mobil": "mobile", "mobile": "mobile", "mobilnummer": "mobile", "telefon": "mobile", "phone": "mobile",
	"email": "email", "e-mail": "email", "mail": "email",
	"valgsted": "station", "station": "station", "afstemningsområde": "station", "polling station": "station",
	"opgavetype": "tasktype", "opgave": "tasktype", "task type": "tasktype", "tasktype": "tasktype",
	"navn": "name", "name": "name",
}

// ParseNominationCSV reads an upload: UTF-8 with or without a byte-order
// mark, ';' or ',' between fields, a header row naming at least the CPR,
// station and task type columns. Any problem with the file as a whole is a
// UserError, and then nothing is to be imported.
func ParseNominationCSV(data []byte) ([]CSVRow, error) {
	if len(data) > MaxCSVBytes {
		return nil, models.Refuse("error.csv.toolarge", MaxCSVBytes/1024)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, models.Refuse("error.csv.notutf8")
	}
	header, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ','
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	names, err := r.Read()
	if err == io.EOF {
		return nil, models.Refuse("error.csv.empty")
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, n := range names {
		if field, ok := csvColumns[strings.ToLower(strings.TrimSpace(n))]; ok {
			if _, dup := col[field]; !dup {
				col[field] = i
			}
		}
	}
	for _, need := range []struct{ field, name string }{{"cpr", "cpr"}, {"station", "valgsted"}, {"tasktype", "opgavetype"}} {
		if _, ok := col[need.field]; !ok {
			return nil, models.Refuse("error.csv.nocolumn", need.name)
		}
	}
	var rows []CSVRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if len(rows) == MaxCSVRows {
			return nil, models.Refuse("error.csv.toomanyrows", MaxCSVRows)
		}
		line, _ := r.FieldPos(0)
		get := func(field string) string {
			if i, ok := col[field]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := CSVRow{Line: line, CPR: get("cpr"), Mobile: get("mobile"), Email: get("email"), Station: get("station"),
			TaskType: get("tasktype"), Name: get("name")}
		if row == (CSVRow{Line: line}) {
			continue // a row of empty cells, as spreadsheets write them
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, models.Refuse("error.csv.norows")
	}
	return rows, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return models.Refuse("error.csv.unreadable", pe.StartLine)
	}
	return err
}

// RowPlacer looks up, checks and places the person of a row that has passed
// the checks of the file (the use case that nominates anyone: recruit). It
// returns the name the register gives. A refusal (*UserError,
// *models.UserError, models.ErrForbidden) refuses the row; an error wrapping
// ErrRegisterFailed stops the import (the register could not answer); any
// other error ends it.
type RowPlacer func(ctx context.Context, row PlaceRow) (name string, err error)

// PlaceRow is a checked row: who, with what contact data, and where.
type PlaceRow struct {
	CPR           models.CPR
	Mobile, Email string
	To            models.Placement
}

// ImportTarget is what an upload fills: the party's slots on the election
// day, or (Reserve) the party's reserve lists of the rows' stations.
type ImportTarget struct {
	ElectionID, PartyID int64
	Reserve             bool
}

// RowResult is the outcome of one row. It never holds the CPR number: the
// line and at most the masked number identify the row.
type RowResult struct {
	Line      int
	MaskedCPR string
	Name      string
	OK        bool
	Reason    *models.UserError // why the row was refused; nil when OK
}

// ImportReport is the answer to an upload: every row's outcome, in order.
type ImportReport struct {
	Rows     []RowResult
	Imported int
	// Stopped is the error of a CPR register that could not answer: the
	// rows from there on are not imported (their Reason says so).
	Stopped error
}

// errRegisterDown marks the rows not processed after the register failed.
var errRegisterDown = models.Refuse("error.csv.registerdown")

// ImportNominations imports an upload row by row: each row is checked (CPR
// number, contact data, station, task type, not twice in the file), the
// person looked up and checked for eligibility, registered on the party's
// list (or found) and placed — into a vacant slot of the party's at the
// station for the task type on the election day, or on the reserve list —
// in one transaction per row. Good rows are imported even when others are
// bad. A party secretary imports for their own party only.
func ImportNominations(ctx context.Context, db *gorm.DB, actor models.User, target ImportTarget,
	rows []CSVRow, place RowPlacer) (ImportReport, error) {
	var report ImportReport
	db = db.WithContext(ctx)
	if !isStaff(actor) && (actor.Role != models.RolePartySecretary || actor.PartyID == nil || *actor.PartyID != target.PartyID) {
		return report, models.ErrForbidden
	}
	election, err := openElection(db, target.ElectionID)
	if err != nil {
		return report, err
	}
	var stations []models.PollingStation
	var types []models.TaskType
	if err := db.Find(&stations).Error; err != nil {
		return report, err
	}
	if err := db.Find(&types).Error; err != nil {
		return report, err
	}
	seen := map[string]int{}
	for _, row := range rows {
		res := RowResult{Line: row.Line, Name: echo(row.Name)}
		if report.Stopped != nil {
			res.Reason = errRegisterDown
			report.Rows = append(report.Rows, res)
			continue
		}
		name, err := importRow(db, actor, target, election, stations, types, seen, row, place, &res)
		var ue *models.UserError
		switch {
		case err == nil:
			res.OK = true
			if res.Name == "" {
				res.Name = name
			}
			report.Imported++
		case errors.Is(err, ErrRegisterFailed):
			report.Stopped = err
			res.Reason = errRegisterDown
		case errors.As(err, &ue):
			res.Reason = ue
		case errors.Is(err, models.ErrForbidden):
			res.Reason = models.Refuse("error.csv.forbidden")
		default:
			return report, err
		}
		report.Rows = append(report.Rows, res)
	}
	return report, nil
}

// ErrRegisterFailed marks a CPR register failure during an import.
var ErrRegisterFailed = errors.New("CPR register lookup failed")

// importRow does one row; a UserError or models.ErrForbidden refuses the row alone.
func importRow(db *gorm.DB, actor models.User, target ImportTarget, election models.Election,
	stations []models.PollingStation, types []models.TaskType, seen map[string]int, row CSVRow, place RowPlacer,
	res *RowResult) (string, error) {
	number, err := models.ParseCPR(row.CPR)
	if err != nil {
		return "", err
	}
	res.MaskedCPR = number.Masked()
	if first, ok := seen[number.Digits()]; ok {
		return "", models.Refuse("error.csv.cprtwice", first)
	}
	seen[number.Digits()] = row.Line
	station, ok := findStation(stations, row.Station)
	if !ok {
		return "", models.Refuse("error.csv.station", echo(row.Station))
	}
	var tt models.TaskType
	if !target.Reserve || row.TaskType != "" {
		if tt, ok = findTaskType(types, row.TaskType); !ok {
			return "", models.Refuse("error.csv.tasktype", echo(row.TaskType))
		}
	}
	if err := CheckContact(row.Mobile, row.Email, models.ChannelDefault, ""); err != nil {
		return "", err
	}
	to := models.Placement{ElectionID: election.ID, PartyID: target.PartyID, StationID: station.ID, TaskTypeID: tt.ID,
		Day: election.ElectionDay, Reserve: target.Reserve}
	// What can be refused without the register is refused before it is
	// asked: a lookup is logged against the person.
	stationID := station.ID
	if err := mayNominate(db, actor, target.PartyID, &stationID); err != nil {
		return "", err
	}
	if !target.Reserve {
		if tt.AppointedOnly && !isStaff(actor) {
			return "", models.ErrForbidden
		}
		vacant, err := vacantSlots(db, election.ID, station.ID, tt.ID, election.ElectionDay, target.PartyID)
		if err != nil {
			return "", err
		}
		if len(vacant) == 0 {
			return "", models.Refuse("error.csv.novacancy", tt.Name, station.Name)
		}
	}
	name, err := place(db.Statement.Context, PlaceRow{CPR: number, Mobile: row.Mobile, Email: row.Email, To: to})
	var key *models.UserError
	if errors.Is(err, ErrNoVacancy) && !errors.Is(err, ErrRegisterFailed) && !errors.As(err, &key) {
		return "", models.Refuse("error.csv.novacancy", tt.Name, station.Name)
	}
	return name, err
}

// findStation finds a station by its afstemningsområde number or its name.
func findStation(stations []models.PollingStation, s string) (models.PollingStation, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		for _, st := range stations {
			if st.IsPollingStation() && st.District == n {
				return st, true
			}
		}
		return models.PollingStation{}, false
	}
	for _, st := range stations {
		if s != "" && strings.EqualFold(st.Name, s) {
			return st, true
		}
	}
	return models.PollingStation{}, false
}

// findTaskType finds a task type by its short name or its name.
func findTaskType(types []models.TaskType, s string) (models.TaskType, bool) {
	s = strings.TrimSpace(s)
	for _, t := range types {
		if s != "" && (strings.EqualFold(t.ShortName, s) || strings.EqualFold(t.Name, s)) {
			return t, true
		}
	}
	return models.TaskType{}, false
}

// echo returns a cell for the report, or "…" when it could hold a CPR
// number (columns in the wrong order) or is too long to show.
func echo(s string) string {
	if cprLike.MatchString(s) || utf8.RuneCountInString(s) > 80 {
		return "…"
	}
	return s
}
