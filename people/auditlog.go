package people

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// The audit log page: administrators read and export the whole log,
// filtered. Each read and each export is itself written to the log, with
// the filter in its detail and never a CPR number: a filter by CPR number
// is written as "person by CPR", the number's blind index in the entry's
// SubjectIndex.

// AuditLogPageSize is how many entries a page of the log shows.
const AuditLogPageSize = 50

// auditExportBatch is how many entries an export reads at a time.
const auditExportBatch = 500

// AuditActions are the actions the filter offers, in the form's order.
var AuditActions = store.AuditActions

// AuditLogQuery is the log's filter as typed or chosen: the form's fields
// and the page's address.
type AuditLogQuery struct {
	// Actor: "" anyone, "system", or a user's id.
	Actor string
	// Person: "" anyone, or a participant's id.
	Person string
	// CPR: "" anyone, or a full CPR number: the person with it, registered
	// or never registered.
	CPR string
	// SubjectIndex: the blind index of a CPR number typed before; the
	// page's address carries it instead of the number.
	SubjectIndex string
	Action       string
	// From and To: YYYY-MM-DD, Copenhagen calendar days, both included.
	From, To string
}

// The form's fields, the keys of the refusals AuditLogFilter gives.
const (
	AuditFieldActor  = "aktoer"
	AuditFieldPerson = "person"
	AuditFieldCPR    = "cpr"
	AuditFieldAction = "handling"
	AuditFieldFrom   = "fra"
	AuditFieldTo     = "til"
)

// SystemActor is the actor of the entries without one.
const SystemActor = "system"

// maxParticipantIDDigits: a participant's id longer than this is refused
// (none is), so that no id of ten digits reads as a CPR number in the
// log's detail.
const maxParticipantIDDigits = 9

var blindIndexShape = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AuditLogFilter checks a query of the log and makes it a filter; a
// CPR number typed becomes its blind index (f.SubjectIndex, and typedCPR
// is true: the page then shows an address without it). What cannot be
// used is refused field by field (models.FieldErrors). Administrators
// only.
func (s *Service) AuditLogFilter(ctx context.Context, actor models.User, q AuditLogQuery) (f models.AuditFilter, typedCPR bool, err error) {
	if actor.Role != models.RoleAdmin {
		return f, false, models.ErrForbidden
	}
	fe := models.FieldErrors{}
	switch a := strings.TrimSpace(q.Actor); a {
	case "":
	case SystemActor:
		f.System = true
	default:
		id, perr := strconv.ParseInt(a, 10, 64)
		var n int64
		if perr == nil && id > 0 {
			if err := s.DB.WithContext(ctx).Model(&models.User{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return f, false, err
			}
		}
		if n == 0 {
			fe[AuditFieldActor] = models.RefuseField(AuditFieldActor, "error.auditlog.actor")
		}
		f.ActorID = id
	}
	if p := strings.TrimSpace(q.Person); p != "" {
		id, perr := strconv.ParseInt(p, 10, 64)
		if perr != nil || id <= 0 || len(p) > maxParticipantIDDigits {
			fe[AuditFieldPerson] = models.RefuseField(AuditFieldPerson, "error.auditlog.person")
		}
		f.ParticipantID = id
	}
	switch number := strings.TrimSpace(q.CPR); {
	case number != "" && f.ParticipantID != 0:
		fe[AuditFieldCPR] = models.RefuseField(AuditFieldCPR, "error.auditlog.both")
	case number != "":
		c, perr := models.ParseCPR(number)
		if perr != nil {
			// The CPR refusal's own sentence: its length, its format, its
			// birth date.
			ue, _ := models.AsUserError(perr)
			fe[AuditFieldCPR] = models.RefuseField(AuditFieldCPR, ue.Key, ue.Args...)
			break
		}
		if s.Keys == nil {
			return f, false, errors.New("audit log: no keyring for the CPR blind index")
		}
		f.SubjectIndex, typedCPR = store.CPRIndex(s.Keys, c), true
	case q.SubjectIndex != "" && f.ParticipantID == 0:
		if !blindIndexShape.MatchString(q.SubjectIndex) {
			fe[AuditFieldCPR] = models.RefuseField(AuditFieldCPR, "error.auditlog.index")
		}
		f.SubjectIndex = q.SubjectIndex
	}
	if a := models.AuditAction(strings.TrimSpace(q.Action)); a != "" {
		if !slices.Contains(AuditActions, a) {
			fe[AuditFieldAction] = models.RefuseField(AuditFieldAction, "error.auditlog.action")
		}
		f.Action = a
	}
	day := func(field, v string) models.Date {
		if v = strings.TrimSpace(v); v == "" {
			return models.Date{}
		}
		d, err := models.ParseDate(v)
		if err != nil {
			fe[field] = models.RefuseField(field, "error.auditlog.date")
		}
		return d
	}
	f.From, f.To = day(AuditFieldFrom, q.From), day(AuditFieldTo, q.To)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.DaysSince(f.From) < 0 {
		fe[AuditFieldTo] = models.RefuseField(AuditFieldTo, "error.auditlog.range")
	}
	if len(fe) > 0 {
		return models.AuditFilter{}, false, fe
	}
	return f, typedCPR, nil
}

// AuditLogActors are the users the filter offers as actors, deactivated
// ones too, in Danish order. Administrators only.
func (s *Service) AuditLogActors(ctx context.Context, actor models.User) ([]models.User, error) {
	if actor.Role != models.RoleAdmin {
		return nil, models.ErrForbidden
	}
	var us []models.User
	err := s.DB.WithContext(ctx).Select("id", "name", "email", "role").Find(&us).Error
	models.SortDanish(us, func(u models.User) string { return u.Name })
	return us, err
}

// AuditLog is a page of the log that f chooses, newest first: the first
// one, the one older than older, or the one newer than newer. The reading
// is written to the log first, so it shows on the page it reads.
// Administrators only.
func (s *Service) AuditLog(ctx context.Context, actor models.User, f models.AuditFilter, older, newer models.AuditCursor) (store.AuditPage, error) {
	if actor.Role != models.RoleAdmin {
		return store.AuditPage{}, models.ErrForbidden
	}
	if err := s.auditLogAccess(ctx, actor, models.AuditAuditLogRead, "audit log read", f); err != nil {
		return store.AuditPage{}, err
	}
	return store.AuditLog(ctx, s.DB, f, older, newer, AuditLogPageSize)
}

// ExportAuditLog hands every entry f chooses to fn, newest first, a batch
// at a time. The export is written to the log before it is read, so it
// lists itself. Administrators only.
func (s *Service) ExportAuditLog(ctx context.Context, actor models.User, f models.AuditFilter, fn func([]models.AuditRow) error) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	if err := s.auditLogAccess(ctx, actor, models.AuditAuditLogExport, "audit log export (CSV)", f); err != nil {
		return err
	}
	return store.EachAuditEntry(ctx, s.DB, f, auditExportBatch, fn)
}

// auditLogAccess writes a read or an export of the log, with the filter
// in its detail and the person it is about, if one.
func (s *Service) auditLogAccess(ctx context.Context, actor models.User, action models.AuditAction, what string, f models.AuditFilter) error {
	e := models.AuditEntry{At: s.now(), ActorID: &actor.ID, Action: action, Detail: what + "; filter: " + describeAuditFilter(f)}
	if f.ParticipantID != 0 {
		var ids []int64
		if err := s.DB.WithContext(ctx).Model(&models.Participant{}).Where("id = ?", f.ParticipantID).Limit(1).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 1 {
			e.ParticipantID = &ids[0]
		}
	}
	if f.SubjectIndex != "" {
		// About the person with that number, registered or not.
		idx := f.SubjectIndex
		e.SubjectIndex = &idx
		var ids []int64
		if err := s.DB.WithContext(ctx).Model(&models.Participant{}).Where("cpr_index = ?", idx).Limit(1).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 1 {
			e.ParticipantID = &ids[0]
		}
	}
	return store.Audit(s.DB.WithContext(ctx), e)
}

// describeAuditFilter is the filter in words for the log: ids, actions
// and dates, never a CPR number nor its index.
func describeAuditFilter(f models.AuditFilter) string {
	var parts []string
	switch {
	case f.System:
		parts = append(parts, "actor=system")
	case f.ActorID != 0:
		parts = append(parts, "actor="+strconv.FormatInt(f.ActorID, 10))
	}
	if f.ParticipantID != 0 {
		parts = append(parts, "person="+strconv.FormatInt(f.ParticipantID, 10))
	}
	if f.SubjectIndex != "" {
		parts = append(parts, "person by CPR")
	}
	if f.Action != "" {
		parts = append(parts, "action="+string(f.Action))
	}
	if !f.From.IsZero() {
		parts = append(parts, "from="+f.From.String())
	}
	if !f.To.IsZero() {
		parts = append(parts, "to="+f.To.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
