package messaging

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The message templates: every kind of message on every channel it goes
// by, municipality-wide, for one election or for one task type within an
// election. Staff read them and try a text; administrators save and reset
// (store refuses anyone else with models.ErrForbidden).

// Scope is where a template applies: municipality-wide (both nil), one
// election, or one task type within an election.
type Scope struct {
	Election *models.Election
	TaskType *models.TaskType
}

// ElectionID is the scope's election's id, nil municipality-wide.
func (sc Scope) ElectionID() *int64 {
	if sc.Election == nil {
		return nil
	}
	return &sc.Election.ID
}

// TaskTypeID is the scope's task type's id, nil when it has none.
func (sc Scope) TaskTypeID() *int64 {
	if sc.TaskType == nil {
		return nil
	}
	return &sc.TaskType.ID
}

// TemplateScope loads the scope with these ids (nil: none). ok is false
// when the election or the task type does not exist, or a task type comes
// without its election: task types are shared by all elections.
func (s *Service) TemplateScope(ctx context.Context, electionID, taskTypeID *int64) (sc Scope, ok bool, err error) {
	if electionID == nil {
		return sc, taskTypeID == nil, nil
	}
	db := s.DB.WithContext(ctx)
	sc.Election = &models.Election{}
	if res := db.Limit(1).Find(sc.Election, *electionID); res.Error != nil || res.RowsAffected != 1 {
		return sc, false, res.Error
	}
	if taskTypeID == nil {
		return sc, true, nil
	}
	sc.TaskType = &models.TaskType{}
	if res := db.Limit(1).Find(sc.TaskType, *taskTypeID); res.Error != nil || res.RowsAffected != 1 {
		return sc, false, res.Error
	}
	return sc, true, nil
}

// TemplatesView is the list of templates in a scope: where each kind and
// channel's text comes from ("kind/channel"; missing: the default), and the
// elections and task types another scope can be chosen from.
type TemplatesView struct {
	Sources   map[string]models.TemplateSource
	Elections []models.Election
	TaskTypes []models.TaskType
}

// Templates is the list of templates in a scope.
func (s *Service) Templates(ctx context.Context, sc Scope) (TemplatesView, error) {
	var v TemplatesView
	var err error
	if v.Sources, err = s.TemplateSources(ctx, sc); err != nil {
		return v, err
	}
	db := s.DB.WithContext(ctx)
	if err := db.Order("election_day DESC, id DESC").Find(&v.Elections).Error; err != nil {
		return v, err
	}
	return v, db.Order("name, id").Find(&v.TaskTypes).Error
}

// TemplateSources tells where the text of every kind and channel
// ("kind/channel") sent in a scope comes from; a missing key is the default.
func (s *Service) TemplateSources(ctx context.Context, sc Scope) (map[string]models.TemplateSource, error) {
	return store.TemplateSources(ctx, s.DB, sc.ElectionID(), sc.TaskTypeID())
}

// TemplateText is the subject and body sent for a kind on a channel in a
// scope: the most specific stored text, at last the default.
func (s *Service) TemplateText(ctx context.Context, kind, channel string, sc Scope) (subject, body string, err error) {
	subject, body, _, err = store.EffectiveTemplate(ctx, s.DB, kind, channel, sc.ElectionID(), sc.TaskTypeID())
	return subject, body, err
}

// SaveTemplate stores an administrator's text for a kind on a channel in a
// scope; a *models.TemplateError lists everything wrong with it.
func (s *Service) SaveTemplate(ctx context.Context, actor models.User, kind, channel string, sc Scope, subject, body string) error {
	err := store.SaveTemplate(ctx, s.DB, actor, models.MessageTemplate{
		Kind: kind, Channel: channel, ElectionID: sc.ElectionID(), TaskTypeID: sc.TaskTypeID(),
		Subject: subject, Body: body, UpdatedAt: s.Now()})
	if err == nil {
		s.Log.InfoContext(ctx, "message template saved", "kind", kind, "channel", channel, "user_id", actor.ID)
	}
	return err
}

// ResetTemplate deletes the text stored for exactly this scope: the next
// wider one, at last the default, is sent again.
func (s *Service) ResetTemplate(ctx context.Context, actor models.User, kind, channel string, sc Scope) error {
	err := store.ResetTemplate(ctx, s.DB, actor, kind, channel, sc.ElectionID(), sc.TaskTypeID())
	if err == nil {
		s.Log.InfoContext(ctx, "message template reset", "kind", kind, "channel", channel, "user_id", actor.ID)
	}
	return err
}

// ExampleValues are the fictitious values a preview fills in
// (models.ExampleValues): a made-up person and slot, the municipality's real
// name and secretariat's contact details, the scope's election and task
// type, and links on baseURL.
func (s *Service) ExampleValues(ctx context.Context, baseURL string, sc Scope) map[string]string {
	values := models.ExampleValues("Eksempel Kommune", "Kommunal- og regionsrådsvalg 2029", baseURL)
	var m models.Municipality
	// A preview without the real name is still a preview: the error only
	// costs the name and contact details.
	if err := s.DB.WithContext(ctx).Limit(1).Find(&m).Error; err == nil && m.Name != "" {
		values = models.WithSite(values, m)
	}
	if sc.Election != nil {
		values["election:name"] = sc.Election.Title
	}
	if sc.TaskType != nil {
		values["task:name"] = sc.TaskType.Name
	}
	return values
}

// TemplateChannels returns the channels a kind of message goes by, in the
// order of models.TemplateChannels; nil for an unknown kind.
func TemplateChannels(kind string) []string { return store.TemplateChannels(kind) }

// TemplateFields returns the merge fields a kind of message offers (bare,
// e.g. "user:name"), nil for an unknown kind.
func TemplateFields(kind string) []string { return store.TemplateFields(kind) }

// CheckTemplate parses a subject and body for a kind of message on a
// channel, as saving would; every problem is reported at once, as a
// *models.TemplateError. The subject is ignored for SMS.
func CheckTemplate(kind, channel, subject, body string) (subjectT, bodyT *models.Template, err error) {
	return store.CheckTemplate(kind, channel, subject, body)
}
