package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/workflows"
)

// secretaryRequestForm lets a party secretary ask for an extra secretary
// limited to some of the stations (their own, when they are limited).
func (s *server) secretaryRequestForm(c *gin.Context) {
	s.renderSecretaryRequest(c, http.StatusOK, "")
}

func (s *server) renderSecretaryRequest(c *gin.Context, status int, errMsg string) {
	ctx := c.Request.Context()
	u := currentUser(c)
	own, err := store.StationsOf(ctx, s.DB, u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := s.DB.WithContext(ctx).Order("district")
	if len(own) > 0 {
		q = q.Where("id IN ?", own)
	}
	var stations []models.PollingStation
	q.Find(&stations)
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
	_, err := store.RequestSecretary(c.Request.Context(), s.DB, *currentUser(c), c.PostForm("name"), c.PostForm("email"), ids, s.Now().UTC())
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderSecretaryRequest(c, http.StatusUnprocessableEntity, errText(c, ue))
	case errors.Is(err, models.ErrForbidden):
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
	case err != nil:
		s.fail(c, err)
	default:
		s.render(c, http.StatusOK, "error.html", "secretaries.sent.title", map[string]any{"Message": "secretaries.sent"})
	}
}

// secretaryRequests lists the pending requests for an administrator.
func (s *server) secretaryRequests(c *gin.Context) {
	list, err := store.PendingSecretaryRequests(c.Request.Context(), s.DB, *currentUser(c))
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
	ctx := c.Request.Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	approve := c.PostForm("decision") == "approve"
	u, err := store.DecideSecretaryRequest(ctx, s.DB, *currentUser(c), id, approve, s.Now().UTC())
	var ue *models.UserError
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return
	case errors.Is(err, store.ErrDecided):
		c.Redirect(http.StatusSeeOther, "/admin/anmodninger")
		return
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "secretaries.requests", map[string]any{"MessageText": errText(c, ue)})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	notice := "secretaries.rejected"
	if u != nil {
		notice = "secretaries.approved"
		if _, err := workflows.StartAccountInvitation(ctx, s.Temporal, s.TaskQueue, u.ID, s.Now()); err != nil {
			s.Log.ErrorContext(ctx, "account invitation not started", "user_id", u.ID, "error", err)
		}
	}
	c.Redirect(http.StatusSeeOther, "/admin/anmodninger?besked="+notice)
}
