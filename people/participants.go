package people

import (
	"context"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Participants lists the people actor may see: a party secretary their own
// party's whatever partyID says; staff one party's, or everyone for 0.
func (s *Service) Participants(ctx context.Context, actor models.User, partyID int64) ([]models.Participant, error) {
	switch {
	case actor.Role == models.RolePartySecretary && actor.PartyID != nil:
		return store.ParticipantsOfParty(ctx, s.DB, actor, *actor.PartyID)
	case partyID != 0:
		return store.ParticipantsOfParty(ctx, s.DB, actor, partyID)
	}
	return store.AllParticipants(ctx, s.DB, actor)
}

// RegistrationParties are the parties actor may register a person on, in
// Danish order: a party secretary their own, staff every party.
func (s *Service) RegistrationParties(ctx context.Context, actor models.User) ([]models.Party, error) {
	q := s.DB.WithContext(ctx)
	if actor.Role == models.RolePartySecretary {
		if actor.PartyID == nil {
			return nil, nil
		}
		q = q.Where("id = ?", *actor.PartyID)
	}
	var parties []models.Party
	err := q.Find(&parties).Error
	models.SortDanish(parties, func(p models.Party) string { return p.Name })
	return parties, err
}

// ParticipantView is a person's page.
type ParticipantView struct {
	Participant models.Participant
	Parties     []models.Party // the parties actor may see them on
	// Audit and Messages are read for staff only: a party secretary sees
	// neither the audit log nor the messages.
	Audit    []models.AuditEntry
	Messages []models.MessageLog
}

// Participant shows one person to actor, if actor may see them; the
// reading is written to the audit log. models.ErrNotFound for a person
// actor may not see: the two look alike.
func (s *Service) Participant(ctx context.Context, actor models.User, id int64) (ParticipantView, error) {
	var v ParticipantView
	var err error
	v.Participant, v.Parties, err = s.audited(ctx, actor, id, models.AuditParticipantRead, "")
	if err != nil || actor.Role == models.RolePartySecretary {
		return v, err
	}
	// The audit log is a courtesy on the page; the page shows without it.
	v.Audit, _ = store.AuditLogOf(ctx, s.DB, v.Participant.ID)
	v.Messages, err = store.MessagesOf(ctx, s.DB, v.Participant.ID)
	return v, err
}

// RevealCPR gives the person with their full CPR number, once; the reveal
// is written to the audit log.
func (s *Service) RevealCPR(ctx context.Context, actor models.User, id int64) (models.Participant, error) {
	p, _, err := s.audited(ctx, actor, id, models.AuditCPRRevealed, "shown on screen")
	return p, err
}

// AuditLog is the answer to a subject-access request for the audit log.
type AuditLog struct {
	Participant models.Participant
	Entries     []models.AuditEntry // oldest first
	// Actors are the users' names by id, for the entries' ActorID.
	Actors map[int64]string
}

// AuditLogExport is every audit entry about a person. The export is
// audited before the log is read, so it lists itself.
func (s *Service) AuditLogExport(ctx context.Context, actor models.User, id int64) (AuditLog, error) {
	var out AuditLog
	var err error
	if out.Participant, _, err = s.audited(ctx, actor, id, models.AuditExport, "audit log export (subject-access request)"); err != nil {
		return out, err
	}
	if out.Entries, err = store.AuditLogOf(ctx, s.DB, out.Participant.ID); err != nil {
		return out, err
	}
	var users []models.User
	if err := s.DB.WithContext(ctx).Select("id", "name").Find(&users).Error; err != nil {
		return out, err
	}
	out.Actors = make(map[int64]string, len(users))
	for _, u := range users {
		out.Actors[u.ID] = u.Name
	}
	return out, nil
}

// audited loads a person actor may see and writes the access to the audit
// log as action.
func (s *Service) audited(ctx context.Context, actor models.User, id int64, action models.AuditAction, detail string) (models.Participant, []models.Party, error) {
	p, parties, err := store.ParticipantFor(ctx, s.DB, actor, id)
	if err != nil {
		return p, nil, err
	}
	err = store.Audit(s.DB.WithContext(ctx), models.AuditEntry{At: s.now(), ActorID: &actor.ID,
		Action: action, ParticipantID: &p.ID, Detail: detail})
	return p, parties, err
}

// SubjectAccess is everything held about a person, for the staff to hand
// to them; the export and the CPR number in it are audited.
func (s *Service) SubjectAccess(ctx context.Context, actor models.User, id int64) (store.SubjectAccess, error) {
	return store.SubjectAccessOf(ctx, s.DB, s.Keys, actor, id, s.now())
}

// SetPoolConsent records whether a person consented to stay in the reserve
// pool after their elections.
func (s *Service) SetPoolConsent(ctx context.Context, actor models.User, id int64, keep bool) error {
	return store.SetPoolConsent(ctx, s.DB, actor, id, keep, s.now())
}

// DeletionWord is what an administrator types to confirm a deletion.
const DeletionWord = store.DeletionWord

// DeleteParticipants erases people (the right to erasure) once confirm is
// DeletionWord; it tells how many were deleted.
func (s *Service) DeleteParticipants(ctx context.Context, actor models.User, ids []int64, confirm string) (int, error) {
	return store.DeleteParticipants(ctx, s.DB, actor, ids, confirm, s.now())
}

// RecipientName names the person a message went to, when the product
// knows them: by the blind index of their mobile number (SMS) or CPR
// number (Digital Post). Empty when unknown or without keys; for the dev
// mailbox only.
func (s *Service) RecipientName(ctx context.Context, channel models.Channel, address string) string {
	if s.Keys == nil {
		return ""
	}
	q := s.DB.WithContext(ctx).Model(&models.Participant{}).Select("name")
	switch channel {
	case models.ChannelSMS:
		// The person's own number or one a party typed on its membership.
		index := store.MobileIndex(s.Keys, address)
		q = q.Where("mobile_index = ? OR id IN (?)", index,
			s.DB.Model(&models.PartyMembership{}).Select("participant_id").Where("mobile_index = ?", index))
	case models.ChannelDigitalPost:
		number, err := models.ParseCPR(address)
		if err != nil {
			return ""
		}
		q = q.Where("cpr_index = ?", store.CPRIndex(s.Keys, number))
	default:
		return ""
	}
	var names []string
	if q.Limit(1).Pluck("name", &names).Error != nil || len(names) == 0 {
		return ""
	}
	return names[0]
}
