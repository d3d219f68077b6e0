package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
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
	// Created is false when the number was registered before (by any
	// party): the person is then only added to this party's list.
	Created bool `json:"created"`
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
	T := translator(c)
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
// list, as the registration form does: the number is checked, the contact
// data checked, the CPR register asked (the lookup is logged against the
// number) and the person's eligibility for the next election checked.
func (s *server) apiRegisterParticipant(c *gin.Context) {
	ctx := c.Request.Context()
	u := *currentUser(c)
	T := translator(c)
	var in apiParticipantInput
	if !bindSmallJSON(c, &in) {
		return
	}
	number, err := models.ParseCPR(in.CPR)
	var ce *models.UserError
	if errors.As(err, &ce) {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("api.badcpr", errText(c, ce)),
			Fields: map[string]string{"cpr": errText(c, ce)}})
		return
	} else if err != nil {
		s.apiFail(c, err)
		return
	}
	partyID := in.PartyID
	if u.Role == models.RolePartySecretary {
		if partyID != 0 && partyID != *u.PartyID {
			apiError(c, http.StatusForbidden, T("api.forbidden"))
			return
		}
		partyID = *u.PartyID
	}
	var party models.Party
	if partyID > 0 {
		if err := s.DB.WithContext(ctx).Where("id = ?", partyID).Limit(1).Find(&party).Error; err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if party.ID == 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("api.invalid"),
			Fields: map[string]string{"party_id": T("api.noparty")}})
		return
	}
	// Contact data first: a typing error costs no register lookup.
	if err := store.CheckContact(in.Mobile, in.Email, models.Channel(in.Channel), in.Diet); err != nil {
		s.apiStoreError(c, err)
		return
	}
	if s.CPR == nil || s.Keys == nil {
		apiError(c, http.StatusServiceUnavailable, T("participants.noregister"))
		return
	}
	person, ok := s.apiLookUpPerson(c, u, number)
	if !ok {
		return
	}
	reasons, election, err := s.eligibility(c, person.PersonFacts, party.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if len(reasons) > 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("participants.ineligible", election.Title),
			Problems: ineligibilityTexts(c, reasons)})
		return
	}
	p, created, err := store.RegisterParticipant(ctx, s.DB, s.Keys, u, store.NewParticipant{
		CPR: number, Name: personName(person), Mobile: in.Mobile, Email: in.Email,
		PreferredChannel: models.Channel(in.Channel), SpecialDiet: strings.TrimSpace(in.Diet),
		PartyID: party.ID, DigitalPostExempt: person.DigitalPostExempt, ProtectedAddress: person.ProtectedAddress}, s.Now().UTC())
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, apiParticipant{ID: p.ID, Name: p.Name, MaskedCPR: number.Masked(), PartyID: party.ID, Created: created})
}

func ineligibilityTexts(c *gin.Context, reasons []models.Ineligibility) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = errText(c, r.Reason)
	}
	return out
}

// apiNominationElection loads the :id election for a nomination call: 404 when there
// is none, or when it is a draft a party secretary has no business with.
func (s *server) apiNominationElection(c *gin.Context) (models.Election, bool) {
	var e models.Election
	id := apiID(c, "id")
	if err := s.DB.WithContext(c.Request.Context()).Where("id = ?", id).Limit(1).Find(&e).Error; err != nil {
		s.apiFail(c, err)
		return e, false
	}
	if e.ID == 0 || (e.State == models.ElectionDraft && currentUser(c).Role == models.RolePartySecretary) {
		apiError(c, http.StatusNotFound, translator(c)("api.notfound"))
		return e, false
	}
	return e, true
}

// apiPartySlots lists a party's slots in an election, held or vacant, in
// the page's order: the ids a nomination names. A party secretary sees
// their own party's (at their own stations); staff name the party.
func (s *server) apiPartySlots(c *gin.Context) {
	u := *currentUser(c)
	T := translator(c)
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
	cells, err := store.PartySlots(c.Request.Context(), s.DB, u, e.ID, partyID)
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
	ctx := c.Request.Context()
	u := *currentUser(c)
	T := translator(c)
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
	db := s.DB.WithContext(ctx)
	var slot models.Slot
	if err := db.Where("id = ? AND election_id = ?", in.SlotID, e.ID).Limit(1).Find(&slot).Error; err != nil {
		s.apiFail(c, err)
		return
	}
	if slot.ID == 0 {
		apiError(c, http.StatusNotFound, T("api.noslot"))
		return
	}
	// Who may claim what is settled before anyone is looked up.
	err := store.CheckPlacement(ctx, s.DB, u, store.Placement{ElectionID: e.ID, PartyID: slot.PartyID, StationID: slot.StationID,
		TaskTypeID: slot.TaskTypeID, Day: slot.Day})
	if err != nil {
		s.nominationRefused(c, err)
		return
	}
	p, parties, err := store.ParticipantFor(ctx, s.DB, u, in.ParticipantID)
	if errors.Is(err, store.ErrNotFound) {
		apiError(c, http.StatusNotFound, T("api.noparticipant"))
		return
	} else if err != nil {
		s.apiFail(c, err)
		return
	}
	if !slices.ContainsFunc(parties, func(party models.Party) bool { return party.ID == slot.PartyID }) {
		s.nominationRefused(c, store.ErrNotOnList)
		return
	}
	// A slot seen held is refused without a register lookup (which is
	// logged against the person); the unique index still decides a race.
	var holders []models.Assignment
	if err := db.Select("id", "state").Where("slot_id = ?", slot.ID).Find(&holders).Error; err != nil {
		s.apiFail(c, err)
		return
	}
	for _, h := range holders {
		if h.State.HoldsSlot() {
			s.nominationRefused(c, store.ErrSlotTaken)
			return
		}
	}
	if s.CPR == nil || s.Keys == nil {
		apiError(c, http.StatusServiceUnavailable, T("participants.noregister"))
		return
	}
	var tt models.TaskType
	if err := db.First(&tt, slot.TaskTypeID).Error; err != nil {
		s.apiFail(c, err)
		return
	}
	number, err := models.ParseCPR(p.CPR.Reveal())
	if err != nil {
		s.apiFail(c, errors.New("the stored CPR number does not parse"))
		return
	}
	person, ok := s.apiLookUpPerson(c, u, number)
	if !ok {
		return
	}
	reasons, err := s.ineligibility(ctx, person.PersonFacts, e, tt.Validation)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if len(reasons) > 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: T("participants.ineligible", e.Title),
			Problems: ineligibilityTexts(c, reasons)})
		return
	}
	a, err := store.Nominate(ctx, s.DB, u, slot.ID, p.ID, s.Now().UTC())
	if err != nil {
		s.nominationRefused(c, err)
		return
	}
	c.JSON(http.StatusCreated, apiAssignment{ID: a.ID, SlotID: a.SlotID, ParticipantID: a.ParticipantID, ElectionID: a.ElectionID,
		StationID: a.StationID, TaskTypeID: a.TaskTypeID, PartyID: a.PartyID, Day: a.Day.String(), State: string(a.State)})
}

// nominationConflicts are the refusals that say the slot, the person or
// the election is not in a state to take the claim (409), with the key of
// their text in the caller's language.
var nominationConflicts = []struct {
	err error
	key string
}{
	{store.ErrSlotTaken, "api.slottaken"},
	{store.ErrBusyThatDay, "api.busythatday"},
	{store.ErrWasOnSlot, "api.wasonslot"},
	{store.ErrNoVacancy, "api.novacancy"},
	{store.ErrClosed, "api.closed"},
	{store.ErrOnReserveList, "api.onreserve"},
	{store.ErrInvitedOn, "api.invitedon"},
}

// nominationRefused answers a refused nomination: 409 for a conflict with
// the state of things, 403 outside the caller's party or stations, 404
// for what does not exist (or is not theirs to see), 422 for the rest of
// the store's refusals.
func (s *server) nominationRefused(c *gin.Context, err error) {
	T := translator(c)
	for _, conflict := range nominationConflicts {
		if errors.Is(err, conflict.err) {
			apiError(c, http.StatusConflict, T(conflict.key))
			return
		}
	}
	s.apiStoreError(c, err)
}

// apiLookUpPerson asks the CPR register (audited, lookUpPerson) and answers
// a refusal or a failure itself; ok is false when it did.
func (s *server) apiLookUpPerson(c *gin.Context, u models.User, number models.CPR) (cpr.Person, bool) {
	person, err := s.lookUpPerson(c.Request.Context(), u, number)
	var r *refusal
	if errors.As(err, &r) {
		apiError(c, r.status, translator(c)(r.key))
		return person, false
	} else if err != nil {
		s.apiFail(c, err)
		return person, false
	}
	return person, true
}
