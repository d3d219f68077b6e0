package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// account shows who is logged in and with which role.
func (s *server) account(c *gin.Context) {
	v, err := s.Accounts.Account(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.Accounts.SecondFactorOf(c.Request.Context(), *site.User(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "account.html", "account.title", map[string]any{"Party": v.Party, "Limited": v.Limited, "Stations": v.Stations, "SecondFactor": f})
}

// resetTOTP removes a user's lost second factor.
func (s *server) resetTOTP(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := s.Accounts.ResetTOTP(c.Request.Context(), *site.User(c), id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/admin/brugere?besked=users.totpreset")
	}
}
