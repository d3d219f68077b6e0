package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// Min side (issue 19): a volunteer's one-time login links, their sessions,
// their own reads and edits, and their requests to be deleted. Every read
// here is of one person, named by the session's participant id: an id
// from a form that is not theirs is models.ErrNotFound, as an unknown one.

// ErrNoVolunteerSession: the token names no live volunteer session.
var ErrNoVolunteerSession = errors.New("no live volunteer session")

// VolunteerAddress normalises what a volunteer typed to log in: an e-mail
// address (lower-cased, trimmed) or a mobile number (a Danish 8-digit one
// gets +45). ok is false for neither.
func VolunteerAddress(address string) (channel models.Channel, normalised string, ok bool) {
	a := strings.TrimSpace(address)
	if a == "" || len(a) > 254 || !models.CleanText(a) {
		return "", "", false
	}
	if strings.Contains(a, "@") {
		if CheckContact("", a, models.ChannelDefault, "") != nil {
			return "", "", false
		}
		return models.ChannelEmail, strings.ToLower(a), true
	}
	in := NewParticipant{Mobile: a}
	if checkContact(&in) != nil || in.Mobile == "" {
		return "", "", false
	}
	return models.ChannelSMS, in.Mobile, true
}

// CreateVolunteerLoginLinks makes a one-time login link for each person
// the address is held for — their own address or one a party typed for
// them — found through the blind indexes, valid models.MinSideLinkValidity.
// A person who has had max links in the last hour gets none (the limit per
// address). Only the rows are made: their tokens are made when they are
// sent. It returns the links' ids; none for an unknown address.
func CreateVolunteerLoginLinks(ctx context.Context, db *gorm.DB, keys *vault.Keyring, address string, max int64, now time.Time) ([]int64, error) {
	channel, addr, ok := VolunteerAddress(address)
	if !ok {
		return nil, nil
	}
	now = now.UTC()
	var index string
	if channel == models.ChannelEmail {
		index = EmailIndex(keys, addr)
	} else {
		index = MobileIndex(keys, addr)
	}
	col := map[models.Channel]string{models.ChannelEmail: "email_index", models.ChannelSMS: "mobile_index"}[channel]
	type match struct {
		ParticipantID int64
		PartyID       *int64
	}
	var ids []int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var matches []match
		var own []int64
		if err := tx.Model(&models.Participant{}).Where(col+" = ?", index).Order("id").Pluck("id", &own).Error; err != nil {
			return err
		}
		for _, id := range own {
			matches = append(matches, match{ParticipantID: id})
		}
		var ms []models.PartyMembership
		if err := tx.Where(col+" = ?", index).Order("participant_id, party_id").Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			if slices.Contains(own, m.ParticipantID) {
				continue // the person's own address: one link is enough
			}
			if slices.ContainsFunc(matches, func(x match) bool { return x.ParticipantID == m.ParticipantID }) {
				continue
			}
			matches = append(matches, match{ParticipantID: m.ParticipantID, PartyID: &m.PartyID})
		}
		for _, m := range matches {
			var n int64
			if err := tx.Model(&models.VolunteerLoginLink{}).Where("participant_id = ? AND created_at > ?", m.ParticipantID, now.Add(-time.Hour)).
				Count(&n).Error; err != nil {
				return err
			}
			if n >= max {
				continue
			}
			l := models.VolunteerLoginLink{ParticipantID: m.ParticipantID, Channel: channel, PartyID: m.PartyID, CreatedAt: now,
				ExpiresAt: now.Add(models.MinSideLinkValidity)}
			if err := tx.Create(&l).Error; err != nil {
				return err
			}
			ids = append(ids, l.ID)
		}
		return nil
	})
	return ids, err
}

// IssueVolunteerLoginToken makes the token of a live login link, for its
// send, and returns the channel and address it goes to (decrypted from
// where it matched). Called again (a retried send) it makes a new token and
// the earlier one stops working. A link used or expired meanwhile, or whose
// address is gone, is ErrLinkUsed, ErrLinkExpired or ErrLinkUnknown.
func IssueVolunteerLoginToken(ctx context.Context, db *gorm.DB, linkID int64, now time.Time) (token string, channel models.Channel, to string, err error) {
	db = db.WithContext(ctx)
	var l models.VolunteerLoginLink
	res := db.Where("id = ?", linkID).Limit(1).Find(&l)
	switch {
	case res.Error != nil:
		return "", "", "", res.Error
	case res.RowsAffected == 0:
		return "", "", "", ErrLinkUnknown
	case l.UsedAt != nil:
		return "", "", "", ErrLinkUsed
	case !now.Before(l.ExpiresAt):
		return "", "", "", ErrLinkExpired
	}
	var p models.Participant
	if err := db.Where("id = ?", l.ParticipantID).Limit(1).Find(&p).Error; err != nil {
		return "", "", "", err
	}
	if l.PartyID != nil {
		var m models.PartyMembership
		if err := db.Where("participant_id = ? AND party_id = ?", l.ParticipantID, *l.PartyID).Limit(1).Find(&m).Error; err != nil {
			return "", "", "", err
		}
		p = models.WithMembershipData(p, m)
	}
	if l.Channel == models.ChannelEmail {
		to = p.Email.Reveal()
	} else {
		to = p.Mobile.Reveal()
	}
	if to == "" {
		return "", "", "", ErrLinkUnknown
	}
	token = randomToken()
	res = db.Model(&models.VolunteerLoginLink{}).Where("id = ? AND used_at IS NULL", linkID).Update("token_hash", hashToken(token))
	if res.Error != nil {
		return "", "", "", res.Error
	}
	if res.RowsAffected != 1 {
		return "", "", "", ErrLinkUsed
	}
	return token, l.Channel, to, nil
}

// liveLoginLink is the live link of token, or why there is none.
func liveLoginLink(db *gorm.DB, token string, now time.Time) (models.VolunteerLoginLink, error) {
	var l models.VolunteerLoginLink
	if token == "" || len(token) > 128 {
		return l, ErrLinkUnknown
	}
	res := db.Where("token_hash = ?", hashToken(token)).Limit(1).Find(&l)
	switch {
	case res.Error != nil:
		return l, res.Error
	case res.RowsAffected == 0:
		return l, ErrLinkUnknown
	case l.UsedAt != nil:
		return l, ErrLinkUsed
	case !now.Before(l.ExpiresAt):
		return l, ErrLinkExpired
	}
	return l, nil
}

// CheckVolunteerLoginLink tells whether token is a live login link; it
// writes nothing (a link scanner's GET must not spend it).
func CheckVolunteerLoginLink(ctx context.Context, db *gorm.DB, token string, now time.Time) error {
	_, err := liveLoginLink(db.WithContext(ctx), token, now)
	return err
}

// UseVolunteerLoginLink spends a live login link — once: of two uses at
// the same moment exactly one succeeds — and starts a volunteer session,
// audited. It returns the session's token.
func UseVolunteerLoginLink(ctx context.Context, db *gorm.DB, token string, now time.Time) (string, error) {
	now = now.UTC()
	var session string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l, err := liveLoginLink(tx, token, now)
		if err != nil {
			return err
		}
		res := tx.Model(&models.VolunteerLoginLink{}).Where("id = ? AND used_at IS NULL", l.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrLinkUsed
		}
		session, err = createVolunteerSession(tx, l.ParticipantID, "one-time link", now)
		return err
	})
	return session, err
}

// CreateVolunteerSession starts a volunteer session for a person found by
// other means (MitID), audited with how.
func CreateVolunteerSession(ctx context.Context, db *gorm.DB, participantID int64, how string, now time.Time) (string, error) {
	var token string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		token, err = createVolunteerSession(tx, participantID, how, now.UTC())
		return err
	})
	return token, err
}

func createVolunteerSession(tx *gorm.DB, participantID int64, how string, now time.Time) (string, error) {
	token := randomToken()
	s := models.VolunteerSession{TokenHash: hashToken(token), ParticipantID: participantID, CreatedAt: now,
		ExpiresAt: now.Add(models.MinSideSessionMax)}
	if err := tx.Create(&s).Error; err != nil {
		return "", err
	}
	if err := Audit(tx, models.AuditEntry{At: now, Action: models.AuditMinSideLogin, ParticipantID: &participantID,
		Detail: "logged in on Min side by " + how}); err != nil {
		return "", err
	}
	return token, nil
}

// VolunteerSessionOf is the live volunteer session of token;
// ErrNoVolunteerSession for none.
func VolunteerSessionOf(ctx context.Context, db *gorm.DB, token string, now time.Time) (models.VolunteerSession, error) {
	var s models.VolunteerSession
	if token == "" || len(token) > 128 {
		return s, ErrNoVolunteerSession
	}
	res := db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hashToken(token), now.UTC()).Limit(1).Find(&s)
	if res.Error != nil {
		return s, res.Error
	}
	if res.RowsAffected == 0 {
		return s, ErrNoVolunteerSession
	}
	return s, nil
}

// DeleteVolunteerSession ends the volunteer session of token.
func DeleteVolunteerSession(ctx context.Context, db *gorm.DB, token string) error {
	return db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&models.VolunteerSession{}).Error
}

// ParticipantIDByCPR is the person with this CPR number, found through the
// blind index; models.ErrNotFound for nobody.
func ParticipantIDByCPR(ctx context.Context, db *gorm.DB, keys *vault.Keyring, c models.CPR) (int64, error) {
	var ids []int64
	if err := db.WithContext(ctx).Model(&models.Participant{}).Where("cpr_index = ?", CPRIndex(keys, c)).Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, models.ErrNotFound
	}
	return ids[0], nil
}

// OwnParticipant is the person of a volunteer session.
func OwnParticipant(ctx context.Context, db *gorm.DB, participantID int64) (models.Participant, error) {
	var p models.Participant
	res := db.WithContext(ctx).Where("id = ?", participantID).Limit(1).Find(&p)
	if res.Error != nil {
		return p, res.Error
	}
	if res.RowsAffected == 0 {
		return p, models.ErrNotFound
	}
	return p, nil
}

// OwnTasks are every assignment of the person, the newest election first,
// each with its election, station and task type.
func OwnTasks(ctx context.Context, db *gorm.DB, participantID int64) ([]models.TaskView, error) {
	var ids []int64
	if err := db.WithContext(ctx).Model(&models.Assignment{}).Where("participant_id = ?", participantID).
		Order("day DESC, id").Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	out := make([]models.TaskView, 0, len(ids))
	for _, id := range ids {
		v, err := TaskOf(ctx, db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// OwnTask is one assignment of the person; another person's (or none) is
// models.ErrNotFound.
func OwnTask(ctx context.Context, db *gorm.DB, participantID, assignmentID int64) (models.TaskView, error) {
	var a models.Assignment
	res := db.WithContext(ctx).Where("id = ? AND participant_id = ?", assignmentID, participantID).Limit(1).Find(&a)
	if res.Error != nil {
		return models.TaskView{}, res.Error
	}
	if res.RowsAffected == 0 {
		return models.TaskView{}, models.ErrNotFound
	}
	return TaskOf(ctx, db, a.ID)
}

// EditOwnContact is a person's edit of their own contact data on Min side:
// the mobile number, e-mail and preferred channel, changed everywhere they
// are held for the person — their own record and every party membership
// with contact data of its own. What is typed is checked as at
// registration; a refusal changes nothing. Version is the person's record's
// version the form was read at (models.ErrStale when another edit came
// first). The edit is audited (no actor: the person themselves; the field
// names only) with the values before and after in participant_changes.
func EditOwnContact(ctx context.Context, db *gorm.DB, keys *vault.Keyring, participantID int64, in ContactEdit, now time.Time) ([]string, error) {
	in.SpecialDiet, in.DigitalPostExempt = nil, nil // not the person's to change here
	var changed []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Participant
		res := tx.Where("id = ?", participantID).Limit(1).Find(&p)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		next, err := applyEdit(keys, p, in)
		if err != nil {
			return err
		}
		if p.Version != in.Version {
			return models.ErrStale
		}
		type edit struct {
			partyID *int64
			changes []models.ParticipantChange
		}
		var edits []edit
		cols := func(changes []models.ParticipantChange) []string {
			out := []string{"version"}
			for _, c := range changes {
				out = append(out, c.Field)
				switch c.Field {
				case FieldMobile:
					out = append(out, "mobile_index")
				case FieldEmail:
					out = append(out, "email_index")
				}
			}
			return out
		}
		if changes := contactChanges(p, next); len(changes) > 0 {
			next.Version++
			next.UpdatedAt = now
			res := tx.Model(&models.Participant{}).Where("id = ? AND version = ?", p.ID, in.Version).
				Select(append(cols(changes), "updated_at")).Updates(&next)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return models.ErrStale
			}
			edits = append(edits, edit{nil, changes})
		}
		var ms []models.PartyMembership
		if err := tx.Where("participant_id = ?", p.ID).Order("party_id").Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			if !m.HasContact() {
				continue // the party uses the person's own data
			}
			cur := models.WithMembershipData(p, m)
			mnext, err := applyEdit(keys, cur, ContactEdit{Mobile: in.Mobile, Email: in.Email, PreferredChannel: in.PreferredChannel})
			if err != nil {
				return err
			}
			changes := contactChanges(cur, mnext)
			if len(changes) == 0 {
				continue
			}
			nm := m
			nm.Mobile, nm.MobileIndex, nm.Email, nm.EmailIndex = mnext.Mobile, mnext.MobileIndex, mnext.Email, mnext.EmailIndex
			nm.PreferredChannel, nm.Version = mnext.PreferredChannel, m.Version+1
			if err := tx.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", p.ID, m.PartyID).
				Select(cols(changes)).Updates(&nm).Error; err != nil {
				return err
			}
			partyID := m.PartyID
			edits = append(edits, edit{&partyID, changes})
		}
		for _, e := range edits {
			var names []string
			for _, c := range e.changes {
				names = append(names, c.Field)
				if !slices.Contains(changed, c.Field) {
					changed = append(changed, c.Field)
				}
			}
			detail := strings.Join(names, ", ") + " (by the person on Min side"
			if e.partyID != nil {
				detail += fmt.Sprintf(", list of party %d", *e.partyID)
			}
			detail += ")"
			auditID, err := auditReturningID(tx, models.AuditEntry{At: now, Action: models.AuditParticipantChanged,
				ParticipantID: &p.ID, Detail: detail})
			if err != nil {
				return err
			}
			for i := range e.changes {
				e.changes[i].AuditID, e.changes[i].ParticipantID, e.changes[i].PartyID = auditID, p.ID, e.partyID
			}
			if err := tx.Create(&e.changes).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// RequestDeletion records a person's request to be deleted, audited; a
// request already made stands (no second row).
func RequestDeletion(ctx context.Context, db *gorm.DB, participantID int64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.DeletionRequest{}).Where("participant_id = ?", participantID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := tx.Create(&models.DeletionRequest{ParticipantID: participantID, RequestedAt: now.UTC()}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditDeletionRequested, ParticipantID: &participantID,
			Detail: "the person asked to be deleted (Min side)"})
	})
}

// DeletionRequested tells whether the person has asked to be deleted.
func DeletionRequested(ctx context.Context, db *gorm.DB, participantID int64) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.DeletionRequest{}).Where("participant_id = ?", participantID).Count(&n).Error
	return n > 0, err
}

// DeletionRequests are the open requests to be deleted, oldest first.
// Staff, read-only staff included; never party secretaries.
func DeletionRequests(ctx context.Context, db *gorm.DB, actor models.User) ([]models.DeletionRequestView, error) {
	if !isStaff(actor) && actor.Role != models.RoleReadOnly {
		return nil, models.ErrForbidden
	}
	var out []models.DeletionRequestView
	err := db.WithContext(ctx).Table("deletion_requests d").Select("d.id, d.participant_id, p.name, d.requested_at").
		Joins("JOIN participants p ON p.id = d.participant_id").Order("d.requested_at, d.id").Scan(&out).Error
	return out, err
}

// DeletionRequestOf is one open request; models.ErrNotFound for none.
func DeletionRequestOf(ctx context.Context, db *gorm.DB, id int64) (models.DeletionRequest, error) {
	var r models.DeletionRequest
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&r)
	if res.Error != nil {
		return r, res.Error
	}
	if res.RowsAffected == 0 {
		return r, models.ErrNotFound
	}
	return r, nil
}

// NeededBy tells whether a current election still needs the person: a
// confirmed task in an election not yet held (its day is today or later,
// Europe/Copenhagen, and the election is not closed). It returns the
// number of such tasks.
func NeededBy(ctx context.Context, db *gorm.DB, participantID int64, now time.Time) (int64, error) {
	var n int64
	today := models.DateOf(now)
	err := db.WithContext(ctx).Table("assignments a").Joins("JOIN elections e ON e.id = a.election_id").
		Where("a.participant_id = ? AND a.state = ? AND e.state <> ? AND a.day >= ?", participantID, models.StateConfirmed,
			models.ElectionClosed, today).Count(&n).Error
	return n, err
}

// RunningLifecycles are the person's assignments whose lifecycle still
// runs (invited or confirmed): they are ended before the person is erased.
func RunningLifecycles(ctx context.Context, db *gorm.DB, participantID int64) ([]models.Assignment, error) {
	var as []models.Assignment
	err := db.WithContext(ctx).Where("participant_id = ? AND state IN ?", participantID,
		[]models.AssignmentState{models.StateInvited, models.StateConfirmed}).Order("id").Find(&as).Error
	return as, err
}

// EraseOnRequest erases the person of a deletion request (staff who may
// write): their nominations that no lifecycle owns are dropped, then the
// person goes as DeleteParticipants deletes (which refuses while a slot in
// an election not closed is still theirs: end the lifecycles first). The
// decision is audited; the request goes with the person.
func EraseOnRequest(ctx context.Context, db *gorm.DB, actor models.User, requestID int64, now time.Time) error {
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStaff {
		return models.ErrForbidden
	}
	r, err := DeletionRequestOf(ctx, db, requestID)
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("participant_id = ? AND state = ?", r.ParticipantID, models.StateNominated).Delete(&models.Assignment{}).Error; err != nil {
			return err
		}
		if err := Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditDeletionDecided,
			Detail: fmt.Sprintf("deletion request %d: participant %d erased", r.ID, r.ParticipantID)}); err != nil {
			return err
		}
		_, err := deleteParticipants(tx, actor, []int64{r.ParticipantID}, now, "at their own request")
		return err
	})
}
