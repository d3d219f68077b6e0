package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
)

// What a use case's refusal (package recruit) answers with: its kind is the
// status, its key translated into the request's language the text.

var refusalStatuses = map[recruit.Kind]int{
	recruit.Invalid:      http.StatusUnprocessableEntity,
	recruit.Conflict:     http.StatusConflict,
	recruit.Forbidden:    http.StatusForbidden,
	recruit.NotFound:     http.StatusNotFound,
	recruit.Unavailable:  http.StatusServiceUnavailable,
	recruit.RegisterDown: http.StatusBadGateway,
}

// refusalStatus is the status of a use case's refusal; ok is false for an
// error that is no refusal (a failure: 500).
func refusalStatus(err error) (int, bool) {
	kind, ok := recruit.KindOf(err)
	if !ok {
		return http.StatusInternalServerError, false
	}
	return refusalStatuses[kind], true
}

// isKeyed tells whether err is a keyed refusal (a models.UserError).
func isKeyed(err error) bool {
	_, ok := models.AsUserError(err)
	return ok
}

// pageRefused answers a use case's error on a page and reports whether
// there was one: a refusal on the form again (again, with the translated
// text as Error, or the reasons as Ineligible), 403 and 404 as their own
// pages, a failure as 500.
func (s *server) pageRefused(c *gin.Context, err error, again func(int, map[string]any)) bool {
	if err == nil {
		return false
	}
	status, ok := refusalStatus(err)
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
			again(status, map[string]any{"Error": errText(c, err)})
		}
	}
	return true
}

// apiRefused answers a use case's error in the API: {"error": …} in the
// request's language, the field at fault and the reasons when there are.
func (s *server) apiRefused(c *gin.Context, err error) {
	status, ok := refusalStatus(err)
	if !ok {
		s.apiFail(c, err)
		return
	}
	body := apiErrorBody{Error: errText(c, err)}
	if ue, keyed := models.AsUserError(err); keyed && ue.Field != "" {
		body.Fields = map[string]string{ue.Field: body.Error}
	}
	if r, isRefusal := recruit.AsRefusal(err); isRefusal {
		if r.Field != "" && r.Kind == recruit.Invalid {
			body.Error = translator(c)("api.invalid") + " " + body.Error
		}
		if len(r.Ineligible) > 0 {
			body.Problems = ineligibilityTexts(c, r.Ineligible)
		}
	}
	c.AbortWithStatusJSON(status, body)
}
