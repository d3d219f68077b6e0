package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// home is the start page. Logged in, it is the status overview; anonymous,
// the municipality, its next election and its polling stations, with
// nothing on it that is personal data.
func (s *server) home(c *gin.Context) {
	if site.User(c) != nil {
		s.overview(c)
		return
	}
	v, err := s.Setup.StartPage(c.Request.Context())
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	if !v.HasMunicipality {
		s.render(c, http.StatusOK, "empty.html", "empty.title", nil)
		return
	}
	s.renderView(c, http.StatusOK, "home.html", v.Municipality.Name, &homeView{
		Municipality: v.Municipality,
		Election:     v.Election,
		HasElection:  v.HasElection,
		DaysUntil:    v.Election.ElectionDay.DaysUntil(s.Now()),
		Stations:     v.Stations,
		AreaNames:    v.AreaNames,
	})
}

// homeView is the public start page: the municipality, its next election and stations.
type homeView struct {
	Page
	Municipality models.Municipality
	Election     models.Election
	HasElection  bool
	DaysUntil    int
	Stations     []models.PollingStation
	AreaNames    map[int64]string
}
