package ui

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// overview is the status overview, the start page of everyone logged in:
// one election's slots per area, station, task type and party, filtered by
// the GET form (?valg, ?dag, ?parti, ?opgave, ?valgsted), with the declined
// invitations under it. What a party secretary may see is decided in the
// store.
func (s *server) overview(c *gin.Context) {
	ctx := c.Request.Context()
	u := *site.User(c)
	var electionID int64 // 0: the first the chooser offers
	if v := c.Query("valg"); v != "" {
		if electionID = queryID(v); electionID == 0 {
			s.notFound(c)
			return
		}
	}
	// A value that does not parse filters nothing: the form offers only
	// valid ones, and a hand-edited address gets the whole picture.
	f := models.OverviewFilter{PartyID: queryID(c.Query("parti")), TaskTypeID: queryID(c.Query("opgave")),
		StationID: queryID(c.Query("valgsted"))}
	if d, err := models.ParseDate(c.Query("dag")); err == nil {
		f.Day = d
	}
	page, err := s.Recruit.OverviewPage(ctx, u, electionID, f)
	if err != nil {
		s.readFailed(c, err)
		return
	}
	v := &overviewView{OverviewPage: page}
	if len(page.Elections) > 0 && site.StaffOnly.Allows(&u) {
		// Messages no channel could deliver: staff look and send again.
		if v.FailedMessages, err = s.Messaging.CountFailedMessages(ctx, page.Overview.Election.ID); err != nil {
			s.readFailed(c, err)
			return
		}
	}
	v.OneParty = len(page.Overview.Parties) == 1
	v.DeclinedCapped = page.Overview.Total.Declined > len(page.Overview.Declined)
	s.renderView(c, http.StatusOK, "overview.html", "overview.title", v)
}

// overviewView is the status of one election (of those the user may
// choose) as the start page of a logged-in user shows it.
type overviewView struct {
	Page
	recruit.OverviewPage
	FailedMessages           int64 // staff only
	OneParty, DeclinedCapped bool
}

func queryID(v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// partyLabel names a party by letter and name ("A · Socialdemokratiet"),
// a pool by name.
func partyLabel(p models.Party) string {
	if p.Letter == "" {
		return p.Name
	}
	return p.Letter + " · " + p.Name
}

// countCells writes the eight number cells of an overview row, vacant ones
// emphasised. Built here rather than by a nested template: a staff overview
// has some 5,000 rows, and reflection per cell doubled its rendering time.
func countCells(c models.Counts) template.HTML {
	var b strings.Builder
	cell := func(n int) {
		b.WriteString("<td>")
		b.WriteString(strconv.Itoa(n))
		b.WriteString("</td>")
	}
	cell(c.Slots)
	if c.Vacant > 0 {
		b.WriteString("<td><strong>" + strconv.Itoa(c.Vacant) + "</strong></td>")
	} else {
		cell(0)
	}
	for _, n := range []int{c.Nominated, c.Invited, c.Confirmed, c.NoShow, c.Declined, c.Ended()} {
		cell(n)
	}
	return template.HTML(b.String()) // numbers only
}
