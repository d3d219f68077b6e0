package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// stations lists the polling stations and, apart, the work locations with
// their task types, for staff.
func (s *server) stations(c *gin.Context) {
	all, err := s.Setup.Stations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var stations, workLocations []models.PollingStation
	for _, st := range all {
		if st.IsPollingStation() {
			stations = append(stations, st)
		} else {
			workLocations = append(workLocations, st)
		}
	}
	s.render(c, http.StatusOK, "stations.html", "stations.title", map[string]any{
		"Stations": stations, "WorkLocations": workLocations, "TaskTypeNames": s.taskTypeNames(c),
		"AreaNames": s.areaNames(c), "MayEdit": site.StaffWrite.Allows(site.User(c)),
		"Notice": noticeOf(c, "stations.saved", "stations.areasaved"),
	})
}

// taskTypeNames names each task type by ID; a failed read shows no names.
func (s *server) taskTypeNames(c *gin.Context) map[int64]string {
	types, _ := s.Setup.TaskTypes(c.Request.Context())
	names := make(map[int64]string, len(types))
	for _, t := range types {
		names[t.ID] = t.Name
	}
	return names
}

// areaNames names each area by ID; a failed read shows no names.
func (s *server) areaNames(c *gin.Context) map[int64]string {
	names, _ := s.Setup.AreaNames(c.Request.Context())
	return names
}

func (s *server) stationForm(c *gin.Context) {
	st := models.PollingStation{Kind: models.KindPollingStation}
	if c.Query("art") == "arbejdssted" {
		st.Kind = models.KindWorkLocation
	}
	if id := c.Param("id"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		var err error
		if st, err = s.Setup.Station(c.Request.Context(), n); err != nil {
			s.notFound(c)
			return
		}
	}
	s.renderStationForm(c, http.StatusOK, st, "", "")
}

func (s *server) renderStationForm(c *gin.Context, status int, st models.PollingStation, errMsg, errKey string) {
	areas, _ := s.Setup.Areas(c.Request.Context())
	taskTypes, _ := s.Setup.TaskTypes(c.Request.Context())
	chosen := map[int64]bool{}
	for _, id := range st.TaskTypeIDs {
		chosen[id] = true
	}
	s.render(c, status, "station_edit.html", "stations.edit", map[string]any{"S": st, "Areas": areas, "TaskTypes": taskTypes,
		"Chosen": chosen, "Error": errMsg, "ErrorKey": errKey})
}

// saveStation creates or changes a station. A change based on an older
// version is refused and the form shows the current one: no lost update.
func (s *server) saveStation(c *gin.Context) {
	kind := models.StationKind(c.PostForm("kind"))
	district, err := strconv.Atoi(strings.TrimSpace(c.PostForm("district")))
	if err != nil && strings.TrimSpace(c.PostForm("district")) != "" {
		district = -1 // not a number: refused as out of range, not taken as none
	}
	if kind == models.KindWorkLocation {
		district = 0 // a work location has no afstemningsområde; the field is left over
	}
	area, _ := strconv.ParseInt(c.PostForm("area_id"), 10, 64)
	version, _ := strconv.Atoi(c.PostForm("version"))
	var taskTypes []int64
	if kind == models.KindWorkLocation {
		taskTypes = ids(c.PostFormArray("task_type_id"))
	}
	st := models.PollingStation{AreaID: area, Kind: kind, Name: c.PostForm("name"), Address: c.PostForm("address"),
		PostalCode: c.PostForm("postal_code"), City: c.PostForm("city"), District: district, TaskTypeIDs: taskTypes, Version: version}
	if id := c.Param("id"); id != "" {
		st.ID, _ = strconv.ParseInt(id, 10, 64)
	}
	_, err = s.Setup.SaveStation(c.Request.Context(), *site.User(c), st)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.renderStationForm(c, http.StatusUnprocessableEntity, st, site.ErrText(c, ue), "")
	case errors.Is(err, models.ErrStale):
		current, _ := s.Setup.Station(c.Request.Context(), st.ID)
		s.renderStationForm(c, http.StatusConflict, current, "", "stations.stale")
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valgsteder?besked=stations.saved")
	}
}

// createArea adds an area from the stations page.
func (s *server) createArea(c *gin.Context) {
	_, err := s.Setup.SaveArea(c.Request.Context(), *site.User(c), models.Area{Name: c.PostForm("name")})
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "error.html", "stations.title", map[string]any{"MessageText": site.ErrText(c, ue)})
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valgsteder?besked=stations.areasaved")
	}
}
