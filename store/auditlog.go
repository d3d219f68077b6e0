package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

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
	models.AuditLifecycle, models.AuditRound, models.AuditAttendance,
	models.AuditElectionState, models.AuditElectionChanged, models.AuditAnonymised,
	models.AuditPlanQuota, models.AuditPlanChanged, models.AuditElectionTypeChanged,
	models.AuditTemplateChanged, models.AuditMunicipalityUpdated,
	models.AuditUserCreated, models.AuditUserChanged, models.AuditUserDeactivated, models.AuditUserReactivated,
	models.AuditAccountLinkSent, models.AuditTOTPEnabled, models.AuditTOTPReset, models.AuditRecoveryCodesRenewed,
	models.AuditPasswordReset, models.AuditPasswordChanged,
	models.AuditAPITokenCreated, models.AuditAPITokenRevoked, models.AuditAPITokenUsed,
	models.AuditAuditLogRead, models.AuditAuditLogExport,
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
	q := auditFiltered(db, f)
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
	var err error
	if backwards {
		if more {
			page.Newer = first
		}
		if ok, e := auditExists(db, f, last, false); e != nil {
			err = e
		} else if ok {
			page.Older = last
		}
	} else {
		if more {
			page.Older = last
		}
		if !older.IsZero() {
			if ok, e := auditExists(db, f, first, true); e != nil {
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

// auditFiltered is the query of the entries f chooses.
func auditFiltered(db *gorm.DB, f models.AuditFilter) *gorm.DB {
	q := db.Model(&models.AuditEntry{})
	switch {
	case f.System:
		q = q.Where("actor_id IS NULL")
	case f.ActorID != 0:
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ParticipantID != 0 {
		// The person's entries, and the lookups of their CPR number (as
		// AuditLogOf finds them).
		q = q.Where("(participant_id = ? OR subject_index IN (?))", f.ParticipantID,
			db.Model(&models.Participant{}).Select("cpr_index").Where("id = ? AND cpr_index <> ''", f.ParticipantID))
	}
	if f.SubjectIndex != "" {
		// A number typed: the lookups of it, and the entries of the person
		// registered with it, if anyone is.
		q = q.Where("(subject_index = ? OR participant_id IN (?))", f.SubjectIndex,
			db.Model(&models.Participant{}).Select("id").Where("cpr_index = ?", f.SubjectIndex))
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
func auditExists(db *gorm.DB, f models.AuditFilter, c models.AuditCursor, newer bool) (bool, error) {
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
