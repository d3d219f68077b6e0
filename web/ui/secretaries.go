package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/accounts"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// secretaryRequestForm lets a party secretary ask for an extra secretary
// limited to some of the stations (their own, when they are limited).
func (s *server) secretaryRequestForm(c *gin.Context) {
	s.renderSecretaryRequest(c, http.StatusOK, "")
}

func (s *server) renderSecretaryRequest(c *gin.Context, status int, errMsg string) {
	stations, err := s.Accounts.StationsToPassOn(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "secretary_request.html", "secretaries.title", map[string]any{
		"Stations": stations, "Error": errMsg,
		"Name": c.PostForm("name"), "Email": c.PostForm("email"),
	})
}

func (s *server) requestSecretary(c *gin.Context) {
	var ids []int64
	for _, v := range c.PostFormArray("station") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	_, err := s.Accounts.RequestSecretary(c.Request.Context(), *site.User(c), c.PostForm("name"), c.PostForm("email"), ids)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderSecretaryRequest(c, http.StatusUnprocessableEntity, site.ErrText(c, ue))
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
	case err != nil:
		s.fail(c, err)
	default:
		s.render(c, http.StatusOK, "error.html", "secretaries.sent.title", map[string]any{"Message": "secretaries.sent"})
	}
}

// secretaryRequests lists the pending requests for an administrator.
func (s *server) secretaryRequests(c *gin.Context) {
	list, err := s.Accounts.PendingSecretaryRequests(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "secretary_requests.html", "secretaries.requests", map[string]any{"Requests": list,
		"Notice": noticeOf(c, "secretaries.approved", "secretaries.rejected")})
}

// decideSecretaryRequest approves (creating the login and e-mailing its
// one-time link) or rejects a request.
func (s *server) decideSecretaryRequest(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	approve := c.PostForm("decision") == "approve"
	u, err := s.Accounts.DecideSecretaryRequest(c.Request.Context(), *site.User(c), id, approve)
	var ue *models.UserError
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return
	case errors.Is(err, accounts.ErrDecided):
		c.Redirect(http.StatusSeeOther, "/admin/anmodninger")
		return
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "secretaries.requests", map[string]any{"MessageText": site.ErrText(c, ue)})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	notice := "secretaries.rejected"
	if u != nil {
		notice = "secretaries.approved"
	}
	c.Redirect(http.StatusSeeOther, "/admin/anmodninger?besked="+notice)
}
