package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// pageRefused answers a use case's error on a page and reports whether
// there was one: a refusal on the form again (again, with the translated
// text as Error, or the reasons as Ineligible), 403 and 404 as their own
// pages, a failure as 500.
func (s *server) pageRefused(c *gin.Context, err error, again func(int, map[string]any)) bool {
	if err == nil {
		return false
	}
	status, ok := site.RefusalStatus(err)
	switch {
	case !ok:
		s.fail(c, err)
	case status == http.StatusForbidden:
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
	case status == http.StatusNotFound:
		s.notFound(c)
	default:
		// A form shows every refusal of what was typed or chosen as 422,
		// also one that a conflict with the state of things explains.
		if status == http.StatusConflict {
			status = http.StatusUnprocessableEntity
		}
		if r, isRefusal := recruit.AsRefusal(err); isRefusal && len(r.Ineligible) > 0 {
			again(status, map[string]any{"Ineligible": r.Ineligible, "Election": r.Election})
		} else {
			again(status, map[string]any{"Error": site.ErrText(c, err)})
		}
	}
	return true
}
