package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/electionday"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// Check-in on the election day (electionday): staff see every station's
// counts (/valg/:id/fremmoede, refreshing itself) and a station's list
// with Mødt / Ikke mødt buttons (/valg/:id/fremmoede/:station), where they
// also name the station's leaders; a station leader signed in on Min side
// gets the same list for their own station (/minside/valgsted/:election/:station).
// Every id is checked by the use case: a leader's other station is 404.

// checkInNotices are the notes the check-in pages show after an action.
var checkInNotices = []string{"checkin.saved.present", "checkin.saved.absent", "checkin.leader.named", "checkin.leader.removed"}

// checkInView is a station's check-in list (staff's or a leader's page).
type checkInView struct {
	Page
	List    electionday.Station
	Action  string // where the marks are posted
	Notice  string
	Refusal string
	// Staff only: may name leaders.
	MayLead bool
	// Min side's layout (a leader's page).
	Self    string
	Name    string
	Contact models.Municipality
}

// checkInStationsView is an election's stations with their counts.
type checkInStationsView struct {
	Page
	Election models.Election
	Rows     []electionday.StationRow
}

func pathIDs(c *gin.Context, names ...string) []int64 {
	out := make([]int64, len(names))
	for i, n := range names {
		out[i], _ = strconv.ParseInt(c.Param(n), 10, 64)
	}
	return out
}

// checkInRefused answers models.ErrNotFound as the 404 page and any other
// error as pageRefused does; it reports whether there was an error.
func (s *server) checkInRefused(c *gin.Context, err error, again func(int, refusal)) bool {
	if errors.Is(err, models.ErrNotFound) {
		s.notFound(c)
		return true
	}
	if errors.Is(err, models.ErrForbidden) {
		s.forbidden(c)
		return true
	}
	return s.pageRefused(c, err, again)
}

// checkInStations is staff's overview of the day: per station, present,
// missing and not yet marked; the page reloads itself.
func (s *server) checkInStations(c *gin.Context) {
	id := pathIDs(c, "id")[0]
	e, rows, err := s.ElectionDay.Stations(c.Request.Context(), electionday.AsStaff(*site.User(c)), id)
	if s.checkInRefused(c, err, func(status int, r refusal) { s.fail(c, err) }) {
		return
	}
	s.renderView(c, http.StatusOK, "checkin_stations.html", "checkin.title",
		&checkInStationsView{Page: Page{Refresh: true}, Election: e, Rows: rows})
}

func staffCheckInPath(electionID, stationID int64) string {
	return fmt.Sprintf("/valg/%d/fremmoede/%d", electionID, stationID)
}

// checkInStation is staff's check-in list of one station.
func (s *server) checkInStation(c *gin.Context) {
	s.renderStaffCheckIn(c, http.StatusOK, noticeOf(c, checkInNotices...), "")
}

func (s *server) renderStaffCheckIn(c *gin.Context, status int, notice, refused string) {
	p := pathIDs(c, "id", "station")
	st, err := s.ElectionDay.StationStaff(c.Request.Context(), electionday.AsStaff(*site.User(c)), p[0], p[1])
	if s.checkInRefused(c, err, func(int, refusal) { s.fail(c, err) }) {
		return
	}
	s.renderView(c, status, "checkin_station.html", "checkin.station.title", &checkInView{List: st,
		Action: staffCheckInPath(p[0], p[1]), Notice: notice, Refusal: refused, MayLead: site.StaffWrite.Allows(site.User(c))})
}

// markFromForm reads the assignment and the mark of a check-in form.
func markFromForm(c *gin.Context) (int64, bool, bool) {
	id, err := strconv.ParseInt(c.PostForm("tildeling"), 10, 64)
	switch c.PostForm("fremmoede") {
	case "moedt":
		return id, true, err == nil
	case "ikke-moedt":
		return id, false, err == nil
	}
	return id, false, false
}

// staffCheckIn marks one person present or absent.
func (s *server) staffCheckIn(c *gin.Context) {
	p := pathIDs(c, "id", "station")
	id, present, ok := markFromForm(c)
	if !ok {
		s.renderStaffCheckIn(c, http.StatusBadRequest, "", site.T(c)("checkin.choose"))
		return
	}
	err := s.ElectionDay.CheckIn(c.Request.Context(), electionday.AsStaff(*site.User(c)), id, present)
	if s.checkInRefused(c, err, func(status int, r refusal) { s.renderStaffCheckIn(c, status, "", r.Error) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, staffCheckInPath(p[0], p[1])+"?besked="+savedNotice(present))
}

func savedNotice(present bool) string {
	if present {
		return "checkin.saved.present"
	}
	return "checkin.saved.absent"
}

// nameStationLeader names one of the station's people its leader.
func (s *server) nameStationLeader(c *gin.Context) {
	s.changeLeader(c, true)
}

// removeStationLeader takes a leader off the station.
func (s *server) removeStationLeader(c *gin.Context) {
	s.changeLeader(c, false)
}

func (s *server) changeLeader(c *gin.Context, name bool) {
	p := pathIDs(c, "id", "station")
	person, err := strconv.ParseInt(c.PostForm("deltager"), 10, 64)
	if err != nil {
		s.renderStaffCheckIn(c, http.StatusUnprocessableEntity, "", site.T(c)("checkin.leader.choose"))
		return
	}
	notice := "checkin.leader.named"
	if name {
		err = s.ElectionDay.NameLeader(c.Request.Context(), *site.User(c), p[0], p[1], person)
	} else {
		notice = "checkin.leader.removed"
		err = s.ElectionDay.RemoveLeader(c.Request.Context(), *site.User(c), p[0], p[1], person)
	}
	if s.checkInRefused(c, err, func(status int, r refusal) { s.renderStaffCheckIn(c, status, "", r.Error) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, staffCheckInPath(p[0], p[1])+"?besked="+notice)
}

func leaderCheckInPath(electionID, stationID int64) string {
	return fmt.Sprintf("%s/valgsted/%d/%d", minSidePath, electionID, stationID)
}

// leaderStation is a station leader's check-in list on Min side.
func (s *server) leaderStation(c *gin.Context) {
	s.renderLeaderCheckIn(c, http.StatusOK, noticeOf(c, checkInNotices...), "")
}

func (s *server) renderLeaderCheckIn(c *gin.Context, status int, notice, refused string) {
	p := pathIDs(c, "election", "station")
	vol := site.VolunteerOf(c)
	st, err := s.ElectionDay.StationStaff(c.Request.Context(), electionday.AsLeader(vol.ParticipantID), p[0], p[1])
	if s.checkInRefused(c, err, func(int, refusal) { s.fail(c, err) }) {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, status, "minside_station.html", "checkin.station.title", &checkInView{List: st,
		Action: leaderCheckInPath(p[0], p[1]), Notice: notice, Refusal: refused,
		Self: minSidePath, Name: vol.Name, Contact: s.secretariat(c)})
}

// leaderCheckIn marks one of the leader's station's people.
func (s *server) leaderCheckIn(c *gin.Context) {
	p := pathIDs(c, "election", "station")
	id, present, ok := markFromForm(c)
	if !ok {
		s.renderLeaderCheckIn(c, http.StatusBadRequest, "", site.T(c)("checkin.choose"))
		return
	}
	err := s.ElectionDay.CheckIn(c.Request.Context(), electionday.AsLeader(site.VolunteerOf(c).ParticipantID), id, present)
	if s.checkInRefused(c, err, func(status int, r refusal) { s.renderLeaderCheckIn(c, status, "", r.Error) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, leaderCheckInPath(p[0], p[1])+"?besked="+savedNotice(present))
}
