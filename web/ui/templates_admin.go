package ui

import (
	"html"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The pieces the message template editor (messages_admin.go) shares with
// the account e-mail's first editor, whose address now leads into it.

// invitationTemplatePath is the account e-mail's old editor; it redirects to
// the account e-mail in the message template editor.
const invitationTemplatePath = "/admin/skabeloner/kontomail"

func (s *server) invitationTemplate(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, messageTemplatesPath+"/"+models.KindAccountInvitation+"/email")
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

// problemsOf lists what a *TemplateError found: the subject's field
// errors first, then the body's, each part's in the order they occur, then
// the rest.
func problemsOf(c *gin.Context, te *models.TemplateError) []templateProblem {
	var out []templateProblem
	for _, part := range []struct {
		key string
		err error
	}{{"templates.subject", te.Subject}, {"templates.body", te.Body}} {
		for _, fe := range models.MergeFieldErrors(part.err) {
			out = append(out, templateProblem{PartKey: part.key, Field: fe.Field, Line: fe.Line, Col: fe.Col, Reason: site.ErrText(c, fe.Refusal())})
		}
	}
	for _, reason := range te.Problems {
		out = append(out, templateProblem{Reason: site.ErrText(c, reason)})
	}
	return out
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

// exampleValues are the fictitious values of the preview in a scope
// (messaging.ExampleValues), with links on this site.
func (s *server) exampleValues(c *gin.Context, sc messageScope) map[string]string {
	scheme := "https"
	if !s.SecureCookies && c.Request.TLS == nil {
		scheme = "http"
	}
	host := c.Request.Host
	if host == "" {
		host = "valghalla.example"
	}
	return s.Messaging.ExampleValues(c.Request.Context(), scheme+"://"+host, sc.Scope)
}
