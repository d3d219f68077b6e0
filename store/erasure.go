package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// DeletionWord is what an administrator types to confirm deleting people.
const DeletionWord = "SLET"

// DeleteParticipants deletes people at an administrator's request (the
// right to erasure, or a clean-up of the pool): each person with their
// contact data, party memberships, reserve entries, assignments in ended
// or closed elections, messages, and the names in the audit log (entries
// about them keep action and time, not whom). A person who holds a slot in
// an election that is not closed is refused: take them off the slot first,
// so no lifecycle runs on without its person. Each deletion is audited by
// id only. confirm must be DeletionWord. Administrators only.
func DeleteParticipants(ctx context.Context, db *gorm.DB, actor models.User, ids []int64, confirm string, now time.Time) (int, error) {
	if actor.Role != models.RoleAdmin {
		return 0, models.ErrForbidden
	}
	if strings.TrimSpace(confirm) != DeletionWord {
		return 0, models.RefuseField("confirm", "error.erasure.confirm", DeletionWord)
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return 0, models.Refuse("error.erasure.nobody")
	}
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		n, err = deleteParticipants(tx, actor, ids, now, "by an administrator")
		return err
	})
	return n, err
}

// deleteParticipants is DeleteParticipants' work inside tx: ids sorted and
// unique; why ends each audit entry's detail.
func deleteParticipants(tx *gorm.DB, actor models.User, ids []int64, now time.Time, why string) (int, error) {
	n := 0
	err := func() error {
		var existing []int64
		if err := inChunks(ids, func(c []int64) error {
			var found []int64
			err := tx.Model(&models.Participant{}).Where("id IN ?", c).Pluck("id", &found).Error
			existing = append(existing, found...)
			return err
		}); err != nil {
			return err
		}
		var busy int64
		if err := inChunks(existing, func(c []int64) error {
			var k int64
			err := tx.Table("assignments a").Joins("JOIN elections e ON e.id = a.election_id").
				Where("a.participant_id IN ? AND e.state <> ? AND a.state IN ?", c, models.ElectionClosed,
					[]models.AssignmentState{models.StateNominated, models.StateInvited, models.StateConfirmed}).
				Distinct("a.participant_id").Count(&k).Error
			busy += k
			return err
		}); err != nil {
			return err
		}
		if busy > 0 {
			return models.Refuse("error.erasure.busy", busy)
		}
		audit, err := auditToBlank(tx, existing, nil, nil)
		if err != nil {
			return err
		}
		if err := blankAudit(tx, audit); err != nil {
			return err
		}
		if err := inChunks(existing, func(c []int64) error {
			theirs := tx.Model(&models.Assignment{}).Select("id").Where("participant_id IN ?", c)
			for _, q := range []*gorm.DB{
				tx.Model(&models.Assignment{}).Where("replaces_id IN (?)", theirs).Update("replaces_id", nil),
				tx.Where("assignment_id IN (?)", theirs).Delete(&models.AnswerToken{}),
				tx.Where("assignment_id IN (?)", theirs).Delete(&models.Message{}),
				tx.Where("assignment_id IN (?)", theirs).Delete(&models.Notice{}),
				// The day's offers to them, and those made to replace them.
				tx.Where("participant_id IN ? OR absent_assignment_id IN (?)", c, theirs).Delete(&models.DayOffer{}),
				tx.Where("participant_id IN ?", c).Delete(&models.Assignment{}),
				// The values before and after their edits (the table's
				// foreign key would take them with the person too).
				tx.Where("participant_id IN ?", c).Delete(&models.ParticipantChange{}),
			} {
				if q.Error != nil {
					return q.Error
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := deletePeople(tx, existing); err != nil {
			return err
		}
		for _, id := range existing {
			if err := Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditParticipantDeleted,
				Detail: fmt.Sprintf("participant %d deleted %s", id, why)}); err != nil {
				return err
			}
		}
		n = len(existing)
		return nil
	}()
	return n, err
}

// SubjectAccess is everything held about one person: the answer to their
// request for access (indsigt), handed to them by the staff.
type SubjectAccess struct {
	GeneratedAt time.Time           `json:"generated_at"`
	Person      SubjectPerson       `json:"person"`
	Parties     []SubjectParty      `json:"parties"`
	Assignments []SubjectAssignment `json:"assignments"`
	Reserves    []SubjectReserve    `json:"reserve_lists"`
	Messages    []SubjectMessage    `json:"messages"`
	Audit       []SubjectAuditEntry `json:"audit_log"`
	// Changes are the edits of the contact data, with the values before
	// and after (kept encrypted; the audit log names the fields only).
	Changes []SubjectChange `json:"changes"`
	// DayOffers are the times they were asked by SMS to replace someone
	// absent on a task day.
	DayOffers []SubjectDayOffer `json:"day_offers,omitempty"`
}

// SubjectChange is one field of one edit: on the person's own record
// (Party empty) or on what a party typed.
type SubjectChange struct {
	At     time.Time `json:"at"`
	Party  string    `json:"party,omitempty"`
	Field  string    `json:"field"`
	Before string    `json:"before"`
	After  string    `json:"after"`
}

// SubjectPerson is the person's own record, CPR number in full.
type SubjectPerson struct {
	ID                int64      `json:"id"`
	CPR               string     `json:"cpr"`
	Name              string     `json:"name"`
	Mobile            string     `json:"mobile"`
	Email             string     `json:"email"`
	PreferredChannel  string     `json:"preferred_channel"`
	SpecialDiet       string     `json:"special_diet"`
	DigitalPostExempt bool       `json:"digital_post_exempt"`
	KeepInPool        bool       `json:"keep_in_pool"`
	PoolConsentAt     *time.Time `json:"pool_consent_at,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// SubjectParty is a party list the person is on.
type SubjectParty struct {
	PartyID int64     `json:"-"`
	Party   string    `json:"party"`
	Since   time.Time `json:"since"`
	// What the party typed about the person (models.PartyMembership).
	Mobile           string `json:"mobile,omitempty"`
	Email            string `json:"email,omitempty"`
	PreferredChannel string `json:"preferred_channel,omitempty"`
	SpecialDiet      string `json:"special_diet,omitempty"`
}

// SubjectAssignment is a slot the person was on, and how it went.
type SubjectAssignment struct {
	ID            int64      `json:"id"`
	Election      string     `json:"election"`
	Station       string     `json:"polling_station"`
	TaskType      string     `json:"task_type"`
	Party         string     `json:"party"`
	Day           string     `json:"day"`
	State         string     `json:"state"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	NominatedAt   time.Time  `json:"nominated_at"`
	InvitedAt     *time.Time `json:"invited_at,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	AnsweredBy    string     `json:"answered_by,omitempty"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
}

// SubjectReserve is a reserve list the person is on.
type SubjectReserve struct {
	Election string    `json:"election"`
	Party    string    `json:"party"`
	Station  string    `json:"polling_station,omitempty"`
	Since    time.Time `json:"since"`
}

// SubjectDayOffer is one ask to replace a no-show on the task day: where,
// when, and how it ended.
type SubjectDayOffer struct {
	Election   string     `json:"election"`
	Station    string     `json:"polling_station"`
	State      string     `json:"state"`
	AskedAt    time.Time  `json:"asked_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// SubjectMessage is a message to the person with its history.
type SubjectMessage struct {
	ID      string                `json:"id"`
	Kind    string                `json:"kind"`
	Channel string                `json:"channel"`
	Status  string                `json:"status"`
	Created time.Time             `json:"created_at"`
	SentAt  *time.Time            `json:"sent_at,omitempty"`
	History []SubjectMessageEvent `json:"history"`
}

// SubjectMessageEvent is one step of a message's history.
type SubjectMessageEvent struct {
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
	Status  string    `json:"status"`
	Detail  string    `json:"detail,omitempty"`
}

// SubjectAuditEntry is one audit entry about the person.
type SubjectAuditEntry struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	ActorID *int64    `json:"actor_id,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// SubjectAccessOf collects everything about one person for their request
// for access. The export reveals the full CPR number to the staff who hand
// it over: it is audited (a CPR reveal and an export) before it is read,
// so the export lists itself. Staff only.
func SubjectAccessOf(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actor models.User, id int64, now time.Time) (SubjectAccess, error) {
	if !isStaff(actor) {
		return SubjectAccess{}, models.ErrForbidden
	}
	return subjectAccess(ctx, db, keys, &actor.ID, id, now, "subject access export", true)
}

// OwnSubjectAccess is SubjectAccessOf for the person themselves, on Min
// side: the same export, audited with no actor (the person), with the CPR
// number masked — a login by a link to an address is weaker than the
// staff's hand-over (MitID or staff give the full number).
func OwnSubjectAccess(ctx context.Context, db *gorm.DB, keys *vault.Keyring, participantID int64, now time.Time) (SubjectAccess, error) {
	return subjectAccess(ctx, db, keys, nil, participantID, now, "subject access export by the person (Min side)", false)
}

// subjectAccess is the export of one person, audited against actorID (nil:
// the person) with what; revealCPR gives the CPR number in full (and
// audits the reveal), else masked.
func subjectAccess(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actorID *int64, id int64, now time.Time, what string,
	revealCPR bool) (SubjectAccess, error) {
	var out SubjectAccess
	db = db.WithContext(ctx)
	var p models.Participant
	if err := db.Where("id = ?", id).Limit(1).Find(&p).Error; err != nil {
		return out, err
	}
	if p.ID == 0 {
		return out, models.ErrNotFound
	}
	if err := db.Transaction(func(tx *gorm.DB) error {
		for _, a := range []struct {
			action models.AuditAction
			detail string
		}{{models.AuditCPRRevealed, what}, {models.AuditExport, what + " (JSON)"}} {
			if a.action == models.AuditCPRRevealed && !revealCPR {
				continue
			}
			if err := Audit(tx, models.AuditEntry{At: now, ActorID: actorID, Action: a.action, ParticipantID: &p.ID, Detail: a.detail}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return out, err
	}
	out.GeneratedAt = now
	cpr := p.CPR.Reveal()
	if c, err := models.ParseCPR(cpr); err == nil && !revealCPR {
		cpr = c.Masked()
	}
	out.Person = SubjectPerson{ID: p.ID, CPR: cpr, Name: p.Name, Mobile: p.Mobile.Reveal(), Email: p.Email.Reveal(),
		PreferredChannel: string(p.PreferredChannel), SpecialDiet: p.SpecialDiet.Reveal(), DigitalPostExempt: p.DigitalPostExempt,
		KeepInPool: p.KeepInPool, PoolConsentAt: p.PoolConsentAt, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	out.Parties, out.Assignments, out.Reserves, out.Messages, out.Audit =
		[]SubjectParty{}, []SubjectAssignment{}, []SubjectReserve{}, []SubjectMessage{}, []SubjectAuditEntry{}
	if err := db.Table("party_memberships m").Select("m.party_id, pa.name AS party, m.created_at AS since").
		Joins("JOIN parties pa ON pa.id = m.party_id").Where("m.participant_id = ?", id).Order("m.created_at").
		Scan(&out.Parties).Error; err != nil {
		return out, err
	}
	var memberships []models.PartyMembership
	if err := db.Where("participant_id = ?", id).Find(&memberships).Error; err != nil {
		return out, err
	}
	for i, sp := range out.Parties {
		for _, m := range memberships {
			if m.PartyID == sp.PartyID {
				out.Parties[i].Mobile, out.Parties[i].Email = m.Mobile.Reveal(), m.Email.Reveal()
				out.Parties[i].PreferredChannel, out.Parties[i].SpecialDiet = string(m.PreferredChannel), m.SpecialDiet.Reveal()
			}
		}
	}
	var as []struct {
		models.Assignment
		ElectionTitle, StationName, TaskTypeName, PartyName string
	}
	if err := db.Table("assignments a").
		Select("a.*, e.title AS election_title, s.name AS station_name, tt.name AS task_type_name, pa.name AS party_name").
		Joins("JOIN elections e ON e.id = a.election_id").Joins("JOIN polling_stations s ON s.id = a.station_id").
		Joins("JOIN task_types tt ON tt.id = a.task_type_id").Joins("JOIN parties pa ON pa.id = a.party_id").
		Where("a.participant_id = ?", id).Order("a.day, a.id").Scan(&as).Error; err != nil {
		return out, err
	}
	for _, a := range as {
		out.Assignments = append(out.Assignments, SubjectAssignment{ID: a.ID, Election: a.ElectionTitle, Station: a.StationName,
			TaskType: a.TaskTypeName, Party: a.PartyName, Day: a.Day.String(), State: string(a.State), DeclineReason: string(a.DeclineReason),
			NominatedAt: a.NominatedAt, InvitedAt: a.InvitedAt, AnsweredAt: a.AnsweredAt, AnsweredBy: a.AnsweredBy, EndedAt: a.EndedAt})
	}
	if err := db.Table("reserves r").Select("e.title AS election, pa.name AS party, COALESCE(s.name, '') AS station, r.created_at AS since").
		Joins("JOIN elections e ON e.id = r.election_id").Joins("JOIN parties pa ON pa.id = r.party_id").
		Joins("LEFT JOIN polling_stations s ON s.id = r.station_id").Where("r.participant_id = ?", id).Order("r.id").
		Scan(&out.Reserves).Error; err != nil {
		return out, err
	}
	if err := db.Table("day_offers d").
		Select("e.title AS election, s.name AS station, d.state AS state, d.asked_at AS asked_at, d.answered_at AS answered_at").
		Joins("JOIN elections e ON e.id = d.election_id").Joins("JOIN assignments a ON a.id = d.absent_assignment_id").
		Joins("JOIN polling_stations s ON s.id = a.station_id").Where("d.participant_id = ?", id).Order("d.id").
		Scan(&out.DayOffers).Error; err != nil {
		return out, err
	}
	ms, err := MessagesOf(ctx, db, id)
	if err != nil {
		return out, err
	}
	for _, m := range ms {
		sm := SubjectMessage{ID: m.ID, Kind: m.Kind, Channel: m.Channel, Status: string(m.Status), Created: m.CreatedAt, SentAt: m.SentAt,
			History: []SubjectMessageEvent{}}
		for _, e := range m.Events {
			sm.History = append(sm.History, SubjectMessageEvent{At: e.At, Channel: e.Channel, Status: e.Status, Detail: e.Detail})
		}
		out.Messages = append(out.Messages, sm)
	}
	entries, err := AuditLogOf(ctx, db, id)
	if err != nil {
		return out, err
	}
	if keys != nil {
		if c, err := models.ParseCPR(p.CPR.Reveal()); err == nil {
			more, err := AuditLogOfCPR(ctx, db, keys, c)
			if err != nil {
				return out, err
			}
			entries = append(entries, more...)
		}
	}
	slices.SortFunc(entries, func(x, y models.AuditEntry) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return int(x.ID - y.ID)
	})
	entries = slices.CompactFunc(entries, func(x, y models.AuditEntry) bool { return x.ID == y.ID })
	for _, e := range entries {
		out.Audit = append(out.Audit, SubjectAuditEntry{At: e.At, Action: string(e.Action), ActorID: e.ActorID, Detail: e.Detail})
	}
	out.Changes, err = subjectChanges(db, id)
	return out, err
}

// subjectChanges are the person's contact-data edits, oldest first, with
// their values decrypted.
func subjectChanges(db *gorm.DB, participantID int64) ([]SubjectChange, error) {
	out := []SubjectChange{}
	var cs []models.ParticipantChange
	if err := db.Where("participant_id = ?", participantID).Order("audit_id, id").Find(&cs).Error; err != nil || len(cs) == 0 {
		return out, err
	}
	var auditIDs, partyIDs []int64
	for _, c := range cs {
		auditIDs = append(auditIDs, c.AuditID)
		if c.PartyID != nil {
			partyIDs = append(partyIDs, *c.PartyID)
		}
	}
	var entries []models.AuditEntry
	if err := db.Select("id", "at").Where("id IN ?", auditIDs).Find(&entries).Error; err != nil {
		return out, err
	}
	at := map[int64]time.Time{}
	for _, e := range entries {
		at[e.ID] = e.At
	}
	party := map[int64]string{}
	if len(partyIDs) > 0 {
		var parties []models.Party
		if err := db.Select("id", "name").Where("id IN ?", partyIDs).Find(&parties).Error; err != nil {
			return out, err
		}
		for _, p := range parties {
			party[p.ID] = p.Name
		}
	}
	for _, c := range cs {
		sc := SubjectChange{At: at[c.AuditID], Field: c.Field, Before: c.OldValue.Reveal(), After: c.NewValue.Reveal()}
		if c.PartyID != nil {
			sc.Party = party[*c.PartyID]
		}
		out = append(out, sc)
	}
	return out, nil
}
