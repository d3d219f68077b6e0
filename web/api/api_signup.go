package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/web/site"
)

// Sign-up links (issue 19) in the API: the same use cases as the pages
// (signup.Service), with the same rules — staff for any party or pool, a
// party secretary for their own party and stations; another party's link
// is 404.

// apiSignupLink is a link as the API shows it: the address to share, the
// count, never the token's hash.
type apiSignupLink struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	ElectionID  int64   `json:"election_id"`
	PartyID     int64   `json:"party_id"`
	TaskTypeIDs []int64 `json:"task_type_ids"`
	StationIDs  []int64 `json:"station_ids"`
	Claim       bool    `json:"claim"`
	EndsAt      string  `json:"ends_at"`
	MaxSignups  int     `json:"max_signups"`
	Signups     int     `json:"signups"`
	State       string  `json:"state"`
	Path        string  `json:"path"`
	URL         string  `json:"url"`
	CreatedAt   string  `json:"created_at"`
	DisabledAt  *string `json:"disabled_at"`
}

func (s *server) toAPISignupLink(v models.SignupLinkView) apiSignupLink {
	l := v.Link
	out := apiSignupLink{ID: l.ID, Name: l.Name, ElectionID: l.ElectionID, PartyID: l.PartyID,
		TaskTypeIDs: l.TaskTypeIDs, StationIDs: l.StationIDs, Claim: l.Claim, EndsAt: l.EndsAt.UTC().Format(timeFormat),
		MaxSignups: l.MaxSignups, Signups: l.Signups, State: string(v.State), Path: signup.Path(l),
		CreatedAt: l.CreatedAt.UTC().Format(timeFormat)}
	out.URL = strings.TrimRight(s.PublicURL, "/") + out.Path
	if out.TaskTypeIDs == nil {
		out.TaskTypeIDs = []int64{}
	}
	if out.StationIDs == nil {
		out.StationIDs = []int64{}
	}
	if l.DisabledAt != nil {
		d := l.DisabledAt.UTC().Format(timeFormat)
		out.DisabledAt = &d
	}
	return out
}

// apiSignupLinks lists an election's links the caller may see.
func (s *server) apiSignupLinks(c *gin.Context) {
	links, err := s.Signup.Links(c.Request.Context(), *site.User(c), apiID(c, "id"))
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"links": mapAll(links, s.toAPISignupLink)})
}

// apiCreateSignupLink makes a link for the election.
func (s *server) apiCreateSignupLink(c *gin.Context) {
	var in struct {
		Name        string  `json:"name"`
		PartyID     int64   `json:"party_id"`
		TaskTypeIDs []int64 `json:"task_type_ids"`
		StationIDs  []int64 `json:"station_ids"`
		Claim       bool    `json:"claim"`
		EndsOn      string  `json:"ends_on"`
		MaxSignups  int     `json:"max_signups"`
	}
	if !bindJSON(c, &in) {
		return
	}
	endsOn, err := models.ParseDate(in.EndsOn)
	if err != nil {
		s.apiStoreError(c, models.RefuseField("ends_on", "error.signup.endson"))
		return
	}
	v, err := s.Signup.Create(c.Request.Context(), *site.User(c), models.NewSignupLink{Name: in.Name, ElectionID: apiID(c, "id"),
		PartyID: in.PartyID, TaskTypeIDs: in.TaskTypeIDs, StationIDs: in.StationIDs, Claim: in.Claim, EndsOn: endsOn, MaxSignups: in.MaxSignups})
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.toAPISignupLink(v))
}

// apiDisableSignupLink closes a link for good.
func (s *server) apiDisableSignupLink(c *gin.Context) {
	ctx := c.Request.Context()
	u := *site.User(c)
	id := apiID(c, "id")
	if err := s.Signup.Disable(ctx, u, id); err != nil {
		s.apiRefused(c, err)
		return
	}
	v, err := s.Signup.Link(ctx, u, id)
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	c.JSON(http.StatusOK, s.toAPISignupLink(v))
}
