package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// municipalityPath is the administrators' page of the municipality's
// settings.
const municipalityPath = "/admin/kommune"

// municipality shows the municipality's settings form.
func (s *server) municipality(c *gin.Context) {
	m, err := s.Setup.Municipality(c.Request.Context())
	if s.readFailed(c, err) {
		return
	}
	s.renderMunicipality(c, http.StatusOK, m.Settings(), nil, "")
}

// saveMunicipality saves the settings; a refused value shows the form
// again, as typed, with a message at each field at fault.
func (s *server) saveMunicipality(c *gin.Context) {
	in := models.MunicipalitySettings{Name: c.PostForm("name"), Code: c.PostForm("code"), CVR: c.PostForm("cvr"),
		EmailSenderName: c.PostForm("email_sender_name"), DigitalPostSenderName: c.PostForm("digital_post_sender_name"),
		SecretariatAddress: c.PostForm("secretariat_address"), SecretariatPhone: c.PostForm("secretariat_phone"),
		SecretariatEmail: c.PostForm("secretariat_email"), SecretaryLookupsPerDay: c.PostForm("secretary_lookups_per_day"),
		SecretaryCSVRows: c.PostForm("secretary_csv_rows")}
	_, err := s.Setup.SaveMunicipality(c.Request.Context(), *site.User(c), in)
	var fe models.FieldErrors
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, municipalityPath+"?besked=municipality.saved")
	case errors.As(err, &fe):
		s.renderMunicipality(c, http.StatusUnprocessableEntity, in, fe, "")
	default: // 403, 404 (no municipality yet) or a failure
		s.pageRefused(c, err, func(status int, r refusal) { s.renderMunicipality(c, status, in, nil, r.Error) })
	}
}

// municipalityField is one input of the settings form, with the
// translator its template reads.
type municipalityField struct {
	T                        func(string, ...any) string
	Name, Type, Value, Error string
	Max                      int
	Required, Hint           bool
}

// municipalityView is the settings form in its three parts.
type municipalityView struct {
	Page
	Municipality, Senders, Secretariat, Limits []municipalityField
	HasErrors                                  bool
	Error, Notice                              string
}

// renderMunicipality renders the form with in; fe are the refusals per
// field, errText one of the request as a whole.
func (s *server) renderMunicipality(c *gin.Context, status int, in models.MunicipalitySettings, fe models.FieldErrors, errText string) {
	errs, T := site.FieldTexts(c, fe), site.T(c)
	field := func(name, typ, value string, max int, required, hint bool) municipalityField {
		return municipalityField{T: T, Name: name, Type: typ, Value: value, Error: errs[name], Max: max, Required: required, Hint: hint}
	}
	s.renderView(c, status, "municipality.html", "municipality.title", &municipalityView{
		Municipality: []municipalityField{
			field("name", "text", in.Name, models.MaxMunicipalityName, true, false),
			field("code", "text", in.Code, 4, true, true),
			field("cvr", "text", in.CVR, 8, true, true),
		},
		Senders: []municipalityField{
			field("email_sender_name", "text", in.EmailSenderName, models.MaxSenderName, false, true),
			field("digital_post_sender_name", "text", in.DigitalPostSenderName, models.MaxSenderName, false, true),
		},
		Secretariat: []municipalityField{
			field("secretariat_address", "text", in.SecretariatAddress, models.MaxSecretariatField, false, false),
			field("secretariat_phone", "tel", in.SecretariatPhone, 30, false, false),
			field("secretariat_email", "email", in.SecretariatEmail, 254, false, false),
		},
		Limits: []municipalityField{
			field("secretary_lookups_per_day", "text", in.SecretaryLookupsPerDay, 6, false, true),
			field("secretary_csv_rows", "text", in.SecretaryCSVRows, 4, false, true),
		},
		HasErrors: len(fe) > 0,
		Error:     errText,
		Notice:    noticeOf(c, "municipality.saved"),
	})
}
