package ui

import (
	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/export"
	"github.com/valghalla/valghalla/web/site"
)

// The ready-made exports of an election's lists. Each is of the people who
// serve (confirmed or completed) and is written to the audit log. People
// with name and address protection are on each, like anyone else, marked
// in a column of their own ("Adressebeskyttet: ja"); no export holds an
// address.

// servingList is a ready-made export's rows, in its order, the export
// recorded; ok is false when a page was already sent.
func (s *server) servingList(c *gin.Context, list people.ServingExport) (models.Election, []models.ListRow, string, bool) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return models.Election{}, nil, "", false
	}
	e, rows, err := s.People.ExportServing(c.Request.Context(), *site.User(c), electionIDOf(c), list, format)
	if err != nil {
		s.readFailed(c, err)
		return models.Election{}, nil, "", false
	}
	return e, rows, format, true
}

// stationSheets is the list for the election day at each polling station,
// with a column to sign in: one sheet per station in XLSX, one file with a
// station column in CSV.
func (s *server) stationSheets(c *gin.Context) {
	t := site.T(c)
	e, rows, format, ok := s.servingList(c, people.StationSheets)
	if !ok {
		return
	}
	header := []string{t("lists.col.name"), t("lists.col.tasktype"), t("lists.col.party"), t("lists.col.mobile"), t("protect.col"),
		t("lists.col.attendance"), t("lists.col.signature")}
	flat := export.Sheet{Name: t("lists.stations.title"),
		Header: append([]string{t("lists.col.station"), t("lists.col.district")}, header...), Wide: []int{len(header) + 1}}
	var sheets []export.Sheet
	for i, r := range rows {
		if i == 0 || r.Station.ID != rows[i-1].Station.ID {
			sheets = append(sheets, export.Sheet{Name: r.Station.Label(),
				Header: header, Wide: []int{len(header) - 1}})
		}
		row := []any{r.Name, r.TaskType.Name, partyShort(r.Party), r.Mobile, protectedMark(r.Protected, t), attendanceMark(r, t), ""}
		sheets[len(sheets)-1].Rows = append(sheets[len(sheets)-1].Rows, row)
		flat.Rows = append(flat.Rows, append([]any{r.Station.Name, districtCell(r.Station)}, row...))
	}
	if len(sheets) == 0 {
		sheets = []export.Sheet{{Name: t("lists.stations.title"), Header: header}}
	}
	s.writeExport(c, e.ID, string(people.StationSheets), format, sheets, flat)
}

// attendanceMark is the day's check-in mark of a serving row: present (a
// completed task counts as present), or empty while nobody has marked it.
// Those marked absent are no-shows and on neither list; the diæt list pays
// the confirmed and the completed, and at the end of the task day the
// lifecycle leaves only those marked present completed (the rest no-shows).
func attendanceMark(r models.ListRow, t func(string, ...any) string) string {
	if r.Attendance == models.AttendancePresent || r.State == models.StateCompleted {
		return t("checkin.mark.present")
	}
	return ""
}

// partyShort is a party's letter, or a pool's name.
func partyShort(p models.Party) string {
	if p.Letter != "" {
		return p.Letter
	}
	return p.Name
}

// allowanceList is the diæt list: every task of each person who served,
// with the allowance, and the person's total on their last row; a grand
// total at the end.
func (s *server) allowanceList(c *gin.Context) {
	t := site.T(c)
	e, rows, format, ok := s.servingList(c, people.AllowanceList)
	if !ok {
		return
	}
	sheet := export.Sheet{Name: t("lists.allowance.title"), Header: []string{t("lists.col.name"), t("lists.col.tasktype"),
		t("lists.col.day"), t("lists.col.station"), t("lists.col.allowance"), t("lists.col.persontotal"), t("protect.col"),
		t("lists.col.attendance")}}
	total, personTotal := 0, 0
	for i, r := range rows {
		personTotal += r.AllowanceKr()
		total += r.AllowanceKr()
		var sum any = ""
		if i == len(rows)-1 || rows[i+1].ParticipantID != r.ParticipantID {
			sum, personTotal = personTotal, 0
		}
		sheet.Rows = append(sheet.Rows, []any{r.Name, r.TaskType.Name, exportDate(r.Day), r.Station.Name, r.AllowanceKr(), sum,
			protectedMark(r.Protected, t), attendanceMark(r, t)})
	}
	sheet.Rows = append(sheet.Rows, []any{t("lists.total"), "", "", "", total, total, "", ""})
	s.writeExport(c, e.ID, string(people.AllowanceList), format, []export.Sheet{sheet}, sheet)
}

// dietList is the special diets of the people who serve, station by
// station, for the catering.
func (s *server) dietList(c *gin.Context) {
	t := site.T(c)
	e, rows, format, ok := s.servingList(c, people.DietList)
	if !ok {
		return
	}
	sheet := export.Sheet{Name: t("lists.diet.title"), Header: []string{t("lists.col.station"), t("lists.col.district"),
		t("lists.col.name"), t("lists.col.tasktype"), t("lists.col.day"), t("lists.col.diet"), t("protect.col")}}
	for _, r := range rows {
		sheet.Rows = append(sheet.Rows, []any{r.Station.Name, districtCell(r.Station), r.Name, r.TaskType.Name, exportDate(r.Day), r.SpecialDiet,
			protectedMark(r.Protected, t)})
	}
	s.writeExport(c, e.ID, string(people.DietList), format, []export.Sheet{sheet}, sheet)
}

// electionSystemHeader is the export's header: fixed, in Danish, since
// it is read by the election system rather than by a person. The last
// column marks a person with name and address protection ("ja"); the
// export holds no address for anyone.
var electionSystemHeader = []string{"Opgavetype", "Navn", "Fødselsdato", "Afstemningsområde", "CPR-nummer", "Adressebeskyttet"}

// electionSystemExport sends the people who serve with their full CPR
// numbers, for the election system. A POST with the CSRF token: it reveals
// CPR numbers and the store writes an audit entry for the export and one
// per person. Administrators and staff only.
func (s *server) electionSystemExport(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	id := electionIDOf(c)
	rows, err := s.People.ExportForElectionSystem(c.Request.Context(), *site.User(c), id, format)
	if err != nil {
		s.readFailed(c, err)
		return
	}
	sheet := export.Sheet{Name: "Valgsystem", Header: electionSystemHeader}
	for _, r := range rows {
		sheet.Rows = append(sheet.Rows, []any{r.TaskType, r.Name, exportDate(r.BirthDate), r.District, r.CPR,
			map[bool]string{true: "ja"}[r.Protected]})
	}
	s.writeExport(c, id, "valgsystem", format, []export.Sheet{sheet}, sheet)
}
