package store

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// NewParticipant is what staff or a party secretary enter for a person.
type NewParticipant struct {
	CPR              models.CPR
	Name             string
	Mobile           string // E.164
	Email            string
	PreferredChannel models.Channel
	SpecialDiet      string
	PartyID          int64
	// DigitalPostExempt is what the CPR register said (tilmeldtDigitalpost
	// = false): Digital Post is then not tried.
	DigitalPostExempt bool
	// ProtectedAddress is what the CPR register said (adressebeskyttelse):
	// the person is then left out of every list and export.
	ProtectedAddress bool
}

// CPRIndex is the blind index of a CPR number: equal numbers, however typed,
// have equal indexes.
func CPRIndex(keys *vault.Keyring, c models.CPR) string {
	return keys.BlindIndex("cpr", []byte(c.Digits()))
}

// MobileIndex is the blind index of a mobile number in E.164: an SMS reply
// finds its sender by it, and an opt-out is kept by it.
func MobileIndex(keys *vault.Keyring, e164 string) string {
	return keys.BlindIndex("mobile", []byte(e164))
}

// mobileIndexOf is the stored index of a mobile number, nil for none.
func mobileIndexOf(keys *vault.Keyring, e164 string) *string {
	if e164 == "" {
		return nil
	}
	i := MobileIndex(keys, e164)
	return &i
}

// RegisterParticipant puts a person on a party's list. The same CPR number is
// one person: a second registration, by any party, finds the first (the
// unique blind index decides, even for two registrations at once) and adds
// only the membership. It reports whether the person was new.
//
// What was typed (mobile, e-mail, channel, diet) is kept on the party's
// membership (models.PartyMembership); a new person gets it as their own
// contact data too, a person who existed keeps theirs unchanged. A party
// registering its own member again updates its membership with the fields
// it typed (an empty field keeps the value). The participant returned
// carries the membership's contact data, never another party's.
func RegisterParticipant(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actor models.User, in NewParticipant, now time.Time) (models.Participant, bool, error) {
	var p models.Participant
	if in.CPR.IsZero() || in.Name == "" || in.PartyID == 0 {
		return p, false, errors.New("CPR number, name and party are required")
	}
	if !models.CleanText(in.Name) {
		return p, false, errors.New("the name is not valid UTF-8 text")
	}
	if err := checkContact(&in); err != nil {
		return p, false, err
	}
	if !mayRegisterFor(actor, in.PartyID) {
		return p, false, models.ErrForbidden
	}
	var created bool
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		p, created, err = registerIn(tx, keys, actorID(actor), in, now)
		return err
	})
	return p, created, err
}

// registerIn is RegisterParticipant's write, in tx, for actor (nil: the
// person themselves, through a sign-up link): the person found or made by
// the blind index, the membership added or updated, the audit entries.
func registerIn(tx *gorm.DB, keys *vault.Keyring, actor *int64, in NewParticipant, now time.Time) (models.Participant, bool, error) {
	var p models.Participant
	index := CPRIndex(keys, in.CPR)
	candidate := models.Participant{CPR: models.NewSecret(in.CPR.Digits()), CPRIndex: index, Name: in.Name,
		Mobile: models.NewSecret(in.Mobile), MobileIndex: mobileIndexOf(keys, in.Mobile), Email: models.NewSecret(in.Email),
		EmailIndex:       emailIndexOf(keys, in.Email),
		PreferredChannel: in.PreferredChannel, SpecialDiet: models.NewSecret(in.SpecialDiet), DigitalPostExempt: in.DigitalPostExempt,
		ProtectedAddress: in.ProtectedAddress, CreatedAt: now, UpdatedAt: now}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "cpr_index"}}, DoNothing: true}).Create(&candidate)
	if res.Error != nil {
		return p, false, res.Error
	}
	created := res.RowsAffected == 1
	if err := tx.Where("cpr_index = ?", index).First(&p).Error; err != nil {
		return p, false, err
	}
	// A person registered before keeps what the register says now
	// about protection; it is only ever turned on here, never off.
	if in.ProtectedAddress && !p.ProtectedAddress {
		if err := tx.Model(&p).Update("protected_address", true).Error; err != nil {
			return p, false, err
		}
	}
	m, err := registerMembership(tx, keys, p.ID, actor, in, now)
	if err != nil {
		return p, false, err
	}
	p = models.WithMembershipData(p, m)
	if created {
		if err := Audit(tx, models.AuditEntry{At: now, ActorID: actor, Action: models.AuditParticipantCreated,
			ParticipantID: &p.ID, Detail: fmt.Sprintf("party %d", in.PartyID)}); err != nil {
			return p, false, err
		}
	}
	return p, created, Audit(tx, models.AuditEntry{At: now, ActorID: actor, Action: models.AuditParticipantChanged,
		ParticipantID: &p.ID, Detail: fmt.Sprintf("on the list of party %d", in.PartyID)})
}

// registerMembership adds the membership of a registration with what was
// typed, or, when the party has the person already, updates it with the
// fields typed. It returns the membership as stored.
func registerMembership(tx *gorm.DB, keys *vault.Keyring, participantID int64, actorID *int64, in NewParticipant, now time.Time) (models.PartyMembership, error) {
	m := models.PartyMembership{ParticipantID: participantID, PartyID: in.PartyID, CreatedBy: actorID, CreatedAt: now,
		Mobile: models.NewSecret(in.Mobile), MobileIndex: mobileIndexOf(keys, in.Mobile), Email: models.NewSecret(in.Email),
		EmailIndex: emailIndexOf(keys, in.Email), PreferredChannel: in.PreferredChannel, SpecialDiet: models.NewSecret(in.SpecialDiet)}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m)
	if res.Error != nil || res.RowsAffected == 1 {
		return m, res.Error
	}
	if err := tx.Where("participant_id = ? AND party_id = ?", participantID, in.PartyID).First(&m).Error; err != nil {
		return m, err
	}
	var cols []string
	if in.Mobile != "" {
		m.Mobile, m.MobileIndex = models.NewSecret(in.Mobile), mobileIndexOf(keys, in.Mobile)
		cols = append(cols, "mobile", "mobile_index")
	}
	if in.Email != "" {
		m.Email, m.EmailIndex = models.NewSecret(in.Email), emailIndexOf(keys, in.Email)
		cols = append(cols, "email", "email_index")
	}
	if in.PreferredChannel != models.ChannelDefault {
		m.PreferredChannel = in.PreferredChannel
		cols = append(cols, "preferred_channel")
	}
	if in.SpecialDiet != "" {
		m.SpecialDiet = models.NewSecret(in.SpecialDiet)
		cols = append(cols, "special_diet")
	}
	if len(cols) == 0 {
		return m, nil
	}
	m.Version++
	cols = append(cols, "version")
	err := tx.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", participantID, in.PartyID).
		Select(cols).Updates(&m).Error
	return m, err
}

func mayRegisterFor(actor models.User, partyID int64) bool {
	if isStaff(actor) {
		return true
	}
	return actor.Role == models.RolePartySecretary && actor.PartyID != nil && *actor.PartyID == partyID
}

// isStaff: administrators and staff may change the election's setup;
// read-only staff and party secretaries may not.
func isStaff(actor models.User) bool {
	return actor.Role == models.RoleAdmin || actor.Role == models.RoleStaff
}

// ParticipantsOfParty lists the people on a party's list, for that party's
// secretaries and for staff. A party secretary asking for another party
// gets models.ErrForbidden, never another party's people.
func ParticipantsOfParty(ctx context.Context, db *gorm.DB, actor models.User, partyID int64) ([]models.Participant, error) {
	if actor.Role == models.RolePartySecretary && (actor.PartyID == nil || *actor.PartyID != partyID) {
		return nil, models.ErrForbidden
	}
	var ps []models.Participant
	err := db.WithContext(ctx).
		Where("id IN (?)", db.Model(&models.PartyMembership{}).Select("participant_id").Where("party_id = ?", partyID)).
		Find(&ps).Error
	if err == nil && !mayReadAllParties(actor) {
		err = asPartyHolds(ctx, db, ps, partyID)
	}
	models.SortDanish(ps, func(p models.Participant) string { return p.Name })
	return ps, err
}

// asPartyHolds puts in place of each person's contact data what the party
// typed on its membership: all a party secretary may see.
func asPartyHolds(ctx context.Context, db *gorm.DB, ps []models.Participant, partyID int64) error {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	theirs := map[int64]models.PartyMembership{}
	if err := inChunks(ids, func(c []int64) error {
		var ms []models.PartyMembership
		if err := db.WithContext(ctx).Where("party_id = ? AND participant_id IN ?", partyID, c).Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			theirs[m.ParticipantID] = m
		}
		return nil
	}); err != nil {
		return err
	}
	for i, p := range ps {
		ps[i] = models.WithMembershipData(p, theirs[p.ID])
	}
	return nil
}

// cprLike matches a CPR number in any usual form, to keep it out of the log.
var cprLike = regexp.MustCompile(`\d{6}[- ]?\d{4}`)

// Audit writes one entry of the audit log. A detail that looks like it holds
// a CPR number is refused: the log is kept for years and shown to the people
// it is about.
func Audit(db *gorm.DB, e models.AuditEntry) error {
	if cprLike.MatchString(e.Detail) {
		return errors.New("audit detail must not contain a CPR number")
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	return db.Create(&e).Error
}

// AuditLogOf returns every audit entry about one person, oldest first: the
// answer to a subject-access request. It includes the lookups of their CPR
// number that led to no registration.
func AuditLogOf(ctx context.Context, db *gorm.DB, participantID int64) ([]models.AuditEntry, error) {
	db = db.WithContext(ctx)
	var p models.Participant
	if err := db.Select("id", "cpr_index").Where("id = ?", participantID).Limit(1).Find(&p).Error; err != nil {
		return nil, err
	}
	var es []models.AuditEntry
	err := db.Where("participant_id = ? OR (subject_index = ? AND subject_index <> '')", participantID, p.CPRIndex).
		Order("at, id").Find(&es).Error
	return es, err
}

// AuditLogOfCPR returns the audit entries about the person with this CPR
// number, registered or not.
func AuditLogOfCPR(ctx context.Context, db *gorm.DB, keys *vault.Keyring, c models.CPR) ([]models.AuditEntry, error) {
	db = db.WithContext(ctx)
	index := CPRIndex(keys, c)
	var p models.Participant
	db.Select("id").Where("cpr_index = ?", index).Limit(1).Find(&p)
	var es []models.AuditEntry
	err := db.Where("subject_index = ? OR (participant_id = ? AND participant_id <> 0)", index, p.ID).Order("at, id").Find(&es).Error
	return es, err
}

// mayReadAllParties: staff see every party's people; party secretaries only
// their own party's.
func mayReadAllParties(actor models.User) bool {
	return actor.Role == models.RoleAdmin || actor.Role == models.RoleStaff || actor.Role == models.RoleReadOnly
}

// ParticipantFor returns a participant the actor may see, with the parties
// the actor may see it on.
func ParticipantFor(ctx context.Context, db *gorm.DB, actor models.User, id int64) (models.Participant, []models.Party, error) {
	db = db.WithContext(ctx)
	var p models.Participant
	var parties []models.Party
	q := db.Model(&models.Party{}).Where("id IN (?)", db.Model(&models.PartyMembership{}).Select("party_id").Where("participant_id = ?", id))
	if !mayReadAllParties(actor) {
		if actor.Role != models.RolePartySecretary || actor.PartyID == nil {
			return p, nil, models.ErrNotFound
		}
		q = q.Where("id = ?", *actor.PartyID)
	}
	if err := q.Find(&parties).Error; err != nil {
		return p, nil, err
	}
	if len(parties) == 0 && !mayReadAllParties(actor) {
		return p, nil, models.ErrNotFound
	}
	err := db.First(&p, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, nil, models.ErrNotFound
	}
	if err == nil && !mayReadAllParties(actor) {
		// A party secretary sees what their party typed, never the
		// person's own data nor another party's.
		var m models.PartyMembership
		err = db.Where("participant_id = ? AND party_id = ?", id, *actor.PartyID).First(&m).Error
		p = models.WithMembershipData(p, m)
	}
	models.SortDanish(parties, func(p models.Party) string { return p.Name })
	return p, parties, err
}

// AllParticipants lists everyone, for staff only.
func AllParticipants(ctx context.Context, db *gorm.DB, actor models.User) ([]models.Participant, error) {
	if !mayReadAllParties(actor) {
		return nil, models.ErrForbidden
	}
	var ps []models.Participant
	err := db.WithContext(ctx).Find(&ps).Error
	models.SortDanish(ps, func(p models.Participant) string { return p.Name })
	return ps, err
}

// e164 is a phone number in E.164: +, country code, up to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9]\d{7,14}$`)

// checkContact normalises and checks what was typed as contact data: a
// Danish 8-digit number gets +45; anything else must be E.164.
func checkContact(in *NewParticipant) error {
	// Broken bytes or control characters are refused, not stored:
	// PostgreSQL refuses them with an error, and a list or export would
	// carry them on.
	for _, f := range []struct{ value, field, key string }{{in.Mobile, "mobile", "error.contact.mobile.badtext"},
		{in.Email, "email", "error.contact.email.badtext"}, {in.SpecialDiet, "special_diet", "error.contact.diet.badtext"}} {
		if !models.CleanText(f.value) {
			return models.RefuseField(f.field, f.key)
		}
	}
	m := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(in.Mobile))
	if len(m) == 8 && !strings.HasPrefix(m, "+") {
		m = "+45" + m
	}
	if m != "" && !e164.MatchString(m) {
		return models.RefuseField("mobile", "error.contact.mobile")
	}
	in.Mobile = m
	in.Email = strings.TrimSpace(in.Email)
	if len(in.Email) > 254 {
		return models.RefuseField("email", "error.contact.emaillong")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			return models.RefuseField("email", "error.contact.email")
		}
	}
	switch in.PreferredChannel {
	case models.ChannelDefault, models.ChannelDigitalPost, models.ChannelEmail, models.ChannelSMS:
	default:
		return models.RefuseField("preferred_channel", "error.contact.channel")
	}
	if len(in.SpecialDiet) > 500 {
		return models.RefuseField("special_diet", "error.contact.diet")
	}
	return nil
}

// CheckContact checks contact data before anything is looked up or stored.
func CheckContact(mobile, email string, channel models.Channel, diet string) error {
	in := NewParticipant{Mobile: mobile, Email: email, PreferredChannel: channel, SpecialDiet: diet}
	return checkContact(&in)
}
