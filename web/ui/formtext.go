package ui

import (
	"maps"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The staff forms store what is typed. A NUL byte or broken UTF-8 makes
// PostgreSQL refuse the write (a 500), and SQLite stores it, to come out
// again in lists, exports and messages. So every form of a logged-in user
// passes checkFormText before its handler: one check, and no form that
// can forget it. The public forms (login, code, activation, answer) store
// no typed text, and login, activation and answer refuse such bytes
// themselves.

// fieldLabels names a form field by the label its form shows; a field not
// here is named as it is posted.
var fieldLabels = map[string]string{
	"name": "tasktypes.name", "address": "stations.address", "postal_code": "stations.postal", "city": "stations.city",
	"short_name": "tasktypes.short", "description": "tasktypes.description", "start_time": "tasktypes.start",
	"end_time": "tasktypes.end", "title": "election.field.title", "day": "election.field.day",
	"subject": "templates.subject", "body": "templates.body", "email": "users.email", "letter": "parties.letter",
	"seats": "parties.seats", "cpr": "participants.cpr", "mobile": "participants.mobile", "diet": "participants.diet",
	"retention_days": "closing.field.retention_days",
}

// checkFormText refuses a posted form with a value that is not clean text
// (models.CleanText), naming the field, before anything is written.
func (s *server) checkFormText(c *gin.Context) {
	field := badFormField(c)
	if field == "" {
		c.Next()
		return
	}
	T := site.T(c)
	label := field
	if key, ok := fieldLabels[field]; ok {
		label = T(key)
	}
	s.render(c, http.StatusUnprocessableEntity, "error.html", "formtext.title", map[string]any{"MessageText": T("formtext.body", label)})
	c.Abort()
}

// badFormField returns the first field, by name, of the posted form whose
// value is not clean text; "" when there is none.
func badFormField(c *gin.Context) string {
	c.PostFormArray(site.CSRFField) // parses the body once, as the handler's own reads do
	form := c.Request.PostForm
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[name] {
			if !models.CleanText(v) {
				return name
			}
		}
	}
	return ""
}
