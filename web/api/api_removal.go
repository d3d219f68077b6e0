package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/web/site"
)

// Taking a person off a party's list through the API (issue 18), as the
// participant page's button does (recruit.RemoveFromList): the party's
// secretary for their own party (another party's person is 404), or the
// staff. Open invitations are retracted, nominations not yet sent
// withdrawn, reserve places removed; confirmed tasks stay and are listed.

type apiKeptTask struct {
	AssignmentID int64  `json:"assignment_id"`
	Election     string `json:"election"`
	TaskType     string `json:"task_type"`
	Station      string `json:"station"`
	Day          string `json:"day"`
}

type apiRemoval struct {
	ParticipantID int64         `json:"participant_id"`
	PartyID       int64         `json:"party_id"`
	Retracted     int           `json:"retracted"`
	Withdrawn     int           `json:"withdrawn"`
	Reserves      int           `json:"reserves_removed"`
	Kept          []apiKeptTask `json:"kept_confirmed"`
}

// apiRemoveMember takes a person off a party's list.
func (s *server) apiRemoveMember(c *gin.Context) {
	partyID, participantID := apiID(c, "id"), apiID(c, "participant")
	if partyID == 0 || participantID == 0 {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return
	}
	out, err := s.Recruit.RemoveFromList(c.Request.Context(), *site.User(c), participantID, partyID)
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	body := apiRemoval{ParticipantID: participantID, PartyID: partyID, Retracted: len(out.Retract), Withdrawn: out.Withdrawn,
		Reserves: out.Reserves, Kept: []apiKeptTask{}}
	for _, k := range out.Kept {
		body.Kept = append(body.Kept, apiKeptTask{AssignmentID: k.AssignmentID, Election: k.ElectionTitle, TaskType: k.TaskName,
			Station: k.StationName, Day: k.Day.String()})
	}
	c.JSON(http.StatusOK, body)
}
