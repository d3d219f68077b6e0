package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// Nominations through the JSON API: register a person by CPR number on a
// party's list, list a party's slots, and claim a slot for a person. The
// roles and scoping are the pages' (nominations.go, participants.go): a
// party secretary acts for their own party, at their own stations when
// limited to some. A CPR number goes in and never comes out: answers carry
// the masked number only.

// maxAPIBody bounds a nomination call's JSON body: the largest legitimate
// one is a registration with a 500-character diet note.
const maxAPIBody = 64 << 10

type apiParticipantInput struct {
	CPR     string `json:"cpr"`
	PartyID int64  `json:"party_id"`
	Mobile  string `json:"mobile"`
	Email   string `json:"email"`
	Channel string `json:"channel"`
	Diet    string `json:"diet"`
}

type apiParticipant struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	MaskedCPR string `json:"masked_cpr"`
	PartyID   int64  `json:"party_id"`
	// Created, for staff only, is false when the number was registered
	// before (by any party): the person is then only added to this
	// party's list. A party secretary is not told: that another party has
	// the person would say something of their politics.
	Created *bool `json:"created,omitempty"`
}

type apiNominationInput struct {
	SlotID        int64 `json:"slot_id"`
	ParticipantID int64 `json:"participant_id"`
}

type apiAssignment struct {
	ID            int64  `json:"id"`
	SlotID        int64  `json:"slot_id"`
	ParticipantID int64  `json:"participant_id"`
	ElectionID    int64  `json:"election_id"`
	StationID     int64  `json:"station_id"`
	TaskTypeID    int64  `json:"task_type_id"`
	PartyID       int64  `json:"party_id"`
	Day           string `json:"day"`
	State         string `json:"state"`
}

type apiSlot struct {
	SlotID        int64  `json:"slot_id"`
	StationID     int64  `json:"station_id"`
	StationName   string `json:"station_name"`
	District      int    `json:"district"`
	TaskTypeID    int64  `json:"task_type_id"`
	TaskTypeName  string `json:"task_type_name"`
	AppointedOnly bool   `json:"appointed_only"`
	Day           string `json:"day"`
	ByAgreement   bool   `json:"by_agreement"`
	Held          bool   `json:"held"`
	// The holder, when held: a name and a state, never a CPR number.
	AssignmentID  int64  `json:"assignment_id,omitempty"`
	ParticipantID int64  `json:"participant_id,omitempty"`
	Name          string `json:"name,omitempty"`
	State         string `json:"state,omitempty"`
}

// bindSmallJSON is bindJSON with the body capped at maxAPIBody (413 past
// it).
func bindSmallJSON(c *gin.Context, dst any) bool {
	T := site.T(c)
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxAPIBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		apiError(c, http.StatusRequestEntityTooLarge, T("api.toolarge", maxAPIBody/1024))
		return false
	case err != nil:
		apiError(c, http.StatusBadRequest, T("api.malformed", "the body could not be read"))
		return false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(raw))
	return bindJSON(c, dst)
}

// apiRegisterParticipant registers a person by CPR number on a party's
// list, as the registration form does (recruit.RegisterParticipant).
func (s *server) apiRegisterParticipant(c *gin.Context) {
	var in apiParticipantInput
	if !bindSmallJSON(c, &in) {
		return
	}
	r, err := s.Recruit.RegisterParticipant(c.Request.Context(), *site.User(c), recruit.Registration{PartyID: in.PartyID,
		Person: recruit.Person{CPR: in.CPR, Mobile: in.Mobile, Email: in.Email, Channel: models.Channel(in.Channel), Diet: in.Diet}})
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	out := apiParticipant{ID: r.Participant.ID, Name: r.Participant.Name, MaskedCPR: r.MaskedCPR, PartyID: r.PartyID}
	status := http.StatusCreated
	if site.User(c).Role != models.RolePartySecretary {
		// Staff see a match: 200 and created false.
		out.Created = &r.Created
		if !r.Created {
			status = http.StatusOK
		}
	}
	c.JSON(status, out)
}

func ineligibilityTexts(c *gin.Context, reasons []models.Ineligibility) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = site.ErrText(c, r.Reason)
	}
	return out
}

// apiNominationElection loads the :id election for a nomination call: 404 when there
// is none, or when it is a draft a party secretary has no business with.
func (s *server) apiNominationElection(c *gin.Context) (models.Election, bool) {
	e, err := s.Recruit.NominationElection(c.Request.Context(), *site.User(c), apiID(c, "id"))
	switch {
	case errors.Is(err, models.ErrNotFound):
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return e, false
	case err != nil:
		s.apiFail(c, err)
		return e, false
	}
	return e, true
}

// apiPartySlots lists a party's slots in an election, held or vacant, in
// the page's order: the ids a nomination names. A party secretary sees
// their own party's (at their own stations); staff name the party.
func (s *server) apiPartySlots(c *gin.Context) {
	u := *site.User(c)
	T := site.T(c)
	var partyID int64
	if v := c.Query("party_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			apiError(c, http.StatusBadRequest, T("api.malformed", "party_id"))
			return
		}
		partyID = id
	}
	if u.Role == models.RolePartySecretary {
		if partyID != 0 && partyID != *u.PartyID {
			apiError(c, http.StatusForbidden, T("api.forbidden"))
			return
		}
		partyID = *u.PartyID
	}
	if partyID == 0 {
		apiError(c, http.StatusBadRequest, T("api.malformed", "party_id is required"))
		return
	}
	e, ok := s.apiNominationElection(c)
	if !ok {
		return
	}
	cells, err := s.Recruit.PartySlots(c.Request.Context(), u, e.ID, partyID)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := []apiSlot{}
	for _, cell := range cells {
		for _, v := range cell.Slots {
			out = append(out, apiSlot{SlotID: v.SlotID, StationID: cell.Station.ID, StationName: cell.Station.Name,
				District: cell.Station.District, TaskTypeID: cell.TaskType.ID, TaskTypeName: cell.TaskType.Name,
				AppointedOnly: cell.TaskType.AppointedOnly, Day: cell.Day.String(), ByAgreement: v.ByAgreement, Held: v.Held(),
				AssignmentID: v.AssignmentID, ParticipantID: v.ParticipantID, Name: v.Name, State: string(v.State)})
		}
	}
	c.JSON(http.StatusOK, out)
}

// apiNominate claims one slot for a person on its party's list. The
// database's unique index decides between concurrent claims: one gets 201,
// the others 409 with the reason. Like the page, it asks the CPR register
// whether the person may take the task before the claim.
func (s *server) apiNominate(c *gin.Context) {
	T := site.T(c)
	var in apiNominationInput
	if !bindSmallJSON(c, &in) {
		return
	}
	fields := map[string]string{}
	if in.SlotID < 1 {
		fields["slot_id"] = T("api.required")
	}
	if in.ParticipantID < 1 {
		fields["participant_id"] = T("api.required")
	}
	if len(fields) > 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("api.invalid"), Fields: fields})
		return
	}
	e, ok := s.apiNominationElection(c)
	if !ok {
		return
	}
	n, err := s.Recruit.Nominate(c.Request.Context(), *site.User(c), recruit.Nomination{ElectionID: e.ID, SlotID: in.SlotID,
		ParticipantID: in.ParticipantID})
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	a := n.Assignment
	c.JSON(http.StatusCreated, apiAssignment{ID: a.ID, SlotID: a.SlotID, ParticipantID: a.ParticipantID, ElectionID: a.ElectionID,
		StationID: a.StationID, TaskTypeID: a.TaskTypeID, PartyID: a.PartyID, Day: a.Day.String(), State: string(a.State)})
}
