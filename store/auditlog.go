package store

import (
	"context"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// The audit log as a whole, for administrators: every entry, newest first,
// chosen by a models.AuditFilter, a page at a time.
//
// Paging is by keyset (the (at, id) of the last entry shown), not by
// offset: reading the log writes to it (every page view is an entry of its
// own), so with offsets each view would shift the pages under the reader by
// one and an entry would show twice or never; a keyset page also costs the
// same on the thousandth page as on the first, where an offset reads and
// throws away every entry before it. The queries stay on the indexes
// audit_log(at), (actor_id, at), (action, at), (participant_id, at) and
// (subject_index, at): the range on at is written out (at <= ?) beside the
// tie on id so that both dialects use them.

// AuditActions are the actions the log's filter offers, in the form's
// order: every action the product writes.
var AuditActions = []models.AuditAction{
	models.AuditParticipantCreated, models.AuditParticipantRead, models.AuditParticipantChanged,
	models.AuditParticipantDeleted, models.AuditCPRRevealed, models.AuditCPRLookup, models.AuditExport,
	models.AuditMessageSent, models.AuditGroupMessage,
	AuditNominated, AuditUnnominated, AuditReserveAdded, AuditReserveRemoved,
	models.AuditLifecycle, models.AuditRound, models.AuditAttendance, models.AuditCheckIn, models.AuditStationLeader,
	models.AuditElectionState, models.AuditElectionChanged, models.AuditAnonymised,
	models.AuditPlanQuota, models.AuditPlanChanged, models.AuditElectionTypeChanged,
	models.AuditTemplateChanged, models.AuditMunicipalityUpdated,
	models.AuditUserCreated, models.AuditUserChanged, models.AuditUserDeactivated, models.AuditUserReactivated,
	models.AuditAccountLinkSent, models.AuditTOTPEnabled, models.AuditTOTPReset, models.AuditRecoveryCodesRenewed,
	models.AuditPasswordReset, models.AuditPasswordChanged,
	models.AuditAPITokenCreated, models.AuditAPITokenRevoked, models.AuditAPITokenUsed,
	models.AuditListRemoved, models.AuditListReadded,
	models.AuditMinSideLogin, models.AuditDeletionRequested, models.AuditDeletionDecided,
	models.AuditAuditLogRead, models.AuditAuditLogExport,
	models.AuditSignupLinkCreated, models.AuditSignupLinkDisabled, models.AuditSignedUp, models.AuditSignupConsent,
}

// AuditPage is one page of the audit log, newest first. Older and Newer
// are where the next and the previous page start; zero when there is
// none.
type AuditPage struct {
	Rows         []models.AuditRow
	Older, Newer models.AuditCursor
}

// AuditLog reads a page of at most limit entries of the log that f
// chooses, newest first: the newest ones with zero cursors, those older
// than older, or those newer than newer (the page before).
func AuditLog(ctx context.Context, db *gorm.DB, f models.AuditFilter, older, newer models.AuditCursor, limit int) (AuditPage, error) {
	db = db.WithContext(ctx)
	var page AuditPage
	var es []models.AuditEntry
	backwards := !newer.IsZero()
	rf, err := resolveAuditFilter(db, f)
	if err != nil {
		return page, err
	}
	q := auditFiltered(db, rf)
	if backwards {
		q = q.Where("at >= ? AND (at > ? OR id > ?)", newer.At.UTC(), newer.At.UTC(), newer.ID).Order("at, id")
	} else {
		if !older.IsZero() {
			q = q.Where("at <= ? AND (at < ? OR id < ?)", older.At.UTC(), older.At.UTC(), older.ID)
		}
		q = q.Order("at DESC, id DESC")
	}
	if err := q.Limit(limit + 1).Find(&es).Error; err != nil {
		return page, err
	}
	more := len(es) > limit
	es = es[:min(len(es), limit)]
	if backwards {
		slices.Reverse(es)
	}
	if len(es) == 0 {
		return page, nil
	}
	first, last := cursorOf(es[0]), cursorOf(es[len(es)-1])
	// One direction is known from the extra row; the other is asked.
	if backwards {
		if more {
			page.Newer = first
		}
		if ok, e := auditExists(db, rf, last, false); e != nil {
			err = e
		} else if ok {
			page.Older = last
		}
	} else {
		if more {
			page.Older = last
		}
		if !older.IsZero() {
			if ok, e := auditExists(db, rf, first, true); e != nil {
				err = e
			} else if ok {
				page.Newer = first
			}
		}
	}
	if err != nil {
		return page, err
	}
	page.Rows, err = auditRows(db, es)
	return page, err
}

// EachAuditEntry calls fn with the entries f chooses, newest first, batch
// entries at a time: an export of a log of any size in bounded memory.
func EachAuditEntry(ctx context.Context, db *gorm.DB, f models.AuditFilter, batch int, fn func([]models.AuditRow) error) error {
	var older models.AuditCursor
	for {
		page, err := AuditLog(ctx, db, f, older, models.AuditCursor{}, batch)
		if err != nil {
			return err
		}
		if len(page.Rows) > 0 {
			if err := fn(page.Rows); err != nil {
				return err
			}
		}
		if page.Older.IsZero() {
			return nil
		}
		older = page.Older
	}
}

func cursorOf(e models.AuditEntry) models.AuditCursor { return models.AuditCursor{At: e.At, ID: e.ID} }

// auditFilter is a filter with the person it names resolved: the CPR
// blind index of the person by id, the person of the CPR blind index.
type auditFilter struct {
	models.AuditFilter
	personIndex string // of ParticipantID, "" when none
	personID    int64  // of SubjectIndex, 0 when nobody is registered with it
}

// resolveAuditFilter looks the person up once, so that each query of a
// page is a plain equality on the indexes (participant_id, at) and
// (subject_index, at) rather than a subquery that PostgreSQL would run as
// a filter over the whole log.
func resolveAuditFilter(db *gorm.DB, f models.AuditFilter) (auditFilter, error) {
	out := auditFilter{AuditFilter: f}
	if f.ParticipantID != 0 {
		var idx []string
		if err := db.Model(&models.Participant{}).Where("id = ? AND cpr_index <> ''", f.ParticipantID).Limit(1).Pluck("cpr_index", &idx).Error; err != nil {
			return out, err
		}
		if len(idx) == 1 {
			out.personIndex = idx[0]
		}
	}
	if f.SubjectIndex != "" {
		var ids []int64
		if err := db.Model(&models.Participant{}).Where("cpr_index = ?", f.SubjectIndex).Limit(1).Pluck("id", &ids).Error; err != nil {
			return out, err
		}
		if len(ids) == 1 {
			out.personID = ids[0]
		}
	}
	return out, nil
}

// aboutPerson is the condition of the entries about a person: by id, and
// the lookups of their CPR number (as AuditLogOf finds them); either may
// be unknown.
func aboutPerson(id int64, index string) clause.Expression {
	switch {
	case id != 0 && index != "":
		return clause.Expr{SQL: "(participant_id = ? OR subject_index = ?)", Vars: []any{id, index}}
	case index != "":
		return clause.Expr{SQL: "subject_index = ?", Vars: []any{index}}
	}
	return clause.Expr{SQL: "participant_id = ?", Vars: []any{id}}
}

// auditFiltered is the query of the entries f chooses.
func auditFiltered(db *gorm.DB, rf auditFilter) *gorm.DB {
	f, personIndex, personID := rf.AuditFilter, rf.personIndex, rf.personID
	q := db.Model(&models.AuditEntry{})
	switch {
	case f.System:
		q = q.Where("actor_id IS NULL")
	case f.ActorID != 0:
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ParticipantID != 0 {
		q = q.Where(aboutPerson(f.ParticipantID, personIndex))
	}
	if f.SubjectIndex != "" {
		q = q.Where(aboutPerson(personID, f.SubjectIndex))
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	from, until := f.Window()
	if !from.IsZero() {
		q = q.Where("at >= ?", from)
	}
	if !until.IsZero() {
		q = q.Where("at < ?", until)
	}
	return q
}

// auditExists tells whether f chooses an entry newer (or older) than c.
func auditExists(db *gorm.DB, f auditFilter, c models.AuditCursor, newer bool) (bool, error) {
	q := auditFiltered(db, f)
	if newer {
		q = q.Where("at >= ? AND (at > ? OR id > ?)", c.At.UTC(), c.At.UTC(), c.ID)
	} else {
		q = q.Where("at <= ? AND (at < ? OR id < ?)", c.At.UTC(), c.At.UTC(), c.ID)
	}
	var ids []int64
	err := q.Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, err
}

// auditRows names the actors and persons of es.
func auditRows(db *gorm.DB, es []models.AuditEntry) ([]models.AuditRow, error) {
	var actorIDs, personIDs []int64
	for _, e := range es {
		if e.ActorID != nil {
			actorIDs = append(actorIDs, *e.ActorID)
		}
		if e.ParticipantID != nil {
			personIDs = append(personIDs, *e.ParticipantID)
		}
	}
	actors, persons := map[int64]string{}, map[int64]string{}
	if len(actorIDs) > 0 {
		var us []models.User
		if err := db.Select("id", "name").Where("id IN ?", uniq(actorIDs)).Find(&us).Error; err != nil {
			return nil, err
		}
		for _, u := range us {
			actors[u.ID] = u.Name
		}
	}
	if len(personIDs) > 0 {
		var ps []models.Participant
		if err := db.Select("id", "name").Where("id IN ?", uniq(personIDs)).Find(&ps).Error; err != nil {
			return nil, err
		}
		for _, p := range ps {
			persons[p.ID] = p.Name
		}
	}
	rows := make([]models.AuditRow, len(es))
	for i, e := range es {
		rows[i].AuditEntry = e
		if e.ActorID != nil {
			rows[i].ActorName = actors[*e.ActorID]
		}
		if e.ParticipantID != nil {
			rows[i].PersonName = persons[*e.ParticipantID]
		}
	}
	return rows, nil
}
