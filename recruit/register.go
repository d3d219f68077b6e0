package recruit

import (
	"context"
	"errors"
	"strings"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/providers/cpr"
	"github.com/valghalla/valghalla/store"
)

// lookUp asks the CPR register about a number for registration or
// nomination. The lookup is written to the audit log under the number's
// blind index whatever the answer, so the person can later learn of it. A
// number the register does not know, a dead person and a register that
// does not answer are refusals.
func (s *Service) lookUp(ctx context.Context, actor models.User, number models.CPR) (cpr.Person, error) {
	if !s.HasRegister() {
		return cpr.Person{}, refuse(Unavailable, "error.recruit.noregister")
	}
	if err := s.countLookup(ctx, actor); err != nil { // a party secretary's limit a day (lookuplimit.go)
		return cpr.Person{}, err
	}
	var by *int64
	if actor.ID != 0 {
		by = &actor.ID
	}
	person, err := s.ask(ctx, by, number, "SF1520 lookup at nomination")
	if err == nil && person.Status == "90" {
		if actor.Role == models.RolePartySecretary {
			return person, refuse(Invalid, "error.recruit.notnominatable")
		}
		return person, refuse(Invalid, "error.recruit.dead")
	}
	return person, err
}

// ask asks the register about a number and logs the lookup against the
// number's blind index (by: the user who asked; nil for a person asking
// about themselves). A number the register does not know and a register
// that does not answer are refusals.
func (s *Service) ask(ctx context.Context, by *int64, number models.CPR, detail string) (cpr.Person, error) {
	person, err := s.CPR.Lookup(ctx, number)
	subject := store.CPRIndex(s.Keys, number)
	if aerr := store.Audit(s.DB.WithContext(ctx), models.AuditEntry{At: s.now(), ActorID: by,
		Action: models.AuditCPRLookup, SubjectIndex: &subject, Detail: detail}); aerr != nil {
		return person, aerr
	}
	switch {
	case errors.Is(err, cpr.ErrNotFound):
		return person, refuse(Invalid, "error.recruit.cprunknown")
	case err != nil:
		s.Log.ErrorContext(ctx, "CPR register lookup failed", "error", err)
		return person, &Refusal{Kind: RegisterDown, UserError: models.Refuse("error.recruit.registerdown"), cause: err}
	}
	return person, nil
}

// LookUpSelf is the register's check of a person who signs up themselves
// (a sign-up link, by typed CPR number or MitID): the lookup is logged
// against the number with no user, and the person is checked against the
// rules of the election's type (validation off: alive only). Whatever rules
// them out — unknown number, dead, emigrated, under guardianship, another
// municipality — is one refusal, error.signup.ineligible, which names no
// reason: the page is no oracle of the register. The register not
// answering is RegisterDown, as for staff.
func (s *Service) LookUpSelf(ctx context.Context, number models.CPR, e models.Election, validation bool) (cpr.Person, error) {
	if !s.HasRegister() {
		return cpr.Person{}, refuse(Unavailable, "error.recruit.noregister")
	}
	ineligible := refuse(Invalid, "error.signup.ineligible")
	person, err := s.ask(ctx, nil, number, "SF1520 lookup at sign-up")
	if k, ok := KindOf(err); ok && k == Invalid {
		return person, ineligible
	} else if err != nil {
		return person, err
	}
	reasons, err := s.rulesCheck(ctx, person.PersonFacts, e, validation)
	if err != nil {
		return person, err
	}
	if person.Status == "90" || len(reasons) > 0 {
		return person, ineligible
	}
	return person, nil
}

// PersonName is the name the register gives a person.
func PersonName(p cpr.Person) string { return personName(p) }

// rulesCheck checks facts against the rules stored for the election's type
// in the municipality.
func (s *Service) rulesCheck(ctx context.Context, facts models.PersonFacts, e models.Election, validation bool) ([]models.Ineligibility, error) {
	var m models.Municipality
	if err := s.DB.WithContext(ctx).First(&m).Error; err != nil {
		return nil, err
	}
	rules, err := store.RulesFor(ctx, s.DB, e.Kind)
	if err != nil {
		return nil, err
	}
	return rules.Check(e.ElectionDay, m.Code, facts, validation), nil
}

func personName(p cpr.Person) string { return strings.TrimSpace(p.GivenName + " " + p.Surname) }

// checkEligible checks a person against the rules stored for the
// election's type (/valgtyper) in the municipality (validation off: alive
// only) and refuses them when they are not eligible: with the reasons for
// staff; a party secretary is told only that the person cannot be
// nominated, so that the register is no oracle of who died, moved or is
// under guardianship.
func (s *Service) checkEligible(ctx context.Context, actor models.User, facts models.PersonFacts, e models.Election, validation bool) error {
	reasons, err := s.rulesCheck(ctx, facts, e, validation)
	if err != nil {
		return err
	}
	if len(reasons) == 0 {
		return nil
	}
	if actor.Role == models.RolePartySecretary {
		return &Refusal{Kind: Invalid, UserError: models.Refuse("error.nomination.notnominatable", e.Title), Election: e}
	}
	refusals := make([]*models.UserError, len(reasons))
	for i, r := range reasons {
		refusals[i] = r.Reason
	}
	return &Refusal{Kind: Invalid, UserError: models.Refuse("error.nomination.ineligible", e.Title, refusals),
		Ineligible: reasons, Election: e}
}

// nextElectionCheck checks a registration on a party's list against the
// next active election, by the rules stored for its type. Pools outside
// the quota (staff, volunteers) are not checked here: their task types
// decide at nomination to a slot whether validation applies.
func (s *Service) nextElectionCheck(ctx context.Context, actor models.User, facts models.PersonFacts, partyID int64) error {
	db := s.DB.WithContext(ctx)
	var party models.Party
	if err := db.First(&party, partyID).Error; err != nil || party.Kind == models.Pool {
		return nil
	}
	var e models.Election
	today := models.DateOf(s.Now().In(models.Copenhagen))
	if err := db.Where("state = ? AND election_day >= ?", models.ElectionActive, today).Order("election_day").Limit(1).Find(&e).Error; err != nil {
		return err
	}
	if e.ID == 0 {
		return nil
	}
	return s.checkEligible(ctx, actor, facts, e, true)
}

// Person is someone typed in by CPR number, with contact data.
type Person struct {
	CPR     string
	Mobile  string
	Email   string
	Channel models.Channel
	Diet    string
}

// Registration is a person to put on a party's list.
type Registration struct {
	Person
	PartyID int64
}

// Registered is the outcome of a registration.
type Registered struct {
	Participant models.Participant
	MaskedCPR   string
	PartyID     int64
	// Created is false when the number was registered before (by any
	// party): the person was then only added to this party's list.
	Created bool
}

// parseCPR reads a typed CPR number; a bad one is refused on the field.
func parseCPR(raw string) (models.CPR, error) {
	number, err := models.ParseCPR(raw)
	if ue, ok := models.AsUserError(err); ok {
		return number, &Refusal{Kind: Invalid, UserError: ue}
	}
	return number, err
}

// checkContact checks contact data before anything is looked up: a typing
// error costs no register lookup.
func checkContact(p Person) error {
	return fromStore(store.CheckContact(p.Mobile, p.Email, p.Channel, p.Diet))
}

// RegisterParticipant registers a person by CPR number on a party's list:
// the number and the contact data checked, the CPR register asked (the
// lookup is logged against the number), the person's eligibility for the
// next election checked, and the person stored — the same number twice is
// the same person. A party secretary registers for their own party.
func (s *Service) RegisterParticipant(ctx context.Context, actor models.User, in Registration) (Registered, error) {
	var out Registered
	number, err := parseCPR(in.CPR)
	if err != nil {
		return out, err
	}
	if !s.HasRegister() {
		return out, refuse(Unavailable, "error.recruit.noregister")
	}
	if actor.Role == models.RolePartySecretary {
		if in.PartyID != 0 && in.PartyID != *actor.PartyID {
			return out, refuse(Forbidden, "error.recruit.forbidden")
		}
		in.PartyID = *actor.PartyID
	}
	var party models.Party
	if in.PartyID > 0 {
		if err := s.DB.WithContext(ctx).Where("id = ?", in.PartyID).Limit(1).Find(&party).Error; err != nil {
			return out, err
		}
	}
	if party.ID == 0 {
		return out, refuseField(Invalid, "party_id", "error.recruit.noparty")
	}
	if err := checkContact(in.Person); err != nil {
		return out, err
	}
	if err := s.refuseRemoved(ctx, 0, in.CPR, party.ID); err != nil { // removal.go
		return out, err
	}
	person, err := s.lookUp(ctx, actor, number)
	if err != nil {
		return out, err
	}
	if err := s.nextElectionCheck(ctx, actor, person.PersonFacts, party.ID); err != nil {
		return out, err
	}
	p, created, err := store.RegisterParticipant(ctx, s.DB, s.Keys, actor, store.NewParticipant{
		CPR: number, Name: personName(person), Mobile: in.Mobile, Email: in.Email,
		PreferredChannel: in.Channel, SpecialDiet: strings.TrimSpace(in.Diet),
		PartyID: party.ID, DigitalPostExempt: person.DigitalPostExempt, ProtectedAddress: person.ProtectedAddress}, s.now())
	if err != nil {
		return out, fromStore(err)
	}
	return Registered{Participant: p, MaskedCPR: number.Masked(), PartyID: party.ID, Created: created}, nil
}
