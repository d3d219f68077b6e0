package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The participants list through the JSON API: the page's search
// (people.SearchParticipants) with the same scope — a party secretary
// finds their own party's people only, a CPR search is staff's and is
// audited — 50 people a page in Danish order. Each person is an id, a
// name and the masked CPR number, never the number.

type apiParticipantRow struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	MaskedCPR string `json:"masked_cpr"`
}

type apiParticipantPage struct {
	// Kind is how q was understood: name, cpr, phone, email or empty.
	Kind         string              `json:"kind"`
	Total        int                 `json:"total"`
	Page         int                 `json:"page"`
	Pages        int                 `json:"pages"`
	PageSize     int                 `json:"page_size"`
	Participants []apiParticipantRow `json:"participants"`
}

// apiParticipants answers GET /api/v1/participants?q=&party=&pool=&election=&state=&page=.
func (s *server) apiParticipants(c *gin.Context) {
	q := models.ParticipantQuery{Q: c.Query("q"), State: models.AssignmentState(c.Query("state")), Page: 1}
	for _, f := range []struct {
		name string
		to   *int64
	}{{"party", &q.PartyID}, {"pool", &q.PoolID}, {"election", &q.ElectionID}} {
		if x := c.Query(f.name); x != "" {
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil || n < 0 {
				s.apiRefused(c, models.RefuseField(f.name, "error.search.filter"))
				return
			}
			*f.to = n
		}
	}
	if x := c.Query("page"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 {
			s.apiRefused(c, models.RefuseField("page", "error.search.page"))
			return
		}
		q.Page = n
	}
	page, err := s.People.SearchParticipants(c.Request.Context(), *site.User(c), q)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	out := apiParticipantPage{Kind: string(page.Kind), Total: page.Total, Page: page.Page, Pages: page.Pages,
		PageSize: models.ParticipantPageSize, Participants: make([]apiParticipantRow, len(page.Rows))}
	for i, p := range page.Rows {
		out.Participants[i] = apiParticipantRow{ID: p.ID, Name: p.Name, MaskedCPR: "–"}
		if cpr, err := models.ParseCPR(p.CPR.Reveal()); err == nil {
			out.Participants[i].MaskedCPR = cpr.Masked()
		}
	}
	c.JSON(http.StatusOK, out)
}
