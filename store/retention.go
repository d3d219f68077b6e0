package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// Closing an election: staff mark who served, and a retention period after
// the election day its personal data is deleted (workflows.Retention calls
// AnonymiseElection). What stays are counts (election_statistics), the
// slots, and the people who consented to stay in the reserve pool or who
// are in another election.
//
// The assignments are deleted, not blanked: assignments.participant_id is
// NOT NULL with a foreign key, and an assignment row without its person
// still tells which party staffed which station — the counts in
// election_statistics are what is kept instead, written in the same
// transaction from the very rows that are deleted, so they add up.

// ErrNotDue: the election's retention period has not ended yet.
var ErrNotDue = errors.New("the retention period has not ended")

// attendanceStates are the states of a person who was to serve.
var attendanceStates = []models.AssignmentState{models.StateConfirmed, models.StateCompleted, models.StateNoShow}

// AttendanceOf lists an election's confirmed, completed and no-show people
// by station, day and name. Staff (also read-only) only.
func AttendanceOf(ctx context.Context, db *gorm.DB, actor models.User, electionID int64) ([]models.AttendanceRow, error) {
	if !mayReadAllParties(actor) || actor.Role == models.RolePartySecretary {
		return nil, models.ErrForbidden
	}
	var rows []models.AttendanceRow
	err := db.WithContext(ctx).Table("assignments a").
		Select("a.id AS assignment_id, a.participant_id, p.name, a.station_id, s.name AS station_name, tt.name AS task_type_name, a.day, a.state").
		Joins("JOIN participants p ON p.id = a.participant_id").
		Joins("JOIN polling_stations s ON s.id = a.station_id").
		Joins("JOIN task_types tt ON tt.id = a.task_type_id").
		Where("a.election_id = ? AND a.state IN ?", electionID, attendanceStates).
		Order("s.district IS NULL, s.district, s.name, a.day, tt.name, a.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	// Danish order of names within each station (in district order), day
	// and task type, as the database returned those.
	rank := map[int64]int{}
	for _, r := range rows {
		if _, ok := rank[r.StationID]; !ok {
			rank[r.StationID] = len(rank)
		}
	}
	models.SortDanish(rows, func(r models.AttendanceRow) string { return r.Name })
	slices.SortStableFunc(rows, func(x, y models.AttendanceRow) int {
		if c := rank[x.StationID] - rank[y.StationID]; c != 0 {
			return c
		}
		if c := x.Day.DaysSince(y.Day); c != 0 {
			return c
		}
		switch {
		case x.TaskTypeName < y.TaskTypeName:
			return -1
		case x.TaskTypeName > y.TaskTypeName:
			return 1
		}
		return 0
	})
	return rows, nil
}

// MarkAttendance records whether a confirmed person served (completed) or
// not (no_show); a completed one may still be marked a no-show. Only on or
// after the task day (Copenhagen); the refusal is a *models.UserError. Staff only.
func MarkAttendance(ctx context.Context, db *gorm.DB, actor models.User, assignmentID int64, to models.AssignmentState, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a models.Assignment
		if err := tx.First(&a, assignmentID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if err := models.CheckAttendance(a.State, to, a.Day, models.DateOf(now.In(models.Copenhagen))); err != nil {
			return err
		}
		_, err := markAttendance(tx, actor, []models.Assignment{a}, to, now)
		return err
	})
}

// MarkStationAttendance marks every confirmed person of an election's
// station whose task day has come as to (completed or no_show) and returns
// how many. People already marked keep their mark. Staff only.
func MarkStationAttendance(ctx context.Context, db *gorm.DB, actor models.User, electionID, stationID int64, to models.AssignmentState, now time.Time) (int, error) {
	if !isStaff(actor) {
		return 0, models.ErrForbidden
	}
	if to != models.StateCompleted && to != models.StateNoShow {
		return 0, models.Refuse("error.attendance.choose")
	}
	today := models.DateOf(now.In(models.Copenhagen))
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var as []models.Assignment
		if err := tx.Where("election_id = ? AND station_id = ? AND state = ? AND day <= ?", electionID, stationID,
			models.StateConfirmed, today).Order("id").Find(&as).Error; err != nil {
			return err
		}
		var err error
		n, err = markAttendance(tx, actor, as, to, now)
		return err
	})
	return n, err
}

// markAttendance moves the assignments (checked by the caller) to to, each
// only from the state it was read in, and audits each.
func markAttendance(tx *gorm.DB, actor models.User, as []models.Assignment, to models.AssignmentState, now time.Time) (int, error) {
	n := 0
	for _, a := range as {
		if a.State == to {
			continue
		}
		if a.State == models.StateNoShow {
			// A no-show freed the slot: someone may have taken it on the day.
			var holders int64
			if err := tx.Model(&models.Assignment{}).Where("slot_id = ? AND id <> ? AND state IN ?", a.SlotID, a.ID, holdingStates).
				Count(&holders).Error; err != nil {
				return n, err
			}
			if holders > 0 {
				return n, models.Refuse("error.attendance.slottaken")
			}
		}
		// The mark follows the state, so lists that read marks agree.
		att := models.AttendancePresent
		if to == models.StateNoShow {
			att = models.AttendanceAbsent
		}
		fields := map[string]any{"state": to, "updated_at": now, "attendance": att, "attendance_at": now,
			"attendance_by": fmt.Sprintf("staff:%d", actor.ID)}
		if a.EndedAt == nil {
			fields["ended_at"] = now
		}
		res := tx.Model(&models.Assignment{}).Where("id = ? AND state = ?", a.ID, a.State).Updates(fields)
		if res.Error != nil {
			return n, res.Error
		}
		if res.RowsAffected != 1 {
			return n, models.ErrStale
		}
		if err := Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditAttendance, ParticipantID: &a.ParticipantID,
			Detail: fmt.Sprintf("assignment %d: %s → %s (staff:%d)", a.ID, a.State, to, actor.ID)}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SetRetentionDays changes how many days after the election day its
// personal data is kept (models.MinRetentionDays to MaxRetentionDays), also after the
// election is closed: the Retention workflow reads it again when it wakes.
// Not after the data is deleted. Staff only.
func SetRetentionDays(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, days string, now time.Time) (models.Election, error) {
	var e models.Election
	if !isStaff(actor) {
		return e, models.ErrForbidden
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < models.MinRetentionDays || n > models.MaxRetentionDays {
		return e, models.RefuseField("retention_days", "error.number.range", models.MinRetentionDays, models.MaxRetentionDays)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if e.AnonymisedAt != nil {
			return models.Refuse("error.retention.alreadydeleted")
		}
		if err := tx.Model(&models.Election{}).Where("id = ? AND anonymised_at IS NULL", electionID).
			Updates(map[string]any{"retention_days": n, "updated_at": now}).Error; err != nil {
			return err
		}
		e.RetentionDays = n
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditElectionChanged,
			Detail: fmt.Sprintf("election %d: retention %d days", electionID, n)})
	})
	return e, err
}

// RetentionPlan is the counts of a deletion with the rows it touches.
// Deleted also counts the ListOnly people.
type RetentionPlan struct {
	models.RetentionCounts
	// ListOnly: people on a party's list who never got a slot nor a
	// reserve place, put there before the election day (listOnly); they
	// are deleted with the election's people.
	ListOnly int

	deleteIDs, keptIDs []int64
	assignmentIDs      map[int64]bool
	auditIDs           []int64
}

// PreviewRetention is the dry run: what AnonymiseElection would delete now.
func PreviewRetention(ctx context.Context, db *gorm.DB, electionID int64) (RetentionPlan, error) {
	var p RetentionPlan
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		p, err = planRetention(tx, electionID)
		return err
	})
	return p, err
}

// electionMessages selects the ids of an election's messages: those of its
// assignments and group messages too, should one lack election_id.
func electionMessages(tx *gorm.DB, electionID int64) *gorm.DB {
	return tx.Model(&models.Message{}).Select("id").Where("election_id = ? OR assignment_id IN (?) OR group_message_id IN (?)", electionID,
		tx.Model(&models.Assignment{}).Select("id").Where("election_id = ?", electionID),
		tx.Model(&models.GroupMessage{}).Select("id").Where("election_id = ?", electionID))
}

// mentions finds the assignments and elections an audit detail names.
var mentions = regexp.MustCompile(`\b(assignment|election) (\d+)\b`)

func planRetention(tx *gorm.DB, electionID int64) (RetentionPlan, error) {
	var p RetentionPlan
	var e models.Election
	if err := tx.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return p, models.ErrNotFound
	} else if err != nil {
		return p, err
	}
	p.Due, p.AnonymisedAt = e.RetentionDue(), e.AnonymisedAt
	var aids []int64
	if err := tx.Model(&models.Assignment{}).Where("election_id = ?", electionID).Pluck("id", &aids).Error; err != nil {
		return p, err
	}
	p.Assignments = int64(len(aids))
	p.assignmentIDs = make(map[int64]bool, len(aids))
	for _, id := range aids {
		p.assignmentIDs[id] = true
	}
	var people []int64
	if err := tx.Raw(`SELECT participant_id FROM assignments WHERE election_id = ?
		UNION SELECT participant_id FROM reserves WHERE election_id = ?`, electionID, electionID).Scan(&people).Error; err != nil {
		return p, err
	}
	slices.Sort(people)
	p.People = len(people)
	consent, other := map[int64]bool{}, map[int64]bool{}
	err := inChunks(people, func(ids []int64) error {
		var c, o []int64
		if err := tx.Model(&models.Participant{}).Where("id IN ? AND keep_in_pool", ids).Pluck("id", &c).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT participant_id FROM assignments WHERE participant_id IN ? AND election_id <> ?
			UNION SELECT participant_id FROM reserves WHERE participant_id IN ? AND election_id <> ?`, ids, electionID, ids, electionID).
			Scan(&o).Error; err != nil {
			return err
		}
		for _, id := range c {
			consent[id] = true
		}
		for _, id := range o {
			other[id] = true
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	for _, id := range people {
		switch {
		case consent[id]:
			p.KeptConsent++
			p.keptIDs = append(p.keptIDs, id)
		case other[id]:
			p.KeptOther++
			p.keptIDs = append(p.keptIDs, id)
		default:
			p.deleteIDs = append(p.deleteIDs, id)
		}
	}
	lo, err := listOnly(tx, e)
	if err != nil {
		return p, err
	}
	p.ListOnly = len(lo)
	p.deleteIDs = append(p.deleteIDs, lo...)
	p.Deleted = len(p.deleteIDs)
	counts := []struct {
		n *int64
		q *gorm.DB
	}{
		{&p.Reserves, tx.Model(&models.Reserve{}).Where("election_id = ?", electionID)},
		{&p.Messages, tx.Model(&models.Message{}).Where("id IN (?)", electionMessages(tx, electionID))},
		{&p.MessageEvents, tx.Model(&models.MessageEvent{}).Where("message_id IN (?)", electionMessages(tx, electionID))},
		{&p.Tokens, tx.Model(&models.AnswerToken{}).Where("assignment_id IN (?)", tx.Model(&models.Assignment{}).Select("id").Where("election_id = ?", electionID))},
		{&p.GroupMessages, tx.Model(&models.GroupMessage{}).Where("election_id = ?", electionID)},
	}
	for _, c := range counts {
		if err := c.q.Count(c.n).Error; err != nil {
			return p, err
		}
	}
	p.auditIDs, err = auditToBlank(tx, p.deleteIDs, p.keptIDs, func(d string) bool {
		for _, m := range mentions.FindAllStringSubmatch(d, -1) {
			id, _ := strconv.ParseInt(m[2], 10, 64)
			if (m[1] == "election" && id == electionID) || (m[1] == "assignment" && p.assignmentIDs[id]) {
				return true
			}
		}
		return false
	})
	p.AuditEntries = len(p.auditIDs)
	return p, err
}

// listOnly finds the people an election's retention run deletes besides
// its own: those who never got a slot or a reserve place in any election
// (no assignment or reserve row: an election's rows go with its retention
// run, so none of an election still kept), did not consent to stay in the
// pool, and were registered and put on every list they are on before the
// election day (Copenhagen) — a person put on a list for the next election
// after this one's day is kept. Someone taken off every list counts as
// listed when they were registered.
func listOnly(tx *gorm.DB, e models.Election) ([]int64, error) {
	dayStart := e.ElectionDay.In(models.Copenhagen).UTC()
	var ids []int64
	err := tx.Raw(`SELECT p.id FROM participants p
		WHERE NOT p.keep_in_pool AND p.created_at < ?
		AND p.id NOT IN (SELECT participant_id FROM party_memberships WHERE created_at >= ?)
		AND p.id NOT IN (SELECT participant_id FROM assignments)
		AND p.id NOT IN (SELECT participant_id FROM reserves)
		ORDER BY p.id`, dayStart, dayStart).Scan(&ids).Error
	return ids, err
}

// auditToBlank returns the audit entries that name a person: every entry
// about the people deleted (by id, or by their CPR's blind index for a
// lookup before they were registered), and the entries about the people
// kept whose detail concerns (about reports it) what is deleted.
func auditToBlank(tx *gorm.DB, deleted, kept []int64, about func(detail string) bool) ([]int64, error) {
	var out []int64
	err := inChunks(deleted, func(ids []int64) error {
		var found []int64
		if err := tx.Model(&models.AuditEntry{}).Where("participant_id IN ? OR subject_index IN (?)", ids,
			tx.Model(&models.Participant{}).Select("cpr_index").Where("id IN ?", ids)).Pluck("id", &found).Error; err != nil {
			return err
		}
		out = append(out, found...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = inChunks(kept, func(ids []int64) error {
		var es []models.AuditEntry
		if err := tx.Select("id", "detail").Where("participant_id IN ?", ids).Find(&es).Error; err != nil {
			return err
		}
		for _, e := range es {
			if about(e.Detail) {
				out = append(out, e.ID)
			}
		}
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// blankAudit keeps the entries' action, time and actor and drops whom they
// were about.
func blankAudit(tx *gorm.DB, ids []int64) error {
	return inChunks(ids, func(ids []int64) error {
		return tx.Model(&models.AuditEntry{}).Where("id IN ?", ids).
			Updates(map[string]any{"participant_id": nil, "subject_index": nil, "detail": ""}).Error
	})
}

// inChunks calls fn with ids in slices small enough for any driver's
// parameter limit.
func inChunks(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// AnonymiseElection deletes a closed election's personal data once its
// retention period has ended (ErrNotDue before), in one transaction: it
// records the counts in election_statistics, deletes the answer tokens,
// messages with their history, group messages, notices, reserve entries,
// the day's replacement offers and assignments, blanks the audit entries
// that name a person for this election, deletes the people with no other election and no consent to
// stay in the pool (with their party memberships) and the people on a
// party's list only (listOnly), and sets anonymised_at.
// Run again it does nothing and returns the plan it finds.
func AnonymiseElection(ctx context.Context, db *gorm.DB, electionID int64, now time.Time) (RetentionPlan, error) {
	var p RetentionPlan
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.Election
		if err := tx.First(&e, electionID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		if e.AnonymisedAt != nil {
			p.AnonymisedAt = e.AnonymisedAt
			return nil
		}
		if e.State != models.ElectionClosed {
			return models.Refuse("error.retention.notclosed")
		}
		// Claim the election first: of two runs at once, the second waits
		// here for the first's row lock and then finds it anonymised.
		res := tx.Model(&models.Election{}).Where("id = ? AND anonymised_at IS NULL", electionID).
			Updates(map[string]any{"anonymised_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale
		}
		var err error
		if p, err = planRetention(tx, electionID); err != nil {
			return err
		}
		if now.Before(p.Due) {
			return ErrNotDue
		}
		if err := recordStatistics(tx, electionID, p); err != nil {
			return err
		}
		assignments := tx.Model(&models.Assignment{}).Select("id").Where("election_id = ?", electionID)
		steps := []*gorm.DB{
			tx.Where("message_id IN (?)", electionMessages(tx, electionID)).Delete(&models.MessageEvent{}),
		}
		steps = append(steps,
			tx.Where("id IN (?)", electionMessages(tx, electionID)).Delete(&models.Message{}),
			tx.Where("assignment_id IN (?)", assignments).Delete(&models.AnswerToken{}),
			tx.Where("election_id = ?", electionID).Delete(&models.Notice{}),
			tx.Where("election_id = ?", electionID).Delete(&models.GroupMessage{}),
			tx.Where("election_id = ?", electionID).Delete(&models.Reserve{}),
			tx.Where("election_id = ?", electionID).Delete(&models.DayOffer{}),
			// A replacement points at the assignment it replaces: unlink
			// before deleting, whatever order the rows go in.
			tx.Model(&models.Assignment{}).Where("election_id = ?", electionID).Update("replaces_id", nil),
			tx.Where("election_id = ?", electionID).Delete(&models.Assignment{}),
		)
		for _, s := range steps {
			if s.Error != nil {
				return s.Error
			}
		}
		if err := blankAudit(tx, p.auditIDs); err != nil {
			return err
		}
		if err := deletePeople(tx, p.deleteIDs); err != nil {
			return err
		}
		p.AnonymisedAt = &now
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditAnonymised,
			Detail: fmt.Sprintf("election %d: %d assignments, %d messages, %d people deleted (%d on a party list only), %d kept (consent %d, other election %d), %d audit entries blanked",
				electionID, p.Assignments, p.Messages, p.Deleted, p.ListOnly, p.KeptConsent+p.KeptOther, p.KeptConsent, p.KeptOther, p.AuditEntries)})
	})
	return p, err
}

// deletePeople deletes participants with their party memberships (their
// messages and reserve entries go by cascade). Their assignments must be
// gone already.
func deletePeople(tx *gorm.DB, ids []int64) error {
	return inChunks(ids, func(ids []int64) error {
		if err := tx.Where("participant_id IN ?", ids).Delete(&models.PartyMembership{}).Error; err != nil {
			return err
		}
		if err := tx.Where("participant_id IN ?", ids).Delete(&models.Message{}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Delete(&models.Participant{}).Error
	})
}

// Statistic keys, each with a suffix: counts per assignment state, task
// type and party, and messages per channel/status.
const (
	StatAssignments = "assignments"
	StatState       = "state:"
	StatTaskType    = "task_type:"
	StatParty       = "party:"
	StatMessages    = "messages"
	StatChannel     = "message:" // message:<channel>/<status>; channel "none" when no channel was tried
	StatPeople      = "people"
	StatDeleted     = "people.deleted"
	StatKept        = "people.kept"
	StatListOnly    = "people.listonly" // of people.deleted: on a party list only, never in this election
)

func recordStatistics(tx *gorm.DB, electionID int64, p RetentionPlan) error {
	stats := map[string]int64{StatAssignments: p.Assignments, StatMessages: p.Messages,
		StatPeople: int64(p.People), StatDeleted: int64(p.Deleted), StatKept: int64(p.KeptConsent + p.KeptOther),
		StatListOnly: int64(p.ListOnly)}
	type row struct {
		Key   string
		Count int64
	}
	groups := []struct {
		prefix string
		q      *gorm.DB
	}{
		{StatState, tx.Table("assignments").Select("state AS key, COUNT(*) AS count").Where("election_id = ?", electionID).Group("state")},
		{StatTaskType, tx.Table("assignments a").Select("tt.name AS key, COUNT(*) AS count").Joins("JOIN task_types tt ON tt.id = a.task_type_id").
			Where("a.election_id = ?", electionID).Group("tt.name")},
		{StatParty, tx.Table("assignments a").Select("pa.name AS key, COUNT(*) AS count").Joins("JOIN parties pa ON pa.id = a.party_id").
			Where("a.election_id = ?", electionID).Group("pa.name")},
		{StatChannel, tx.Table("messages").Select("CASE WHEN channel = '' THEN 'none' ELSE channel END || '/' || status AS key, COUNT(*) AS count").
			Where("id IN (?)", electionMessages(tx, electionID)).Group("channel, status")},
	}
	for _, g := range groups {
		var rows []row
		if err := g.q.Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			stats[g.prefix+r.Key] += r.Count
		}
	}
	if err := tx.Where("election_id = ?", electionID).Delete(&models.ElectionStatistic{}).Error; err != nil {
		return err
	}
	out := make([]models.ElectionStatistic, 0, len(stats))
	for k, n := range stats {
		out = append(out, models.ElectionStatistic{ElectionID: electionID, Key: k, Count: n})
	}
	return tx.CreateInBatches(&out, 200).Error
}

// ElectionStatistics returns the counts kept for an election after its
// personal data was deleted (empty before).
func ElectionStatistics(ctx context.Context, db *gorm.DB, electionID int64) (map[string]int64, error) {
	var rows []models.ElectionStatistic
	if err := db.WithContext(ctx).Where("election_id = ?", electionID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Count
	}
	return out, nil
}

// SetPoolConsent records whether a person consented to stay in the reserve
// pool after their elections (their data is then not deleted with them).
// Staff only.
func SetPoolConsent(ctx context.Context, db *gorm.DB, actor models.User, participantID int64, keep bool, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fields := map[string]any{"keep_in_pool": keep, "pool_consent_at": nil, "updated_at": now}
		if keep {
			fields["pool_consent_at"] = now
		}
		res := tx.Model(&models.Participant{}).Where("id = ?", participantID).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditParticipantChanged, ParticipantID: &participantID,
			Detail: fmt.Sprintf("consent to stay in the reserve pool: %t", keep)})
	})
}
