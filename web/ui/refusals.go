package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/web/site"
)

// refusal is what a form shows when what was sent is refused: the
// translated text, a message key, or the eligibility rules the person does
// not meet (of Election). A form's view embeds it.
type refusal struct {
	Error      string
	ErrorKey   string
	Ineligible []models.Ineligibility
	Election   models.Election
}

// pageRefused answers a use case's error on a page and reports whether
// there was one: a refusal on the form again (again, with the translated
// text, or the reasons it is not eligible), 403 and 404 as their own pages,
// a failure as 500.
func (s *server) pageRefused(c *gin.Context, err error, again func(int, refusal)) bool {
	if err == nil {
		return false
	}
	status, ok := site.RefusalStatus(err)
	switch {
	case !ok:
		s.fail(c, err)
	case status == http.StatusForbidden:
		s.forbidden(c)
	case status == http.StatusNotFound:
		s.notFound(c)
	default:
		// A form shows every refusal of what was typed or chosen as 422,
		// also one that a conflict with the state of things explains.
		if status == http.StatusConflict {
			status = http.StatusUnprocessableEntity
		}
		if r, isRefusal := recruit.AsRefusal(err); isRefusal && len(r.Ineligible) > 0 {
			again(status, refusal{Ineligible: r.Ineligible, Election: r.Election})
		} else {
			again(status, refusal{Error: site.ErrText(c, err)})
		}
	}
	return true
}
