package web

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The account e-mail is an editable template: administrators change its
// subject and text, see it filled in for a fictitious person before saving,
// and can go back to the shipped Danish default.

const invitationTemplatePath = "/admin/skabeloner/kontomail"

// templatePage is what template_edit.html shows.
type templatePage struct {
	Subject, Body string // the text in the form: stored, default or as typed
	Custom        bool   // the municipality has its own text (offer a reset)
	Problems      []templateProblem
	Preview       *mailPreview
	Unsaved       bool   // the preview is of text that is not saved
	Notice        string // a message key
}

// templateProblem is one thing wrong with the typed text. PartKey names the
// subject or the body ("" for the template as a whole); Reason is the
// Danish explanation with the line and column.
type templateProblem struct {
	PartKey   string
	Field     string
	Line, Col int
	Reason    string
}

// mailPreview is the e-mail filled in with fictitious values.
type mailPreview struct {
	Subject string
	HTML    template.HTML
	Text    string
}

// mergeField is one field the template offers, with its explanation's key.
type mergeField struct{ Name, Key string }

// invitationTemplate shows the account e-mail's template, filled in below.
func (s *server) invitationTemplate(c *gin.Context) {
	subject, body, custom, err := store.EffectiveTemplate(c.Request.Context(), s.DB, models.KindAccountInvitation, "email", nil, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := templatePage{Subject: subject, Body: body, Custom: custom, Notice: noticeOf(c, "templates.saved", "templates.wasreset")}
	s.withPreview(c, &p)
	s.renderTemplatePage(c, http.StatusOK, p)
}

// saveInvitationTemplate stores the typed text; on a mistake the form comes
// back with the text as typed and every problem with its line and column.
func (s *server) saveInvitationTemplate(c *gin.Context) {
	p := typedTemplate(c)
	err := store.SaveTemplate(c.Request.Context(), s.DB, *currentUser(c), models.MessageTemplate{
		Kind: models.KindAccountInvitation, Channel: "email", Subject: p.Subject, Body: p.Body, UpdatedAt: s.Now()})
	var te *store.TemplateError
	switch {
	case errors.As(err, &te):
		s.templateRefused(c, p, te)
		return
	case errors.Is(err, store.ErrForbidden):
		s.render(c, http.StatusForbidden, "error.html", "auth.forbidden", map[string]any{"Message": "auth.forbidden"})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.Log.InfoContext(c.Request.Context(), "message template saved", "kind", models.KindAccountInvitation, "user_id", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, invitationTemplatePath+"?besked=templates.saved")
}

// previewInvitationTemplate fills in the typed text without saving it.
func (s *server) previewInvitationTemplate(c *gin.Context) {
	p := typedTemplate(c)
	if _, _, err := store.CheckTemplate(models.KindAccountInvitation, "email", p.Subject, p.Body); err != nil {
		var te *store.TemplateError
		if !errors.As(err, &te) {
			s.fail(c, err)
			return
		}
		s.templateRefused(c, p, te)
		return
	}
	if err := s.markCustom(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	p.Unsaved = true
	s.withPreview(c, &p)
	s.renderTemplatePage(c, http.StatusOK, p)
}

// resetInvitationTemplate deletes the municipality's own text: the default
// is sent again.
func (s *server) resetInvitationTemplate(c *gin.Context) {
	err := store.ResetTemplate(c.Request.Context(), s.DB, *currentUser(c), models.KindAccountInvitation, "email", nil, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.Log.InfoContext(c.Request.Context(), "message template reset", "kind", models.KindAccountInvitation, "user_id", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, invitationTemplatePath+"?besked=templates.wasreset")
}

// typedTemplate reads the form. Browsers send a textarea's line breaks as
// CRLF; the template is stored with LF, so line numbers and the text part of
// the e-mail come out the same whoever typed it.
func typedTemplate(c *gin.Context) templatePage {
	return templatePage{
		Subject: c.PostForm("subject"),
		Body:    strings.ReplaceAll(c.PostForm("body"), "\r\n", "\n"),
	}
}

// templateRefused shows the form again with the text as typed and every
// problem in it.
func (s *server) templateRefused(c *gin.Context, p templatePage, te *store.TemplateError) {
	if err := s.markCustom(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	p.Problems = problemsOf(te)
	s.renderTemplatePage(c, http.StatusUnprocessableEntity, p)
}

// problemsOf lists what a *TemplateError found: the subject's field
// errors first, then the body's, each part's in the order they occur, then
// the rest.
func problemsOf(te *store.TemplateError) []templateProblem {
	var out []templateProblem
	for _, part := range []struct {
		key string
		err error
	}{{"templates.subject", te.Subject}, {"templates.body", te.Body}} {
		for _, fe := range models.FieldErrors(part.err) {
			out = append(out, templateProblem{PartKey: part.key, Field: fe.Field, Line: fe.Line, Col: fe.Col, Reason: fe.Reason})
		}
	}
	for _, reason := range te.Problems {
		out = append(out, templateProblem{Reason: reason})
	}
	return out
}

// markCustom tells whether the municipality has its own text stored, for
// the reset button.
func (s *server) markCustom(c *gin.Context, p *templatePage) error {
	_, _, custom, err := store.EffectiveTemplate(c.Request.Context(), s.DB, models.KindAccountInvitation, "email", nil, nil)
	p.Custom = custom
	return err
}

// withPreview fills in p's text for a fictitious recipient. A text that
// does not check out (the stored one always does) gets its problems listed
// instead.
func (s *server) withPreview(c *gin.Context, p *templatePage) {
	st, bt, err := store.CheckTemplate(models.KindAccountInvitation, "email", p.Subject, p.Body)
	var te *store.TemplateError
	switch {
	case errors.As(err, &te):
		p.Problems = append(p.Problems, problemsOf(te)...)
		return
	case err != nil:
		p.Problems = append(p.Problems, templateProblem{Reason: err.Error()})
		return
	}
	preview, err := renderPreview(st, bt, s.exampleValues(c))
	if err != nil {
		for _, fe := range models.FieldErrors(err) {
			p.Problems = append(p.Problems, templateProblem{Field: fe.Field, Line: fe.Line, Col: fe.Col, Reason: fe.Reason})
		}
		if len(p.Problems) == 0 {
			p.Problems = append(p.Problems, templateProblem{Reason: err.Error()})
		}
		return
	}
	p.Preview = &preview
}

// renderPreview renders both parts of the e-mail as SendAccountInvitation
// does.
func renderPreview(st, bt *models.Template, values map[string]string) (mailPreview, error) {
	subject, err := st.Render(values, models.PlainText)
	if err != nil {
		return mailPreview{}, err
	}
	text, err := bt.Render(values, models.PlainText)
	if err != nil {
		return mailPreview{}, err
	}
	body, err := bt.HTML().Render(values, html.EscapeString)
	if err != nil {
		return mailPreview{}, err
	}
	// Safe as HTML: Template.HTML escapes the author's text and adds only
	// <p>, <br> and links to http(s) URLs; every value is escaped by
	// html.EscapeString.
	return mailPreview{Subject: subject, HTML: template.HTML(body), Text: text}, nil
}

// exampleValues are the fictitious values of the preview
// (models.ExampleValues): a made-up person and slot, the municipality's
// real name and example links on this site.
func (s *server) exampleValues(c *gin.Context) map[string]string {
	name := "Eksempel Kommune"
	var m models.Municipality
	if err := s.DB.WithContext(c.Request.Context()).Limit(1).Find(&m).Error; err == nil && m.Name != "" {
		name = m.Name
	}
	scheme := "https"
	if !s.SecureCookies && c.Request.TLS == nil {
		scheme = "http"
	}
	host := c.Request.Host
	if host == "" {
		host = "valghalla.example"
	}
	return models.ExampleValues(name, "Kommunal- og regionsrådsvalg 2029", scheme+"://"+host)
}

func (s *server) renderTemplatePage(c *gin.Context, status int, p templatePage) {
	var fields []mergeField
	for _, f := range store.TemplateFields(models.KindAccountInvitation) {
		fields = append(fields, mergeField{Name: f, Key: "templates.field." + f})
	}
	s.render(c, status, "template_edit.html", "templates.invitation.title", map[string]any{
		"Page": p, "Fields": fields, "Action": invitationTemplatePath,
	})
}
