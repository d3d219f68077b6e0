package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/messaging"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The message templates: every kind of message on every channel it goes by,
// municipality-wide, for one election or for one task type within an
// election. Staff see them and try a text in the preview; administrators
// save and reset. The preview is live: a small script posts the form as the
// author types (static/template-preview.js), and the Preview button does
// the same without JavaScript.

const messageTemplatesPath = "/admin/beskeder"

// messageScope is where a template applies (messaging.Scope), as the
// pages carry it over links (Query).
type messageScope struct{ messaging.Scope }

// Query is the scope as a query string ("" municipality-wide), to carry it
// over links and redirects.
func (sc messageScope) Query() string {
	v := url.Values{}
	if sc.Election != nil {
		v.Set("valg", strconv.FormatInt(sc.Election.ID, 10))
	}
	if sc.TaskType != nil {
		v.Set("opgavetype", strconv.FormatInt(sc.TaskType.ID, 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// scopeOf reads the scope from the query or the form ("valg", "opgavetype").
// An unknown election or task type, or a task type without its election,
// is not a scope (ok false).
func (s *server) scopeOf(c *gin.Context) (sc messageScope, ok bool, err error) {
	var ids [2]*int64
	for i, name := range []string{"valg", "opgavetype"} {
		raw := c.Request.FormValue(name)
		if raw == "" {
			continue
		}
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return sc, false, nil
		}
		ids[i] = &id
	}
	sc.Scope, ok, err = s.Messaging.TemplateScope(c.Request.Context(), ids[0], ids[1])
	return sc, ok, err
}

// templateCell is one kind on one channel in the list.
type templateCell struct {
	Channel string
	Exists  bool   // the kind goes by this channel
	Source  string // "default", "here" or "inherited"
	Link    string
}

type templateRow struct {
	Kind  string
	Cells []templateCell
}

// messageTemplates lists every kind × channel with where its text comes from
// in the chosen scope.
func (s *server) messageTemplates(c *gin.Context) {
	sc, ok, err := s.scopeOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	notice := ""
	if !ok && c.Query("valg") == "" {
		// A task type chosen in the form without an election: task types
		// are shared by all elections, so say so and show the whole
		// municipality's.
		notice, ok = "msgtpl.scope.hint", true
	}
	if !ok {
		s.notFound(c)
		return
	}
	v, err := s.Messaging.Templates(c.Request.Context(), sc.Scope)
	if err != nil {
		s.fail(c, err)
		return
	}
	var rows []templateRow
	for _, kind := range models.MessageKinds {
		row := templateRow{Kind: kind}
		channels := messaging.TemplateChannels(kind)
		for _, ch := range models.TemplateChannels {
			cell := templateCell{Channel: ch, Exists: slices.Contains(channels, ch)}
			if cell.Exists {
				cell.Source = sourceName(v.Sources[kind+"/"+ch])
				cell.Link = messageTemplatesPath + "/" + kind + "/" + ch + sc.Query()
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	s.renderView(c, http.StatusOK, "message_templates.html", "msgtpl.title", &messageTemplatesView{
		Rows: rows, Channels: models.TemplateChannels, Scope: sc, Elections: v.Elections, TaskTypes: v.TaskTypes, Problem: notice,
	})
}

// messageTemplatesView is the list of message templates in a scope.
type messageTemplatesView struct {
	Page
	Rows      []templateRow
	Channels  []string
	Scope     messageScope
	Elections []models.Election
	TaskTypes []models.TaskType
	Problem   string // a message key
}

func sourceName(src models.TemplateSource) string {
	switch src {
	case models.SourceHere:
		return "here"
	case models.SourceInherited:
		return "inherited"
	}
	return "default"
}

// messageTemplatePage is what message_template_edit.html shows.
type messageTemplatePage struct {
	Kind, Channel string
	Scope         messageScope
	Subject, Body string // the text in the form: stored, default or as typed
	Source        string // where the stored text comes from: "default", "here", "inherited"
	Problems      []templateProblem
	Preview       *messagePreview
	Unsaved       bool   // the preview is of text that is not saved
	Notice        string // a message key
}

// messagePreview is a message filled in with fictitious values.
type messagePreview struct {
	Channel string
	Subject string
	HTML    template.HTML // e-mail and Digital Post
	Text    string        // e-mail's text part; the SMS
	SMS     *models.SMSLength
}

// templateTarget reads the kind and channel from the path; ok is false (and
// a 404 written) when no such template exists or the scope is not one.
func (s *server) templateTarget(c *gin.Context) (p messageTemplatePage, ok bool) {
	p.Kind, p.Channel = c.Param("kind"), c.Param("channel")
	if !slices.Contains(messaging.TemplateChannels(p.Kind), p.Channel) {
		s.notFound(c)
		return p, false
	}
	sc, ok, err := s.scopeOf(c)
	if err != nil {
		s.fail(c, err)
		return p, false
	}
	if !ok {
		s.notFound(c)
		return p, false
	}
	p.Scope = sc
	sources, err := s.Messaging.TemplateSources(c.Request.Context(), sc.Scope)
	if err != nil {
		s.fail(c, err)
		return p, false
	}
	p.Source = sourceName(sources[p.Kind+"/"+p.Channel])
	return p, true
}

// messageTemplate shows one template, filled in below.
func (s *server) messageTemplate(c *gin.Context) {
	p, ok := s.templateTarget(c)
	if !ok {
		return
	}
	subject, body, err := s.Messaging.TemplateText(c.Request.Context(), p.Kind, p.Channel, p.Scope.Scope)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Subject, p.Body = subject, body
	p.Notice = noticeOf(c, "msgtpl.saved", "msgtpl.wasreset")
	s.withMessagePreview(c, &p)
	s.renderMessageTemplate(c, http.StatusOK, p)
}

// typedMessage reads the typed text into p. Browsers send a textarea's
// line breaks as CRLF; the template is stored with LF, so line numbers and
// the text part of an e-mail come out the same whoever typed it. An SMS has
// no subject.
func typedMessage(c *gin.Context, p *messageTemplatePage) {
	p.Subject, p.Body = c.PostForm("subject"), strings.ReplaceAll(c.PostForm("body"), "\r\n", "\n")
	if p.Channel == "sms" {
		p.Subject = ""
	}
}

// saveMessageTemplate stores the typed text for the scope; on a mistake the
// form comes back with the text as typed and every problem with its line
// and column.
func (s *server) saveMessageTemplate(c *gin.Context) {
	p, ok := s.templateTarget(c)
	if !ok {
		return
	}
	typedMessage(c, &p)
	err := s.Messaging.SaveTemplate(c.Request.Context(), *site.User(c), p.Kind, p.Channel, p.Scope.Scope, p.Subject, p.Body)
	var te *models.TemplateError
	switch {
	case errors.As(err, &te):
		p.Problems = problemsOf(c, te)
		s.renderMessageTemplate(c, http.StatusUnprocessableEntity, p)
		return
	case errors.Is(err, models.ErrForbidden):
		s.forbidden(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, s.templateLink(p, "msgtpl.saved"))
}

// resetMessageTemplate deletes the text stored for exactly this scope: the
// next wider one, at last the default, is sent again.
func (s *server) resetMessageTemplate(c *gin.Context) {
	p, ok := s.templateTarget(c)
	if !ok {
		return
	}
	err := s.Messaging.ResetTemplate(c.Request.Context(), *site.User(c), p.Kind, p.Channel, p.Scope.Scope)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, s.templateLink(p, "msgtpl.wasreset"))
}

func (s *server) templateLink(p messageTemplatePage, notice string) string {
	q := p.Scope.Query()
	if q == "" {
		q = "?"
	} else {
		q += "&"
	}
	return messageTemplatesPath + "/" + p.Kind + "/" + p.Channel + q + "besked=" + notice
}

// previewMessageTemplate shows the whole page with the typed text filled
// in, without saving it: the Preview button, which works without
// JavaScript.
func (s *server) previewMessageTemplate(c *gin.Context) {
	if p, status, ok := s.typedPreview(c); ok {
		s.renderMessageTemplate(c, status, p)
	}
}

// liveMessagePreview returns only the preview (or the problems) of the
// typed text, for the script that refreshes it as the author types.
func (s *server) liveMessagePreview(c *gin.Context) {
	if p, status, ok := s.typedPreview(c); ok {
		s.render(c, status, "message_preview", "msgtpl.title", map[string]any{"Template": p})
	}
}

// typedPreview fills in the typed text; the status is 422 when it has
// problems instead of a preview.
func (s *server) typedPreview(c *gin.Context) (p messageTemplatePage, status int, ok bool) {
	if p, ok = s.templateTarget(c); !ok {
		return p, 0, false
	}
	typedMessage(c, &p)
	p.Unsaved = true
	s.withMessagePreview(c, &p)
	if p.Preview == nil {
		return p, http.StatusUnprocessableEntity, true
	}
	return p, http.StatusOK, true
}

// withMessagePreview fills in p's text for a fictitious recipient, or lists
// what is wrong with it.
func (s *server) withMessagePreview(c *gin.Context, p *messageTemplatePage) {
	st, bt, err := messaging.CheckTemplate(p.Kind, p.Channel, p.Subject, p.Body)
	var te *models.TemplateError
	switch {
	case errors.As(err, &te):
		p.Problems = append(p.Problems, problemsOf(c, te)...)
		return
	case err != nil:
		p.Problems = append(p.Problems, templateProblem{Reason: site.ErrText(c, err)})
		return
	}
	values := s.exampleValues(c, p.Scope)
	preview, err := renderMessagePreview(p.Channel, st, bt, values)
	if err != nil {
		for _, fe := range models.MergeFieldErrors(err) {
			p.Problems = append(p.Problems, templateProblem{Field: fe.Field, Line: fe.Line, Col: fe.Col, Reason: site.ErrText(c, fe.Refusal())})
		}
		if len(p.Problems) == 0 {
			p.Problems = append(p.Problems, templateProblem{Reason: site.ErrText(c, err)})
		}
		return
	}
	p.Preview = &preview
}

// renderMessagePreview renders a template as its channel sends it: an
// e-mail with its HTML and text parts, a Digital Post letter in HTML, an
// SMS as plain text with its length.
func renderMessagePreview(channel string, st, bt *models.Template, values map[string]string) (messagePreview, error) {
	if channel == "sms" {
		text, err := bt.Render(values, models.PlainText)
		if err != nil {
			return messagePreview{}, err
		}
		n := models.SMSSegments(text)
		return messagePreview{Channel: channel, Text: text, SMS: &n}, nil
	}
	m, err := renderPreview(st, bt, values)
	if err != nil {
		return messagePreview{}, err
	}
	return messagePreview{Channel: channel, Subject: m.Subject, HTML: m.HTML, Text: m.Text}, nil
}

func (s *server) renderMessageTemplate(c *gin.Context, status int, p messageTemplatePage) {
	var fields []mergeField
	for _, f := range messaging.TemplateFields(p.Kind) {
		fields = append(fields, mergeField{Name: f, Key: "templates.field." + f})
	}
	action := messageTemplatesPath + "/" + p.Kind + "/" + p.Channel
	u := site.User(c)
	s.renderView(c, status, "message_template_edit.html", "msgtpl.kind."+p.Kind, &messageTemplateView{
		Template: p, Scope: p.Scope, Fields: fields, Action: action, Back: messageTemplatesPath + p.Scope.Query(),
		CanSave: u != nil && u.Role == models.RoleAdmin,
	})
}

// messageTemplateView is one message template's page.
type messageTemplateView struct {
	Page
	Template     messageTemplatePage
	Scope        messageScope
	Fields       []mergeField
	Action, Back string
	CanSave      bool
}
