package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// taskTypes lists the task types, for staff.
func (s *server) taskTypes(c *gin.Context) {
	list, err := s.Setup.TaskTypes(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "tasktypes.html", "tasktypes.title", map[string]any{
		"TaskTypes": list, "MayEdit": site.StaffWrite.Allows(site.User(c)), "Notice": noticeOf(c, "tasktypes.saved")})
}

func (s *server) taskTypeForm(c *gin.Context) {
	t := models.TaskType{Validation: true, Reminders: true}
	if id := c.Param("id"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		var err error
		if t, err = s.Setup.TaskType(c.Request.Context(), n); err != nil {
			s.notFound(c)
			return
		}
	}
	s.render(c, http.StatusOK, "tasktype_edit.html", "tasktypes.edit", map[string]any{"TT": t})
}

// saveTaskType creates or changes a task type, refusing an edit based on an
// older version.
func (s *server) saveTaskType(c *gin.Context) {
	kr, _ := strconv.Atoi(c.PostForm("allowance_kr"))
	version, _ := strconv.Atoi(c.PostForm("version"))
	t := models.TaskType{Name: c.PostForm("name"), ShortName: c.PostForm("short_name"), Description: c.PostForm("description"),
		StartTime: c.PostForm("start_time"), EndTime: c.PostForm("end_time"), AllowanceKr: kr,
		AppointedOnly: c.PostForm("appointed_only") == "on", Validation: c.PostForm("validation") == "on",
		Reminders: c.PostForm("reminders") == "on", Version: version}
	if id := c.Param("id"); id != "" {
		t.ID, _ = strconv.ParseInt(id, 10, 64)
	}
	_, err := s.Setup.SaveTaskType(c.Request.Context(), *site.User(c), t)
	var ue *models.UserError
	switch {
	case errors.As(err, &ue):
		s.render(c, http.StatusUnprocessableEntity, "tasktype_edit.html", "tasktypes.edit", map[string]any{"TT": t, "Error": site.ErrText(c, ue)})
	case errors.Is(err, models.ErrStale):
		current, _ := s.Setup.TaskType(c.Request.Context(), t.ID)
		s.render(c, http.StatusConflict, "tasktype_edit.html", "tasktypes.edit", map[string]any{"TT": current, "ErrorKey": "tasktypes.stale"})
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/opgavetyper?besked=tasktypes.saved")
	}
}
