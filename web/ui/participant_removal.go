package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// Taking a person off a party's list, and putting them back (issue 18).
// The participant page offers the button (participant_removal.html); a
// confirmation page says what will happen — open invitations retracted,
// nominations withdrawn, reserve places gone, confirmed tasks kept — before
// the POST does it (recruit.RemoveFromList). A party secretary acts for
// their own party; another party's person is 404. Only staff re-add a
// person, with a reason (recruit.ReaddToList).

// removalView is the confirmation page and the page after the removal.
type removalView struct {
	Page
	ParticipantID, PartyID int64
	Outcome                models.RemovalOutcome
	Error                  string
}

// removalConfirm shows what removing the person from the party's list
// (?parti=) will do.
func (s *server) removalConfirm(c *gin.Context) {
	id := participantIDOf(c)
	partyID, _ := strconv.ParseInt(c.Query("parti"), 10, 64)
	out, err := s.Recruit.PreviewRemoval(c.Request.Context(), *site.User(c), id, partyID)
	if s.readFailed(c, err) {
		return
	}
	s.renderView(c, http.StatusOK, "removal_confirm.html", "removal.confirm.title",
		&removalView{ParticipantID: id, PartyID: partyID, Outcome: out})
}

// removeFromList takes the person off the party's list and shows what was
// done, with the confirmed tasks that stay.
func (s *server) removeFromList(c *gin.Context) {
	id := participantIDOf(c)
	partyID, _ := strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	u := *site.User(c)
	out, err := s.Recruit.RemoveFromList(c.Request.Context(), u, id, partyID)
	if s.pageRefused(c, err, func(status int, r refusal) {
		// The removal stands when only a retraction failed: the page says
		// so, and removing again is not possible; the staff retract on the
		// task. Any other refusal leaves everything as it was.
		v := &removalView{ParticipantID: id, PartyID: partyID, Outcome: out, Error: r.Error}
		if out.Removal.ID != 0 {
			s.renderView(c, status, "removal_done.html", "removal.done.title", v)
			return
		}
		s.renderView(c, status, "removal_confirm.html", "removal.confirm.title", v)
	}) {
		return
	}
	s.renderView(c, http.StatusOK, "removal_done.html", "removal.done.title",
		&removalView{ParticipantID: id, PartyID: partyID, Outcome: out})
}

// removalsView is the staff's page of a person's removals from lists.
type removalsView struct {
	Page
	ParticipantID int64
	Name          string
	Removals      []models.ListRemovalView
	MayReadd      bool
	Notice, Error string
}

// removals lists the person's removals from lists, with the re-add form
// for each open one (staff).
func (s *server) removals(c *gin.Context) {
	s.renderRemovals(c, http.StatusOK, noticeOf(c, "removal.readd.done"), "")
}

func (s *server) renderRemovals(c *gin.Context, status int, notice, errText string) {
	u := site.User(c)
	id := participantIDOf(c)
	p, err := s.People.Participant(c.Request.Context(), *u, id)
	if s.readFailed(c, err) {
		return
	}
	list, err := s.Recruit.RemovalsOf(c.Request.Context(), *u, id)
	if s.readFailed(c, err) {
		return
	}
	s.renderView(c, status, "removal_history.html", "removal.history.title", &removalsView{ParticipantID: id,
		Name: p.Participant.Name, Removals: list, MayReadd: site.StaffWrite.Allows(u), Notice: notice, Error: errText})
}

// readd puts the person back on a party's list, with the reason given.
func (s *server) readd(c *gin.Context) {
	id := participantIDOf(c)
	partyID, _ := strconv.ParseInt(c.PostForm("party_id"), 10, 64)
	_, err := s.Recruit.ReaddToList(c.Request.Context(), *site.User(c), id, partyID, c.PostForm("reason"))
	if s.pageRefused(c, err, func(status int, r refusal) { s.renderRemovals(c, status, "", r.Error) }) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/deltagere/"+strconv.FormatInt(id, 10)+"/fjernelser?besked=removal.readd.done")
}
