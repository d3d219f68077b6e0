package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// ContactEdit is an edit of a person's contact data: staff edit the
// person's own data, a party secretary their party's membership's. A nil
// field is left as it is. Version is the version the editor read: another
// edit since then refuses this one (models.ErrStale).
type ContactEdit struct {
	Mobile, Email, SpecialDiet *string
	PreferredChannel           *models.Channel
	// DigitalPostExempt may be changed by staff only.
	DigitalPostExempt *bool
	Version           int64
}

// Field names of an edit, as the audit log's Detail and participant_changes
// name them.
const (
	FieldMobile            = "mobile"
	FieldEmail             = "email"
	FieldPreferredChannel  = "preferred_channel"
	FieldSpecialDiet       = "special_diet"
	FieldDigitalPostExempt = "digital_post_exempt"
)

// MayEditAll reports whether actor edits a person's own contact data
// (staff) rather than their party's membership (a party secretary).
func MayEditAll(actor models.User) bool { return isStaff(actor) }

// EditParticipant changes a person's contact data. Staff change the
// person's own data; a party secretary the membership of their party (a
// person not on their party's list is models.ErrNotFound, as reading is).
// What is typed is checked as at registration; a refusal changes nothing.
// The edit is audited (AuditParticipantChanged, the changed fields' names
// in Detail, never the values); the values before and after are kept
// encrypted in participant_changes. It returns the changed fields' names
// (none: nothing was written) and the person as the actor now sees them.
func EditParticipant(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actor models.User, id int64, in ContactEdit,
	now time.Time) ([]string, models.Participant, error) {
	var out models.Participant
	staff := isStaff(actor)
	if !staff && (actor.Role != models.RolePartySecretary || actor.PartyID == nil) {
		return nil, out, models.ErrForbidden
	}
	var changed []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Participant
		if err := tx.Where("id = ?", id).Limit(1).Find(&p).Error; err != nil {
			return err
		}
		if p.ID == 0 {
			return models.ErrNotFound
		}
		var m models.PartyMembership
		cur := p // the data edited: the person's, or their party's
		if !staff {
			if err := tx.Where("participant_id = ? AND party_id = ?", id, *actor.PartyID).Limit(1).Find(&m).Error; err != nil {
				return err
			}
			if m.ParticipantID == 0 {
				return models.ErrNotFound
			}
			cur = models.WithMembershipData(p, m)
			if in.DigitalPostExempt != nil {
				return models.RefuseField(FieldDigitalPostExempt, "error.contact.exempt.staffonly")
			}
		}
		next, err := applyEdit(keys, cur, in)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return models.ErrStale
		}
		changes := contactChanges(cur, next)
		if len(changes) == 0 {
			out = cur
			return nil
		}
		next.Version++
		cols := []string{"version"}
		for _, c := range changes {
			cols = append(cols, c.Field)
			switch c.Field { // the blind indexes follow their fields
			case FieldMobile:
				cols = append(cols, "mobile_index")
			case FieldEmail:
				cols = append(cols, "email_index")
			}
		}
		var res *gorm.DB
		if staff {
			next.UpdatedAt = now
			res = tx.Model(&models.Participant{}).Where("id = ? AND version = ?", id, in.Version).
				Select(append(cols, "updated_at")).Updates(&next)
		} else {
			nm := m
			nm.Mobile, nm.MobileIndex, nm.Email, nm.EmailIndex = next.Mobile, next.MobileIndex, next.Email, next.EmailIndex
			nm.PreferredChannel, nm.SpecialDiet, nm.Version = next.PreferredChannel, next.SpecialDiet, next.Version
			res = tx.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ? AND version = ?", id, m.PartyID, in.Version).
				Select(cols).Updates(&nm)
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrStale // another edit came between the read and the write
		}
		var partyID *int64
		if !staff {
			partyID = &m.PartyID
		}
		for _, c := range changes {
			changed = append(changed, c.Field)
		}
		detail := strings.Join(changed, ", ")
		if partyID != nil {
			detail += " (list of party " + strconv.FormatInt(*partyID, 10) + ")"
		}
		auditID, err := auditReturningID(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditParticipantChanged,
			ParticipantID: &p.ID, Detail: detail})
		if err != nil {
			return err
		}
		for i := range changes {
			changes[i].AuditID, changes[i].ParticipantID, changes[i].PartyID = auditID, p.ID, partyID
		}
		if err := tx.Create(&changes).Error; err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return nil, models.Participant{}, err
	}
	return changed, out, nil
}

// applyEdit is cur with the edit's fields, checked and normalised as at
// registration.
func applyEdit(keys *vault.Keyring, cur models.Participant, in ContactEdit) (models.Participant, error) {
	typed := NewParticipant{Mobile: cur.Mobile.Reveal(), Email: cur.Email.Reveal(), PreferredChannel: cur.PreferredChannel,
		SpecialDiet: cur.SpecialDiet.Reveal()}
	if in.Mobile != nil {
		typed.Mobile = *in.Mobile
	}
	if in.Email != nil {
		typed.Email = *in.Email
	}
	if in.PreferredChannel != nil {
		typed.PreferredChannel = *in.PreferredChannel
	}
	if in.SpecialDiet != nil {
		typed.SpecialDiet = strings.TrimSpace(*in.SpecialDiet)
	}
	if err := checkContact(&typed); err != nil {
		return cur, err
	}
	next := cur
	next.Mobile, next.MobileIndex = models.NewSecret(typed.Mobile), mobileIndexOf(keys, typed.Mobile)
	next.Email, next.EmailIndex = models.NewSecret(typed.Email), emailIndexOf(keys, typed.Email)
	next.PreferredChannel, next.SpecialDiet = typed.PreferredChannel, models.NewSecret(typed.SpecialDiet)
	if in.DigitalPostExempt != nil {
		next.DigitalPostExempt = *in.DigitalPostExempt
	}
	return next, nil
}

// contactChanges are the fields that differ between before and after,
// with both values.
func contactChanges(before, after models.Participant) []models.ParticipantChange {
	var out []models.ParticipantChange
	add := func(field, a, b string) {
		if a != b {
			out = append(out, models.ParticipantChange{Field: field, OldValue: models.NewSecret(a), NewValue: models.NewSecret(b)})
		}
	}
	add(FieldMobile, before.Mobile.Reveal(), after.Mobile.Reveal())
	add(FieldEmail, before.Email.Reveal(), after.Email.Reveal())
	add(FieldPreferredChannel, string(before.PreferredChannel), string(after.PreferredChannel))
	add(FieldSpecialDiet, before.SpecialDiet.Reveal(), after.SpecialDiet.Reveal())
	add(FieldDigitalPostExempt, strconv.FormatBool(before.DigitalPostExempt), strconv.FormatBool(after.DigitalPostExempt))
	return out
}

// auditReturningID writes an audit entry as Audit does and returns its id.
func auditReturningID(tx *gorm.DB, e models.AuditEntry) (int64, error) {
	if cprLike.MatchString(e.Detail) {
		return 0, errors.New("audit detail must not contain a CPR number")
	}
	err := tx.Create(&e).Error
	return e.ID, err
}

// PartyContact is one party's contact data for a person, for staff.
type PartyContact struct {
	Party      models.Party
	Membership models.PartyMembership
}

// ContactsByParty is what each party typed about a person, in Danish
// order of the parties: for staff only (models.ErrForbidden otherwise).
func ContactsByParty(ctx context.Context, db *gorm.DB, actor models.User, id int64) ([]PartyContact, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	db = db.WithContext(ctx)
	var ms []models.PartyMembership
	if err := db.Where("participant_id = ?", id).Find(&ms).Error; err != nil {
		return nil, err
	}
	out := make([]PartyContact, 0, len(ms))
	for _, m := range ms {
		var party models.Party
		if err := db.Where("id = ?", m.PartyID).Limit(1).Find(&party).Error; err != nil {
			return nil, err
		}
		out = append(out, PartyContact{Party: party, Membership: m})
	}
	models.SortDanish(out, func(c PartyContact) string { return c.Party.Name })
	return out, nil
}

// ParticipantChangeView is one field of an edit, with its values, for
// staff.
type ParticipantChangeView struct {
	At       time.Time
	ActorID  *int64
	PartyID  *int64
	Field    string
	Old, New string
}

// ChangesOf is the history of a person's contact data edits, newest
// first: for staff only (models.ErrForbidden otherwise).
func ChangesOf(ctx context.Context, db *gorm.DB, actor models.User, id int64) ([]ParticipantChangeView, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	db = db.WithContext(ctx)
	var cs []models.ParticipantChange
	if err := db.Where("participant_id = ?", id).Order("audit_id DESC, id").Find(&cs).Error; err != nil {
		return nil, err
	}
	entries := map[int64]models.AuditEntry{}
	for _, c := range cs {
		if _, ok := entries[c.AuditID]; ok {
			continue
		}
		var e models.AuditEntry
		if err := db.Where("id = ?", c.AuditID).Limit(1).Find(&e).Error; err != nil {
			return nil, err
		}
		entries[c.AuditID] = e
	}
	out := make([]ParticipantChangeView, len(cs))
	for i, c := range cs {
		e := entries[c.AuditID]
		out[i] = ParticipantChangeView{At: e.At, ActorID: e.ActorID, PartyID: c.PartyID, Field: c.Field,
			Old: c.OldValue.Reveal(), New: c.NewValue.Reveal()}
	}
	return out, nil
}
