package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// account shows who is logged in and with which role.
func (s *server) account(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var party models.Party
	var stations []models.PollingStation
	if u.PartyID != nil {
		s.DB.WithContext(ctx).First(&party, *u.PartyID)
		if ids, err := store.StationsOf(ctx, s.DB, u.ID); err == nil && len(ids) > 0 {
			s.DB.WithContext(ctx).Where("id IN ?", ids).Order("district").Find(&stations)
		}
	}
	s.render(c, http.StatusOK, "account.html", "account.title", map[string]any{"Party": party, "Stations": stations})
}

// users lists the logins; administrators only.
func (s *server) users(c *gin.Context) {
	var users []models.User
	if err := s.DB.WithContext(c.Request.Context()).Find(&users).Error; err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	models.SortDanish(users, func(u models.User) string { return u.Name })
	withTOTP, err := store.UsersWithTOTP(c.Request.Context(), s.DB)
	if err != nil {
		s.fail(c, err)
		return
	}
	notice := noticeOf(c, "users.created", "users.created.mail", "users.created.nomail", "users.totpreset")
	s.render(c, http.StatusOK, "users.html", "users.title", map[string]any{"Users": users, "Notice": notice, "TOTP": withTOTP})
}

// resetTOTP removes a user's lost second factor.
func (s *server) resetTOTP(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := store.ResetTOTP(c.Request.Context(), s.DB, *currentUser(c), id, s.Now().UTC())
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/admin/brugere?besked=users.totpreset")
	}
}
