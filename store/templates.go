package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// Message templates: every kind of message ships a Danish default text; an
// administrator may replace it with the municipality's own, municipality-wide
// or for one election or one task type within an election
// (models.MessageTemplate). The most specific stored template is the one
// that is sent.

// templateKind is what the app knows about one kind of message.
type templateKind struct {
	fields []string // the merge fields it offers
	// required holds, per channel, the fields it cannot do without.
	required map[string][]string
	// defaults holds the shipped subject and body for each channel the kind
	// goes by; a channel not listed here takes no template of the kind.
	defaults map[string][2]string
}

// templateKinds is built from the shipped defaults (models.MessageDefaults):
// every kind on every channel it goes by.
var templateKinds = func() map[string]templateKind {
	kinds := map[string]templateKind{}
	for kind, channels := range models.MessageDefaults {
		k := templateKind{fields: models.MessageFields(kind), required: map[string][]string{}, defaults: map[string][2]string{}}
		for channel, d := range channels {
			k.defaults[channel] = [2]string{d.Subject, d.Body}
			k.required[channel] = models.RequiredFields(kind, channel)
		}
		kinds[kind] = k
	}
	return kinds
}()

// Limits on a template's size: a subject is one line, a body a letter.
const (
	maxTemplateSubject = 250
	maxTemplateBody    = 20000
)

// ErrUnknownTemplate: no message of this kind goes by this channel.
var ErrUnknownTemplate = errors.New("unknown message template (kind or channel)")

func kindFor(kind, channel string) (templateKind, error) {
	k, ok := templateKinds[kind]
	if !ok {
		return k, fmt.Errorf("%w: %q", ErrUnknownTemplate, kind)
	}
	if _, ok := k.defaults[channel]; !ok {
		return k, fmt.Errorf("%w: %q by %q", ErrUnknownTemplate, kind, channel)
	}
	return k, nil
}

// TemplateFields returns the merge fields a kind of message offers (bare,
// e.g. "user:name"), nil for an unknown kind.
func TemplateFields(kind string) []string {
	return append([]string(nil), templateKinds[kind].fields...)
}

// CheckTemplate parses a subject and body for a kind of message on a
// channel: only the kind's merge fields, none the channel forbids (CPR
// numbers and party affiliation never go by e-mail or SMS), the fields the
// kind cannot do without, and sensible sizes. Every problem is reported at
// once, as a *models.TemplateError. The subject is ignored for SMS.
func CheckTemplate(kind, channel, subject, body string) (subjectT, bodyT *models.Template, err error) {
	k, err := kindFor(kind, channel)
	if err != nil {
		return nil, nil, err
	}
	te := &models.TemplateError{}
	if channel != "sms" {
		switch {
		case strings.TrimSpace(subject) == "":
			te.Problems = append(te.Problems, models.RefuseField("subject", "error.template.nosubject"))
		case strings.ContainsFunc(subject, unicode.IsControl):
			te.Problems = append(te.Problems, models.RefuseField("subject", "error.template.subjectlines"))
		case utf8.RuneCountInString(subject) > maxTemplateSubject:
			te.Problems = append(te.Problems, models.RefuseField("subject", "error.template.subjectlong", maxTemplateSubject))
		}
		subjectT, te.Subject = parseForChannel(subject, k.fields, channel)
	}
	switch {
	case strings.TrimSpace(body) == "":
		te.Problems = append(te.Problems, models.RefuseField("body", "error.template.nobody"))
	case utf8.RuneCountInString(body) > maxTemplateBody:
		te.Problems = append(te.Problems, models.RefuseField("body", "error.template.bodylong", maxTemplateBody))
	default:
		bodyT, te.Body = parseForChannel(body, k.fields, channel)
		if bodyT != nil {
			used := map[string]bool{}
			for _, f := range bodyT.Fields() {
				used[f] = true
			}
			for _, f := range k.required[channel] {
				if !used[f] {
					te.Problems = append(te.Problems, models.RefuseField("body", "error.template.required", f))
				}
			}
		}
	}
	if te.Subject != nil || te.Body != nil || len(te.Problems) > 0 {
		return nil, nil, te
	}
	return subjectT, bodyT, nil
}

// parseForChannel parses text against the allowed fields and checks it
// against the channel. A field that is sensitive (models.IsSensitiveField)
// but not offered by the kind would be reported as merely unknown; on a
// channel that refuses it the channel's reason is given instead, so the
// author learns that no spelling of it will do.
func parseForChannel(text string, allowed []string, channel string) (*models.Template, error) {
	t, err := models.ParseTemplate(text, allowed)
	if err != nil {
		var errs []error
		for _, fe := range models.MergeFieldErrors(err) {
			errs = append(errs, channelRefusal(fe, channel))
		}
		return nil, errors.Join(errs...)
	}
	if err := models.CheckChannelFields(t, channel); err != nil {
		return nil, err
	}
	return t, nil
}

// channelRefusal returns the channel's own error for the field of fe, at
// the same line and column, if the channel refuses that field; else fe. It
// lets models.CheckChannelFields word the refusal by checking the field
// alone, placed where it stood.
func channelRefusal(fe *models.FieldError, channel string) error {
	if !models.IsSensitiveField(fe.Field) {
		return fe
	}
	probe := strings.Repeat("\n", fe.Line-1) + strings.Repeat(" ", fe.Col-1) + "[" + fe.Field + "]"
	t, err := models.ParseTemplate(probe, []string{fe.Field})
	if err != nil {
		return fe
	}
	if refused := models.MergeFieldErrors(models.CheckChannelFields(t, channel)); len(refused) == 1 {
		return refused[0]
	}
	return fe
}

// EffectiveTemplate returns the subject and body to send for a kind of
// message on a channel: the most specific stored template (the task type
// within the election, then the election, then municipality-wide) or, when
// none is stored, the shipped default (custom is then false). Pass nil for
// electionID and taskTypeID when the message belongs to no election.
func EffectiveTemplate(ctx context.Context, db *gorm.DB, kind, channel string, electionID, taskTypeID *int64) (subject, body string, custom bool, err error) {
	k, err := kindFor(kind, channel)
	if err != nil {
		return "", "", false, err
	}
	q := applyingIn(db.WithContext(ctx).Where("kind = ? AND channel = ?", kind, channel), electionID, taskTypeID)
	var ts []models.MessageTemplate
	// At most three rows match, one per scope: pick the most specific here
	// rather than in dialect-specific SQL.
	if err := q.Find(&ts).Error; err != nil {
		return "", "", false, err
	}
	best := -1
	for i, t := range ts {
		if best < 0 || specificity(t) > specificity(ts[best]) {
			best = i
		}
	}
	if best >= 0 {
		return ts[best].Subject, ts[best].Body, true, nil
	}
	d := k.defaults[channel]
	return d[0], d[1], false, nil
}

// applyingIn narrows q to the stored templates that apply in a scope: its
// own and every wider one.
func applyingIn(q *gorm.DB, electionID, taskTypeID *int64) *gorm.DB {
	switch {
	case electionID == nil:
		return q.Where("election_id IS NULL AND task_type_id IS NULL")
	case taskTypeID == nil:
		return q.Where("(election_id IS NULL OR election_id = ?) AND task_type_id IS NULL", *electionID)
	}
	return q.Where("(election_id IS NULL OR election_id = ?) AND (task_type_id IS NULL OR task_type_id = ?)", *electionID, *taskTypeID)
}

func specificity(t models.MessageTemplate) int {
	switch {
	case t.TaskTypeID != nil:
		return 2
	case t.ElectionID != nil:
		return 1
	}
	return 0
}

// SaveTemplate stores an administrator's template for t's kind, channel and
// scope (ElectionID, TaskTypeID), replacing the one stored there before. The
// text is checked first (CheckTemplate); a *models.TemplateError lists everything
// wrong with it. t.UpdatedAt is the time of the change (now when zero);
// UpdatedBy is the actor. Administrators only (models.ErrForbidden).
func SaveTemplate(ctx context.Context, db *gorm.DB, actor models.User, t models.MessageTemplate) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	if err := checkScope(t); err != nil {
		return err
	}
	if _, _, err := CheckTemplate(t.Kind, t.Channel, t.Subject, t.Body); err != nil {
		return err
	}
	if t.Channel == "sms" {
		t.Subject = ""
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now()
	}
	t.UpdatedAt = t.UpdatedAt.UTC()
	t.UpdatedBy = &actor.ID
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The unique index is on COALESCE(election_id, 0), COALESCE(task_type_id, 0):
		// PostgreSQL and SQLite both accept those expressions as the
		// conflict target, so two administrators saving at once leave one row.
		err := tx.Exec(`INSERT INTO message_templates (kind, channel, election_id, task_type_id, subject, body, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (kind, channel, COALESCE(election_id, 0), COALESCE(task_type_id, 0))
DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			t.Kind, t.Channel, t.ElectionID, t.TaskTypeID, t.Subject, t.Body, t.UpdatedBy, t.UpdatedAt).Error
		if err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: t.UpdatedAt, ActorID: &actor.ID, Action: models.AuditTemplateChanged,
			Detail: "saved " + describeScope(t)})
	})
}

// ResetTemplate deletes the administrator's template for a kind, channel
// and scope, so the next less specific one (at last the shipped default) is
// sent again. Resetting where nothing is stored does nothing. Administrators
// only (models.ErrForbidden).
func ResetTemplate(ctx context.Context, db *gorm.DB, actor models.User, kind, channel string, electionID, taskTypeID *int64) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	t := models.MessageTemplate{Kind: kind, Channel: channel, ElectionID: electionID, TaskTypeID: taskTypeID}
	if err := checkScope(t); err != nil {
		return err
	}
	if _, err := kindFor(kind, channel); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("kind = ? AND channel = ?", kind, channel)
		if electionID == nil {
			q = q.Where("election_id IS NULL")
		} else {
			q = q.Where("election_id = ?", *electionID)
		}
		if taskTypeID == nil {
			q = q.Where("task_type_id IS NULL")
		} else {
			q = q.Where("task_type_id = ?", *taskTypeID)
		}
		res := q.Delete(&models.MessageTemplate{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return Audit(tx, models.AuditEntry{ActorID: &actor.ID, Action: models.AuditTemplateChanged,
			Detail: "reset to the default " + describeScope(t)})
	})
}

// checkScope refuses a task type without its election: task types are
// shared by all elections, so a template for one names the election too.
func checkScope(t models.MessageTemplate) error {
	if t.TaskTypeID != nil && t.ElectionID == nil {
		return errors.New("a template for a task type must name the election")
	}
	return nil
}

// describeScope names a template for the audit log: no text, no person.
func describeScope(t models.MessageTemplate) string {
	s := t.Kind + "/" + t.Channel
	switch {
	case t.TaskTypeID != nil:
		return fmt.Sprintf("%s for task type %d in election %d", s, *t.TaskTypeID, *t.ElectionID)
	case t.ElectionID != nil:
		return fmt.Sprintf("%s for election %d", s, *t.ElectionID)
	}
	return s + " municipality-wide"
}

// TemplateChannels returns the channels a kind of message goes by, in the
// order of models.TemplateChannels; nil for an unknown kind.
func TemplateChannels(kind string) []string {
	var out []string
	for _, ch := range models.TemplateChannels {
		if _, ok := templateKinds[kind].defaults[ch]; ok {
			out = append(out, ch)
		}
	}
	return out
}

// TemplateSources tells, for every kind and channel ("kind/channel") that
// has a stored template applying in the scope, whether it is stored for
// exactly that scope or inherited from a wider one; a key not in the map
// sends the default. The scope is as for EffectiveTemplate.
func TemplateSources(ctx context.Context, db *gorm.DB, electionID, taskTypeID *int64) (map[string]models.TemplateSource, error) {
	scope := models.MessageTemplate{ElectionID: electionID, TaskTypeID: taskTypeID}
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	q := applyingIn(db.WithContext(ctx), electionID, taskTypeID)
	var ts []models.MessageTemplate
	if err := q.Select("kind", "channel", "election_id", "task_type_id").Find(&ts).Error; err != nil {
		return nil, err
	}
	out := map[string]models.TemplateSource{}
	for _, t := range ts {
		src := models.SourceInherited
		if specificity(t) == specificity(scope) {
			src = models.SourceHere
		}
		key := t.Kind + "/" + t.Channel
		if src > out[key] {
			out[key] = src
		}
	}
	return out, nil
}
