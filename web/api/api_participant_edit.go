package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/site"
)

// A person's contact data over the API, as the pages show and edit it
// (participant_edit.go in web/ui): staff the person's own, a party
// secretary only what their party typed. A person not on a party
// secretary's list is 404, as on the pages.

// apiContact is a person's contact data as the caller may see it.
type apiContact struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Mobile           string `json:"mobile"`
	Email            string `json:"email"`
	PreferredChannel string `json:"preferred_channel"`
	SpecialDiet      string `json:"special_diet"`
	// DigitalPostExempt: staff only.
	DigitalPostExempt *bool `json:"digital_post_exempt,omitempty"`
	Version           int64 `json:"version"`
	// Changed names the fields an edit changed (PATCH only).
	Changed []string `json:"changed,omitempty"`
}

// apiContactEdit is a PATCH: the fields given are changed, the others
// kept; version is the one read (a stale one is 409).
type apiContactEdit struct {
	Mobile            *string `json:"mobile"`
	Email             *string `json:"email"`
	PreferredChannel  *string `json:"preferred_channel"`
	SpecialDiet       *string `json:"special_diet"`
	DigitalPostExempt *bool   `json:"digital_post_exempt"`
	Version           *int64  `json:"version"`
}

func contactOut(actor models.User, p models.Participant) apiContact {
	out := apiContact{ID: p.ID, Name: p.Name, Mobile: p.Mobile.Reveal(), Email: p.Email.Reveal(),
		PreferredChannel: string(p.PreferredChannel), SpecialDiet: p.SpecialDiet.Reveal(), Version: p.Version}
	if people.EditsAll(actor) || actor.Role == models.RoleReadOnly {
		exempt := p.DigitalPostExempt
		out.DigitalPostExempt = &exempt
	}
	return out
}

// apiParticipantContact reads a person's contact data (audited).
func (s *server) apiParticipantContact(c *gin.Context) {
	u := site.User(c)
	p, err := s.People.ContactToEdit(c.Request.Context(), *u, apiID(c, "id"))
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, contactOut(*u, p))
}

// apiEditParticipant changes a person's contact data.
func (s *server) apiEditParticipant(c *gin.Context) {
	var in apiContactEdit
	if !bindSmallJSON(c, &in) {
		return
	}
	if in.Version == nil {
		T := site.T(c)
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiErrorBody{Error: "version: " + T("api.required"),
			Fields: map[string]string{"version": T("api.required")}})
		return
	}
	u := site.User(c)
	edit := people.ContactEdit{Mobile: in.Mobile, Email: in.Email, SpecialDiet: in.SpecialDiet,
		DigitalPostExempt: in.DigitalPostExempt, Version: *in.Version}
	if in.PreferredChannel != nil {
		ch := models.Channel(*in.PreferredChannel)
		edit.PreferredChannel = &ch
	}
	changed, p, err := s.People.EditParticipant(c.Request.Context(), *u, apiID(c, "id"), edit)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := contactOut(*u, p)
	out.Changed = changed
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
