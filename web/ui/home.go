package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
)

// home is the start page. Logged in, it is the status overview; anonymous,
// the municipality, its next election and its polling stations, with
// nothing on it that is personal data.
func (s *server) home(c *gin.Context) {
	if currentUser(c) != nil {
		s.overview(c)
		return
	}
	db := s.DB.WithContext(c.Request.Context())
	var m models.Municipality
	if err := db.First(&m).Error; err != nil {
		s.render(c, http.StatusOK, "empty.html", "empty.title", nil)
		return
	}
	today := models.DateOf(s.Now().In(models.Copenhagen))
	var next models.Election
	hasNext := db.Where("election_day >= ? AND state <> ?", today, models.ElectionClosed).
		Order("election_day").Limit(1).Find(&next).RowsAffected == 1
	var stations []models.PollingStation
	var areas []models.Area
	if err := db.Order("district").Find(&stations).Error; err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	db.Find(&areas)
	areaNames := map[int64]string{}
	for _, a := range areas {
		areaNames[a.ID] = a.Name
	}
	s.render(c, http.StatusOK, "home.html", m.Name, map[string]any{
		"Municipality": m,
		"Election":     next,
		"HasElection":  hasNext,
		"DaysUntil":    next.ElectionDay.DaysUntil(s.Now()),
		"Stations":     stations,
		"AreaNames":    areaNames,
	})
}
