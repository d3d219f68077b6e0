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
// A CPR number is not searched in an address: POST /participants/search.
func (s *server) apiParticipants(c *gin.Context) {
	q, err := site.ParticipantQueryOf(c.Query, "party", "pool", "election", "state", "page")
	if err == nil && site.CPRShaped(q.Q) {
		err = models.RefuseField("q", "error.search.cprinaddress.api")
	}
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	s.answerParticipantSearch(c, q)
}

// apiParticipantSearch is the search in a JSON body, the way to search by
// CPR number: the number never stands in an address.
type apiParticipantSearch struct {
	Q        string `json:"q"`
	Party    int64  `json:"party"`
	Pool     int64  `json:"pool"`
	Election int64  `json:"election"`
	State    string `json:"state"`
	Page     int    `json:"page"`
}

// apiSearchParticipants answers POST /api/v1/participants/search.
func (s *server) apiSearchParticipants(c *gin.Context) {
	var in apiParticipantSearch
	if !bindJSON(c, &in) {
		return
	}
	// The body read as the query string is, so both are checked alike.
	values := map[string]string{"q": in.Q, "state": in.State}
	for k, n := range map[string]int64{"party": in.Party, "pool": in.Pool, "election": in.Election, "page": int64(in.Page)} {
		if n != 0 {
			values[k] = strconv.FormatInt(n, 10)
		}
	}
	q, err := site.ParticipantQueryOf(func(k string) string { return values[k] }, "party", "pool", "election", "state", "page")
	if err != nil {
		s.apiRefused(c, err)
		return
	}
	s.answerParticipantSearch(c, q)
}

func (s *server) answerParticipantSearch(c *gin.Context, q models.ParticipantQuery) {
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
