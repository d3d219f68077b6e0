package ui

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/export"
	"github.com/valghalla/valghalla/web/site"
)

// Lists of the people staffing an election (/valg/:id/lister): a list the
// user filters and whose columns they choose, with a print view and CSV and
// XLSX downloads of exactly that list; and the ready-made exports in
// lists_export.go. The page is open to every user: the store scopes it, so
// a party secretary gets their own party's people (and stations) only, as
// in the overview. People with name and address protection are on every
// list: for staff marked in a column of their own (protectedColumn), for a
// party secretary by name only (the store leaves out their contact data).

// listColumn is one column the user may choose.
type listColumn struct {
	Key   string // the query value (?kol=navn)
	Label string // message key
	value func(r models.ListRow, t func(string, ...any) string) any
}

var listColumns = []listColumn{
	{"valgsted", "lists.col.station", func(r models.ListRow, _ func(string, ...any) string) any { return r.Station.Name }},
	{"omraade", "lists.col.district", func(r models.ListRow, _ func(string, ...any) string) any { return districtCell(r.Station) }},
	{"opgave", "lists.col.tasktype", func(r models.ListRow, _ func(string, ...any) string) any { return r.TaskType.Name }},
	{"dag", "lists.col.day", func(r models.ListRow, _ func(string, ...any) string) any { return exportDate(r.Day) }},
	{"parti", "lists.col.party", func(r models.ListRow, _ func(string, ...any) string) any { return partyLabel(r.Party) }},
	{"navn", "lists.col.name", func(r models.ListRow, _ func(string, ...any) string) any { return r.Name }},
	{"status", "lists.col.state", func(r models.ListRow, t func(string, ...any) string) any { return t("astate." + string(r.State)) }},
	{"kost", "lists.col.diet", func(r models.ListRow, _ func(string, ...any) string) any { return r.SpecialDiet }},
	{"diaet", "lists.col.allowance", func(r models.ListRow, _ func(string, ...any) string) any { return r.AllowanceKr() }},
	{"mobil", "lists.col.mobile", func(r models.ListRow, _ func(string, ...any) string) any { return r.Mobile }},
	{"email", "lists.col.email", func(r models.ListRow, _ func(string, ...any) string) any { return r.Email }},
}

// defaultListColumns are shown until the user chooses.
var defaultListColumns = []string{"valgsted", "omraade", "opgave", "dag", "parti", "navn", "status"}

// exportDate writes a day the Danish way, as Danish Excel reads it.
func exportDate(d models.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.In(models.Copenhagen).Format("02-01-2006")
}

// listForm is the list's filter and columns, from the query string so a
// list can be bookmarked, printed and downloaded as shown.
type listForm struct {
	Filter   models.ListFilter
	Columns  []string // chosen column keys, in listColumns order
	ticked   map[string]map[string]bool
	oneParty bool // a party secretary's list: no party column, no protected column
}

func queryIDs(c *gin.Context, name string) []int64 {
	var ids []int64
	for _, v := range c.QueryArray(name) {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// listFilterOf is the list's filter, from the query string.
func listFilterOf(c *gin.Context) models.ListFilter {
	f := models.ListFilter{StationIDs: queryIDs(c, "valgsted"), TaskTypeIDs: queryIDs(c, "opgave"), PartyIDs: queryIDs(c, "parti")}
	for _, v := range c.QueryArray("status") {
		if slices.Contains(people.ListStates, models.AssignmentState(v)) {
			f.States = append(f.States, models.AssignmentState(v))
		}
	}
	if d, err := models.ParseDate(c.Query("dag")); err == nil {
		f.Day = d
	}
	return f
}

// listFormOf is the form of a list read with filter; oneParty (a party
// secretary's list) has no party column.
func listFormOf(c *gin.Context, filter models.ListFilter, oneParty bool) listForm {
	f := listForm{Filter: filter, ticked: map[string]map[string]bool{}, oneParty: oneParty}
	chosen := c.QueryArray("kol")
	if len(chosen) == 0 {
		chosen = defaultListColumns
	}
	for _, col := range listColumns {
		if slices.Contains(chosen, col.Key) && !(oneParty && col.Key == "parti") {
			f.Columns = append(f.Columns, col.Key)
		}
	}
	for _, name := range []string{"valgsted", "opgave", "parti", "status", "kol"} {
		f.ticked[name] = map[string]bool{}
		for _, v := range c.QueryArray(name) {
			f.ticked[name][v] = true
		}
	}
	for _, k := range f.Columns {
		f.ticked["kol"][k] = true
	}
	return f
}

func (f listForm) choice(name, value, label string) choice {
	return choice{Value: value, Label: label, Checked: f.ticked[name][value]}
}

// protectedColumn marks a person with name and address protection. It is
// no choice: a staff list with such a person on it always has it, so that
// nobody is mistaken for someone whose address may be looked up and used.
var protectedColumn = listColumn{"beskyttet", "protect.col", func(r models.ListRow, t func(string, ...any) string) any {
	return protectedMark(r.Protected, t)
}}

// protectedMark is the cell of the protected column: "ja" or empty.
func protectedMark(protected bool, t func(string, ...any) string) string {
	if protected {
		return t("protect.yes")
	}
	return ""
}

// sheet is the list as a table with the chosen columns (and, on a staff
// list with a protected person on it, protectedColumn).
func (f listForm) sheet(t func(string, ...any) string, rows []models.ListRow) export.Sheet {
	var cols []listColumn
	for _, col := range listColumns {
		if slices.Contains(f.Columns, col.Key) {
			cols = append(cols, col)
		}
	}
	if !f.oneParty && slices.ContainsFunc(rows, func(r models.ListRow) bool { return r.Protected }) {
		cols = append(cols, protectedColumn)
	}
	s := export.Sheet{Name: t("lists.title")}
	for _, col := range cols {
		s.Header = append(s.Header, t(col.Label))
	}
	for _, r := range rows {
		row := make([]any, len(cols))
		for i, col := range cols {
			row[i] = col.value(r, t)
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

func electionIDOf(c *gin.Context) int64 { return queryID(c.Param("id")) }

// lists shows the list page, or its print view (?print=1).
func (s *server) lists(c *gin.Context) {
	u := *site.User(c)
	filter := listFilterOf(c)
	v, err := s.People.List(c.Request.Context(), u, electionIDOf(c), filter)
	if err != nil {
		s.readFailed(c, err)
		return
	}
	scope, rows := v.Scope, v.Rows
	form := listFormOf(c, filter, scope.OneParty)
	t := site.T(c)
	var stations, taskTypes, parties, states, columns []choice
	for _, st := range scope.Stations {
		stations = append(stations, form.choice("valgsted", strconv.FormatInt(st.ID, 10), st.Label()))
	}
	for _, tt := range scope.TaskTypes {
		taskTypes = append(taskTypes, form.choice("opgave", strconv.FormatInt(tt.ID, 10), tt.Name))
	}
	for _, p := range scope.Parties {
		parties = append(parties, form.choice("parti", strconv.FormatInt(p.ID, 10), partyLabel(p)))
	}
	for _, st := range people.ListStates {
		states = append(states, form.choice("status", string(st), t("astate."+string(st))))
	}
	for _, col := range listColumns {
		if scope.OneParty && col.Key == "parti" {
			continue
		}
		columns = append(columns, form.choice("kol", col.Key, t(col.Label)))
	}
	filters := []filterGroup{{"valgsted", "lists.filter.stations", stations}, {"opgave", "lists.filter.tasktypes", taskTypes}}
	if !scope.OneParty {
		filters = append(filters, filterGroup{"parti", "lists.filter.parties", parties})
	}
	filters = append(filters, filterGroup{"status", "lists.filter.states", states}, filterGroup{"kol", "lists.filter.columns", columns})
	// The query of the shown list, for the print view and the downloads.
	q := c.Request.URL.Query()
	q.Del("print")
	q.Del("lang")
	c.Header("Cache-Control", "no-store")
	s.renderView(c, http.StatusOK, "lists.html", "lists.title", &listsView{
		Scope: scope, Election: scope.Election, Filters: filters, Form: form, Days: scope.Election.TaskDays(),
		Sheet: form.sheet(t, rows), Count: len(rows), Query: q.Encode(), Print: c.Query("print") != "",
		MayExport: site.StaffOnly.Allows(&u), MaySystemExport: site.StaffWrite.Allows(&u),
	})
}

// listsView is the lists page: the filters chosen and the list they give.
type listsView struct {
	Page
	Scope                      models.ListScope
	Election                   models.Election
	Filters                    []filterGroup
	Form                       listForm
	Days                       []models.Date
	Sheet                      export.Sheet
	Count                      int
	Query                      string
	Print                      bool
	MayExport, MaySystemExport bool
}

// listDownload sends the list as shown on the page, as CSV or XLSX.
func (s *server) listDownload(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	filter := listFilterOf(c)
	v, err := s.People.ExportList(c.Request.Context(), *site.User(c), electionIDOf(c), filter, format)
	if err != nil {
		s.readFailed(c, err)
		return
	}
	sheet := listFormOf(c, filter, v.Scope.OneParty).sheet(site.T(c), v.Rows)
	s.writeExport(c, v.Scope.Election.ID, "liste", format, []export.Sheet{sheet}, sheet)
}

// exportFormat is the :format of an export's address: csv or xlsx.
func exportFormat(c *gin.Context) (string, bool) {
	f := c.Param("format")
	return f, f == "csv" || f == "xlsx"
}

// writeExport sends an export already recorded (the use case records it):
// the XLSX workbook with sheets, or the CSV file of flat. The file name
// says the list and the election. The file is built in memory first, so a
// failure is a clean error page, not half a file.
func (s *server) writeExport(c *gin.Context, electionID int64, list, format string, sheets []export.Sheet, flat export.Sheet) {
	var buf bytes.Buffer
	contentType := "text/csv; charset=utf-8"
	var err error
	if format == "xlsx" {
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = export.XLSX(&buf, sheets...)
	} else {
		err = export.CSV(&buf, flat)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	name := list + "-valg-" + strconv.FormatInt(electionID, 10) + "." + format
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, contentType, buf.Bytes())
}

// districtCell is a station's afstemningsområde in a list's cell: empty for
// a work location, which has none.
func districtCell(st models.PollingStation) any {
	if st.District == 0 {
		return ""
	}
	return st.District
}
