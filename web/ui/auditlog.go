package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/people"
	"github.com/valghalla/valghalla/web/export"
	"github.com/valghalla/valghalla/web/site"
)

// The audit log page of administrators: every entry, newest first,
// filtered by actor, person, action and date, a page at a time, and the
// same as a CSV file. people.AuditLog writes each reading to the log.
//
// A CPR number typed in the filter never stays in an address: the form is
// sent by POST and answered with a redirect to an address that carries the
// number's blind index instead (cprindeks), as do the paging links.

const (
	auditLogPath    = "/admin/revisionslog"
	auditLogCSVPath = "/admin/revisionslog.csv"
	// The query parameters of the page besides the form's fields: the
	// blind index of a CPR number, and the cursors of the pages after
	// (older) and before (newer).
	auditParamIndex = "cprindeks"
	auditParamOlder = "aeldre"
	auditParamNewer = "nyere"
)

// auditLogQuery reads the filter's fields from the form (POST) or the
// address (GET).
func auditLogQuery(get func(string) string) people.AuditLogQuery {
	return people.AuditLogQuery{Actor: get(people.AuditFieldActor), Person: get(people.AuditFieldPerson),
		CPR: get(people.AuditFieldCPR), SubjectIndex: get(auditParamIndex), Action: get(people.AuditFieldAction),
		From: get(people.AuditFieldFrom), To: get(people.AuditFieldTo)}
}

// auditFilterValues is the address of a filter, to link to.
func auditFilterValues(f models.AuditFilter) url.Values {
	v := url.Values{}
	switch {
	case f.System:
		v.Set(people.AuditFieldActor, people.SystemActor)
	case f.ActorID != 0:
		v.Set(people.AuditFieldActor, strconv.FormatInt(f.ActorID, 10))
	}
	if f.ParticipantID != 0 {
		v.Set(people.AuditFieldPerson, strconv.FormatInt(f.ParticipantID, 10))
	}
	if f.SubjectIndex != "" {
		v.Set(auditParamIndex, f.SubjectIndex)
	}
	if f.Action != "" {
		v.Set(people.AuditFieldAction, string(f.Action))
	}
	if !f.From.IsZero() {
		v.Set(people.AuditFieldFrom, f.From.String())
	}
	if !f.To.IsZero() {
		v.Set(people.AuditFieldTo, f.To.String())
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// A cursor in an address: the entry's time in Unix nanoseconds and its id.
func formatCursor(c models.AuditCursor) string {
	return strconv.FormatInt(c.At.UnixNano(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

func parseCursor(s string) models.AuditCursor {
	at, id, ok := strings.Cut(s, ".")
	if !ok {
		return models.AuditCursor{}
	}
	ns, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return models.AuditCursor{}
	}
	return models.AuditCursor{At: time.Unix(0, ns).UTC(), ID: n}
}

// auditLogView is the log page: the filter form, a page of entries and
// the links to the pages around it.
type auditLogView struct {
	Page
	Form    people.AuditLogQuery
	ByCPR   bool              // the filter is a CPR number, not shown again
	Errors  map[string]string // per field
	Actors  []models.User
	Actions []auditActionOption
	Rows    []auditLogRow
	// Links keep the filter: to the first page, the newer and the older
	// page ("" when there is none), and to the CSV file of the filter.
	First, Newer, Older, CSV string
	Filtered                 bool // the form chose something
}

// auditActionOption is an action in the filter's list.
type auditActionOption struct{ Value, Label string }

// auditLogRow is an entry as the page shows it.
type auditLogRow struct {
	At, Actor, Action, Detail string
	System                    bool
	PersonID                  int64
	PersonName                string
	Unregistered              bool
}

// actionLabel is an action in the reader's language; one that has no
// translation yet shows as written.
func actionLabel(T func(string, ...any) string, a models.AuditAction) string {
	key := "auditlog.action." + string(a)
	if label := T(key); label != key {
		return label
	}
	return string(a)
}

// auditActorName is who did it: the user's name, or the system.
func auditActorName(T func(string, ...any) string, r models.AuditRow) string {
	switch {
	case r.ActorID == nil:
		return T("auditlog.system")
	case r.ActorName == "":
		return "#" + strconv.FormatInt(*r.ActorID, 10)
	}
	return r.ActorName
}

// auditPersonName is whom it was about: the person's name, "ikke
// registreret" for a lookup of someone never registered, or nothing.
func auditPersonName(T func(string, ...any) string, r models.AuditRow) string {
	switch {
	case r.ParticipantID != nil:
		if r.PersonName == "" {
			return "#" + strconv.FormatInt(*r.ParticipantID, 10)
		}
		return r.PersonName
	case r.Unregistered():
		return T("auditlog.unregistered")
	}
	return ""
}

const auditTimeLayout = "2006-01-02 15:04:05"

// auditLog shows a page of the log, the filter in the address.
func (s *server) auditLog(c *gin.Context) {
	q := auditLogQuery(c.Query)
	f, typedCPR, err := s.People.AuditLogFilter(c.Request.Context(), *site.User(c), q)
	if s.auditLogRefused(c, q, err) {
		return
	}
	if typedCPR {
		// A CPR number in the address (typed there, or an old bookmark):
		// the same page at an address with its blind index instead.
		c.Redirect(http.StatusSeeOther, withQuery(auditLogPath, auditFilterValues(f)))
		return
	}
	older, newer := parseCursor(c.Query(auditParamOlder)), parseCursor(c.Query(auditParamNewer))
	page, err := s.People.AuditLog(c.Request.Context(), *site.User(c), f, older, newer)
	if s.readFailed(c, err) {
		return
	}
	v, ok := s.auditLogForm(c, q, f, nil)
	if !ok {
		return
	}
	T := site.T(c)
	for _, r := range page.Rows {
		row := auditLogRow{At: r.At.In(models.Copenhagen).Format(auditTimeLayout), Actor: auditActorName(T, r),
			System: r.ActorID == nil, Action: actionLabel(T, r.Action), Detail: r.Detail, Unregistered: r.Unregistered()}
		if r.ParticipantID != nil {
			row.PersonID, row.PersonName = *r.ParticipantID, auditPersonName(T, r)
		}
		v.Rows = append(v.Rows, row)
	}
	base := auditFilterValues(f)
	link := func(param string, cur models.AuditCursor) string {
		if cur.IsZero() {
			return ""
		}
		v := auditFilterValues(f)
		v.Set(param, formatCursor(cur))
		return withQuery(auditLogPath, v)
	}
	v.Older, v.Newer = link(auditParamOlder, page.Older), link(auditParamNewer, page.Newer)
	if !older.IsZero() || !newer.IsZero() {
		v.First = withQuery(auditLogPath, base)
	}
	c.Header("Cache-Control", "no-store")
	s.renderView(c, http.StatusOK, "auditlog.html", "auditlog.title", v)
}

// auditLogForm is the page's view with the filter form filled in; no
// entries yet.
func (s *server) auditLogForm(c *gin.Context, q people.AuditLogQuery, f models.AuditFilter, errs map[string]string) (*auditLogView, bool) {
	actors, err := s.People.AuditLogActors(c.Request.Context(), *site.User(c))
	if s.readFailed(c, err) {
		return nil, false
	}
	T := site.T(c)
	v := &auditLogView{Form: q, Errors: errs, Actors: actors}
	// A CPR number typed is never shown again: a filter by one says so
	// and keeps its blind index in the form. A refused id is not shown
	// either (it may be a CPR number typed in the wrong field).
	v.Form.CPR = ""
	v.ByCPR = f.SubjectIndex != "" || (q.CPR == "" && q.SubjectIndex != "" && errs[people.AuditFieldCPR] == "")
	if errs[people.AuditFieldPerson] != "" {
		v.Form.Person = ""
	}
	if !v.ByCPR {
		v.Form.SubjectIndex = ""
	}
	for _, a := range people.AuditActions {
		v.Actions = append(v.Actions, auditActionOption{Value: string(a), Label: actionLabel(T, a)})
	}
	models.SortDanish(v.Actions, func(o auditActionOption) string { return o.Label })
	v.Filtered = len(auditFilterValues(f)) > 0
	v.CSV = withQuery(auditLogCSVPath, auditFilterValues(f))
	return v, true
}

// auditLogRefused answers a filter that cannot be used: the page again
// with a message at each field at fault (422) and no entries, or the
// refusal's own page. It reports whether there was one.
func (s *server) auditLogRefused(c *gin.Context, q people.AuditLogQuery, err error) bool {
	var fe models.FieldErrors
	switch {
	case err == nil:
		return false
	case errors.As(err, &fe):
		v, ok := s.auditLogForm(c, q, models.AuditFilter{}, site.FieldTexts(c, fe))
		if ok {
			c.Header("Cache-Control", "no-store")
			s.renderView(c, http.StatusUnprocessableEntity, "auditlog.html", "auditlog.title", v)
		}
	default:
		s.readFailed(c, err)
	}
	return true
}

// filterAuditLog takes the filter form (POST, so a CPR number typed is
// not in the address) to the page of its filter.
func (s *server) filterAuditLog(c *gin.Context) {
	q := auditLogQuery(c.PostForm)
	f, _, err := s.People.AuditLogFilter(c.Request.Context(), *site.User(c), q)
	if s.auditLogRefused(c, q, err) {
		return
	}
	c.Redirect(http.StatusSeeOther, withQuery(auditLogPath, auditFilterValues(f)))
}

// auditLogCSV sends every entry the filter chooses as CSV, written row by
// row through export (each cell formula-safe: a user named
// "=HYPERLINK(…)" stays text). The export is in the log itself.
func (s *server) auditLogCSV(c *gin.Context) {
	ctx := c.Request.Context()
	q := auditLogQuery(c.Query)
	f, typedCPR, err := s.People.AuditLogFilter(ctx, *site.User(c), q)
	if s.auditLogRefused(c, q, err) {
		return
	}
	if typedCPR {
		c.Redirect(http.StatusSeeOther, withQuery(auditLogCSVPath, auditFilterValues(f)))
		return
	}
	T := site.T(c)
	var w *export.CSVWriter // nil until the first entries (or the end)
	err = s.People.ExportAuditLog(ctx, *site.User(c), f, func(rows []models.AuditRow) error {
		if w == nil {
			var err error
			if w, err = s.startAuditCSV(c); err != nil {
				return err
			}
		}
		for _, r := range rows {
			if err := w.Row(r.At.In(models.Copenhagen).Format(auditTimeLayout), auditActorName(T, r),
				actionLabel(T, r.Action), auditPersonName(T, r), r.Detail); err != nil {
				return err
			}
		}
		return nil
	})
	if w == nil && err != nil { // nothing sent yet: an answer of its own
		s.readFailed(c, err)
		return
	}
	if w == nil { // no entries: the header row only
		w, err = s.startAuditCSV(c)
	}
	if w != nil {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		// The file is cut short; its status is sent already.
		s.Log.ErrorContext(ctx, "audit log export not written", "error", err)
	}
}

// startAuditCSV sends the headers of the CSV file and its header row.
func (s *server) startAuditCSV(c *gin.Context) (*export.CSVWriter, error) {
	T := site.T(c)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="revisionslog.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	return export.NewCSV(c.Writer, []string{T("auditlog.col.at"), T("auditlog.col.actor"), T("auditlog.col.action"),
		T("auditlog.col.person"), T("auditlog.col.detail")})
}
