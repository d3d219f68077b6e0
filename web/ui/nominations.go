package ui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// maxBody caps every request body; the largest legitimate one is a
// nomination upload (recruit.MaxCSVBytes) with its form around it. A bigger
// body is refused before anything reads it (the CSRF check parses forms).
const maxBody = recruit.MaxCSVBytes + 64<<10

func (s *server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxBody {
		s.render(c, http.StatusRequestEntityTooLarge, "error.html", "nominations.toolarge", map[string]any{"Message": "nominations.toolarge"})
		c.Abort()
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	}
	c.Next()
}

// nominationElections lists the elections one can nominate for: a party
// secretary sees the active ones, staff every one that is not closed.
func (s *server) nominationElections(c *gin.Context) {
	es, err := s.Recruit.NominationElections(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "nominations_elections.html", "nominations.title", map[string]any{"Elections": es})
}

// electionOf loads the election of the :id parameter; false (with a 404
// written) when there is none, or when it is a draft a party secretary
// has no business with.
func (s *server) electionOf(c *gin.Context) (models.Election, bool) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	e, err := s.Recruit.NominationElection(c.Request.Context(), *site.User(c), id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return e, false
	case err != nil:
		s.fail(c, err)
		return e, false
	}
	return e, true
}

// partyOf is the party a page or form is about: a party secretary's own,
// for staff the one chosen (raw, from ?parti= or the form); zero when
// staff have chosen none.
func (s *server) partyOf(c *gin.Context, raw string) (models.Party, error) {
	id, _ := strconv.ParseInt(raw, 10, 64)
	return s.Recruit.NominationParty(c.Request.Context(), *site.User(c), id)
}

// formTarget is the election and party a nomination form posts for; it
// answers the request itself (404, 500) when there is none.
func (s *server) formTarget(c *gin.Context) (models.Election, models.Party, bool) {
	e, ok := s.electionOf(c)
	if !ok {
		return e, models.Party{}, false
	}
	party, err := s.partyOf(c, c.PostForm("party_id"))
	if err != nil {
		s.fail(c, err)
		return e, party, false
	}
	if party.ID == 0 {
		s.notFound(c)
		return e, party, false
	}
	return e, party, true
}

// personOption is a person of the party's list to pick: the name and the
// masked CPR number, never more.
type personOption struct {
	ID        int64
	Name      string
	MaskedCPR string
}

// nominationPage shows a party's slots in an election, cell by cell, with
// who holds them, the forms to nominate by CPR number or from the party's
// list, the reserve list and the CSV upload.
func (s *server) nominationPage(c *gin.Context) {
	e, ok := s.electionOf(c)
	if !ok {
		return
	}
	party, err := s.partyOf(c, c.Query("parti"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderNominations(c, http.StatusOK, e, party, nominationsView{
		Notice: noticeOf(c, "nominations.done", "nominations.reserved", "nominations.removed", "nominations.reserveremoved")})
}

// nominationsView is an election's nomination page for a party: its
// cells and who holds them, the forms to nominate, the reserve list and the
// CSV upload, and what the last form left to say.
type nominationsView struct {
	Page
	refusal
	Party                         models.Party
	MayWrite, IsStaff, NoRegister bool
	MaxRows                       int
	Parties                       []models.Party // staff choose the party
	Cells, OpenCells              []models.NominationCell
	Reserves                      []models.ReserveEntry
	People                        []personOption
	Stations                      []models.PollingStation
	Notice                        string
	Mobile, Email                 string // typed in the refused form
}

func (s *server) renderNominations(c *gin.Context, status int, e models.Election, party models.Party, v nominationsView) {
	u := *site.User(c)
	v.Election, v.Party = e, party
	v.MayWrite = site.Registrar.Allows(&u) && e.State != models.ElectionClosed
	v.IsStaff = site.StaffWrite.Allows(&u)
	v.NoRegister = !s.Recruit.HasRegister()
	v.MaxRows = s.Recruit.UploadRows(c.Request.Context(), u) // a party secretary's cap (lookuplimit.go)
	page, err := s.Recruit.NominationPage(c.Request.Context(), u, e.ID, party.ID)
	if errors.Is(err, models.ErrForbidden) {
		s.forbidden(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if u.Role != models.RolePartySecretary {
		v.Parties = page.Parties
	}
	if party.ID != 0 {
		// The cells the nomination form offers: vacant ones, of task
		// types the user may fill.
		for _, cell := range page.Cells {
			if cell.Vacant > 0 && (!cell.TaskType.AppointedOnly || v.IsStaff) {
				v.OpenCells = append(v.OpenCells, cell)
			}
		}
		v.People = make([]personOption, len(page.People))
		for i, p := range page.People {
			v.People[i] = personOption{p.ID, p.Name, maskedCPR(p)}
		}
		v.Cells, v.Reserves, v.Stations = page.Cells, page.Reserves, page.Stations
	}
	s.renderView(c, status, "nominations.html", "nominations.title", &v)
}

// placementOf reads where the nomination form puts the person: a cell
// ("station/task type/day") or the reserve list of a station ("" for the
// whole municipality).
func placementOf(c *gin.Context, e models.Election, partyID int64) (models.Placement, bool) {
	to := models.Placement{ElectionID: e.ID, PartyID: partyID}
	if c.PostForm("target") == "reserve" {
		to.Reserve = true
		if raw := c.PostForm("reserve_station"); raw != "" {
			id, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return to, false
			}
			to.StationID = id
		}
		return to, true
	}
	parts := strings.Split(c.PostForm("cell"), "/")
	if len(parts) != 3 {
		return to, false
	}
	var err1, err2, err3 error
	to.StationID, err1 = strconv.ParseInt(parts[0], 10, 64)
	to.TaskTypeID, err2 = strconv.ParseInt(parts[1], 10, 64)
	to.Day, err3 = models.ParseDate(parts[2])
	return to, err1 == nil && err2 == nil && err3 == nil
}

// nominate puts one person on a vacant slot of a cell or on the reserve
// list: typed in by CPR number (registered on the party's list on the way)
// or picked from the party's list (recruit.Nominate).
func (s *server) nominate(c *gin.Context) {
	e, party, ok := s.formTarget(c)
	if !ok {
		return
	}
	again := func(status int, r refusal) {
		s.renderNominations(c, status, e, party, nominationsView{refusal: r, Mobile: c.PostForm("mobile"), Email: c.PostForm("email")})
	}
	to, ok := placementOf(c, e, party.ID)
	if !ok {
		again(http.StatusUnprocessableEntity, refusal{ErrorKey: "nominations.where"})
		return
	}
	in := recruit.Nomination{ElectionID: e.ID, To: to,
		Person: recruit.Person{CPR: c.PostForm("cpr"), Mobile: c.PostForm("mobile"), Email: c.PostForm("email")}}
	if raw := c.PostForm("participant_id"); raw != "" {
		in.ParticipantID, _ = strconv.ParseInt(raw, 10, 64)
		if in.ParticipantID < 1 {
			s.notFound(c)
			return
		}
	}
	_, err := s.Recruit.Nominate(c.Request.Context(), *site.User(c), in)
	if s.pageRefused(c, err, again) {
		return
	}
	notice := "nominations.done"
	if to.Reserve {
		notice = "nominations.reserved"
	}
	s.backToPage(c, e, party, notice)
}

func (s *server) backToPage(c *gin.Context, e models.Election, party models.Party, notice string) {
	q := url.Values{"besked": {notice}}
	if site.User(c).Role != models.RolePartySecretary {
		q.Set("parti", strconv.FormatInt(party.ID, 10))
	}
	c.Redirect(http.StatusSeeOther, "/valg/"+strconv.FormatInt(e.ID, 10)+"/indstilling?"+q.Encode())
}

// unnominate takes a person off a slot they were nominated to and not yet
// invited to.
func (s *server) unnominate(c *gin.Context) {
	s.takeOff(c, "nominations.removed", func(ctx context.Context, u models.User, id int64) error {
		return s.Recruit.Unnominate(ctx, u, id)
	}, "assignment_id")
}

// removeReserve takes a person off the reserve list.
func (s *server) removeReserve(c *gin.Context) {
	s.takeOff(c, "nominations.reserveremoved", func(ctx context.Context, u models.User, id int64) error {
		return s.Recruit.RemoveReserve(ctx, u, id)
	}, "reserve_id")
}

func (s *server) takeOff(c *gin.Context, notice string, remove func(context.Context, models.User, int64) error, field string) {
	e, ok := s.electionOf(c)
	if !ok {
		return
	}
	party, err := s.partyOf(c, c.PostForm("party_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	id, _ := strconv.ParseInt(c.PostForm(field), 10, 64)
	err = remove(c.Request.Context(), *site.User(c), id)
	if s.pageRefused(c, err, func(status int, r refusal) { s.renderNominations(c, status, e, party, nominationsView{refusal: r}) }) {
		return
	}
	s.backToPage(c, e, party, notice)
}

// uploadNominations imports a CSV file of people to nominate into the
// party's vacant slots (or onto its reserve lists) and answers with a
// report row by row. The good rows are imported even when others are bad
// (422 when none is); a file that cannot be read as a whole imports nothing.
func (s *server) uploadNominations(c *gin.Context) {
	e, party, ok := s.formTarget(c)
	if !ok {
		return
	}
	again := func(status int, r refusal) { s.renderNominations(c, status, e, party, nominationsView{refusal: r}) }
	if !s.Recruit.HasRegister() {
		again(http.StatusServiceUnavailable, refusal{ErrorKey: "participants.noregister"})
		return
	}
	file, header, err := c.Request.FormFile("file")
	if err != nil {
		again(http.StatusUnprocessableEntity, refusal{ErrorKey: "nominations.nofile"})
		return
	}
	defer file.Close()
	if header.Size > recruit.MaxCSVBytes {
		again(http.StatusRequestEntityTooLarge, refusal{ErrorKey: "nominations.toolarge"})
		return
	}
	data, err := io.ReadAll(io.LimitReader(file, recruit.MaxCSVBytes+1))
	if err != nil {
		s.fail(c, err)
		return
	}
	report, err := s.Recruit.ImportNominations(c.Request.Context(), *site.User(c), recruit.ImportTarget{ElectionID: e.ID,
		PartyID: party.ID, Reserve: c.PostForm("reserve") != ""}, data)
	if s.pageRefused(c, err, again) {
		return
	}
	// The report names every refused row by its line; a file of which no
	// row could be imported is refused as a whole.
	status := http.StatusOK
	switch {
	case report.Imported == 0 && report.Stopped != nil:
		status = http.StatusBadGateway
	case report.Imported == 0:
		status = http.StatusUnprocessableEntity
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, status, "nomination_report.html", "nominations.report", &nominationReportView{
		Election: e, Party: party, Report: report, Total: len(report.Rows), Back: backLink(c, e, party)})
}

// nominationReportView is what a CSV upload did, row by row.
type nominationReportView struct {
	Page
	Election models.Election
	Party    models.Party
	Report   recruit.ImportReport
	Total    int
	Back     string
}

func backLink(c *gin.Context, e models.Election, party models.Party) string {
	link := "/valg/" + strconv.FormatInt(e.ID, 10) + "/indstilling"
	if site.User(c).Role != models.RolePartySecretary {
		link += "?parti=" + strconv.FormatInt(party.ID, 10)
	}
	return link
}
