package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// Sign-up links (models.SignupLink): staff make them for any party or
// pool, a party's secretary for their own party only and, when limited to
// some polling stations, only for links limited to those stations. A link
// of another party looks like none at all to a secretary.

// The refusals of a sign-up.
var (
	// ErrSignupNotOpen: the link is unknown, disabled or past its end —
	// the public page says the same for all three.
	ErrSignupNotOpen = models.Refuse("error.signup.notopen")
	// ErrSignupFull: the link has reached its limit.
	ErrSignupFull = models.Refuse("error.signup.full")
)

// SignupTokenHash is the stored form of a sign-up link's token.
func SignupTokenHash(token string) string {
	sum := sha256.Sum256([]byte("signup-link:" + token))
	return hex.EncodeToString(sum[:])
}

// newSignupToken is 128 random bits, URL-safe.
func newSignupToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mayManageLink: staff for every party and pool; a party secretary for
// their own party, and when limited to some stations only for a link
// limited to stations of theirs.
func mayManageLink(db *gorm.DB, actor models.User, partyID int64, stationIDs []int64) error {
	if isStaff(actor) {
		return nil
	}
	if actor.Role != models.RolePartySecretary || actor.PartyID == nil || *actor.PartyID != partyID {
		return models.ErrForbidden
	}
	own, err := StationLimitOf(db.Statement.Context, db, actor)
	if err != nil || !own.Limited {
		return err
	}
	if len(stationIDs) == 0 || slices.ContainsFunc(stationIDs, func(id int64) bool { return !own.Allows(id) }) {
		return models.ErrForbidden
	}
	return nil
}

// maySeeLink: staff and read-only staff see every link; a secretary the
// links of their own party they could manage.
func maySeeLink(db *gorm.DB, actor models.User, l models.SignupLink) (bool, error) {
	if mayReadAllParties(actor) {
		return true, nil
	}
	err := mayManageLink(db, actor, l.PartyID, l.StationIDs)
	if errors.Is(err, models.ErrForbidden) {
		return false, nil
	}
	return err == nil, err
}

// CreateSignupLink makes a sign-up link and returns it with its token (the
// address's secret part).
func CreateSignupLink(ctx context.Context, db *gorm.DB, actor models.User, in models.NewSignupLink, now time.Time) (models.SignupLink, string, error) {
	db = db.WithContext(ctx)
	var l models.SignupLink
	if err := in.Check(now); err != nil {
		return l, "", err
	}
	in.TaskTypeIDs, in.StationIDs = uniqueIDs(in.TaskTypeIDs), uniqueIDs(in.StationIDs)
	if err := mayManageLink(db, actor, in.PartyID, in.StationIDs); err != nil {
		return l, "", err
	}
	if _, err := openElection(db, in.ElectionID); err != nil {
		return l, "", err
	}
	var party models.Party
	if err := db.Where("id = ?", in.PartyID).Limit(1).Find(&party).Error; err != nil {
		return l, "", err
	}
	if party.ID == 0 {
		return l, "", models.RefuseField("party_id", "error.signup.party")
	}
	if len(in.TaskTypeIDs) > 0 {
		var tts []models.TaskType
		if err := db.Where("id IN ?", in.TaskTypeIDs).Find(&tts).Error; err != nil {
			return l, "", err
		}
		if len(tts) != len(in.TaskTypeIDs) {
			return l, "", models.RefuseField("task_type_ids", "error.signup.tasktype")
		}
		for _, tt := range tts {
			// Betroede opgaver are the council's appointments.
			if tt.AppointedOnly && !isStaff(actor) {
				return l, "", models.ErrForbidden
			}
		}
	}
	if len(in.StationIDs) > 0 {
		var n int64
		if err := db.Model(&models.PollingStation{}).Where("id IN ?", in.StationIDs).Count(&n).Error; err != nil {
			return l, "", err
		}
		if int(n) != len(in.StationIDs) {
			return l, "", models.RefuseField("station_ids", "error.station.unknown")
		}
	}
	token := newSignupToken()
	l = models.SignupLink{TokenHash: SignupTokenHash(token), Token: models.NewSecret(token), Name: in.Name,
		ElectionID: in.ElectionID, PartyID: in.PartyID, TaskTypeIDs: in.TaskTypeIDs, StationIDs: in.StationIDs,
		Claim: in.Claim, EndsAt: in.EndsAt(), MaxSignups: in.MaxSignups, CreatedBy: actorID(actor), CreatedAt: now}
	if l.TaskTypeIDs == nil {
		l.TaskTypeIDs = []int64{}
	}
	if l.StationIDs == nil {
		l.StationIDs = []int64{}
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&l).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: models.AuditSignupLinkCreated,
			Detail: fmt.Sprintf("sign-up link %d for party %d, election %d (claim %t, max %d)", l.ID, l.PartyID, l.ElectionID, l.Claim, l.MaxSignups)})
	})
	return l, token, err
}

func uniqueIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// SignupLinks lists the links of an election the actor may see, newest
// first, with their parties, task types and stations.
func SignupLinks(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, now time.Time) ([]models.SignupLinkView, error) {
	db = db.WithContext(ctx)
	q := db.Where("election_id = ?", electionID).Order("created_at DESC, id DESC")
	if !mayReadAllParties(actor) {
		if actor.Role != models.RolePartySecretary || actor.PartyID == nil {
			return nil, models.ErrForbidden
		}
		q = q.Where("party_id = ?", *actor.PartyID)
	}
	var links []models.SignupLink
	if err := q.Find(&links).Error; err != nil {
		return nil, err
	}
	out := make([]models.SignupLinkView, 0, len(links))
	for _, l := range links {
		ok, err := maySeeLink(db, actor, l)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		v, err := signupLinkView(db, l, now)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func signupLinkView(db *gorm.DB, l models.SignupLink, now time.Time) (models.SignupLinkView, error) {
	v := models.SignupLinkView{Link: l, State: l.StateAt(now)}
	if err := db.First(&v.Election, l.ElectionID).Error; err != nil {
		return v, err
	}
	if err := db.First(&v.Party, l.PartyID).Error; err != nil {
		return v, err
	}
	if len(l.TaskTypeIDs) > 0 {
		if err := db.Where("id IN ?", l.TaskTypeIDs).Order("name").Find(&v.TaskTypes).Error; err != nil {
			return v, err
		}
	}
	if len(l.StationIDs) > 0 {
		if err := db.Where("id IN ?", l.StationIDs).Order(stationOrder).Find(&v.Stations).Error; err != nil {
			return v, err
		}
	}
	return v, nil
}

// SignupLinkFor returns a link the actor may see; another party's is
// models.ErrNotFound.
func SignupLinkFor(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) (models.SignupLinkView, error) {
	db = db.WithContext(ctx)
	var l models.SignupLink
	if err := db.Where("id = ?", id).Limit(1).Find(&l).Error; err != nil {
		return models.SignupLinkView{}, err
	}
	if l.ID == 0 {
		return models.SignupLinkView{}, models.ErrNotFound
	}
	ok, err := maySeeLink(db, actor, l)
	if err != nil {
		return models.SignupLinkView{}, err
	}
	if !ok {
		return models.SignupLinkView{}, models.ErrNotFound
	}
	return signupLinkView(db, l, now)
}

// DisableSignupLink closes a link for good. Disabling a disabled link
// changes nothing.
func DisableSignupLink(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) error {
	v, err := SignupLinkFor(ctx, db, actor, id, now)
	if err != nil {
		return err
	}
	db = db.WithContext(ctx)
	if err := mayManageLink(db, actor, v.Link.PartyID, v.Link.StationIDs); err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.SignupLink{}).Where("id = ? AND disabled_at IS NULL", id).
			Updates(map[string]any{"disabled_at": now, "disabled_by": actorID(actor)})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: models.AuditSignupLinkDisabled,
			Detail: fmt.Sprintf("sign-up link %d for party %d, election %d", id, v.Link.PartyID, v.Link.ElectionID)})
	})
}

// SignupLinkByToken finds the link of a token; models.ErrNotFound when
// there is none. It reads only.
func SignupLinkByToken(ctx context.Context, db *gorm.DB, token string) (models.SignupLink, error) {
	var l models.SignupLink
	if token == "" || len(token) > 100 {
		return l, models.ErrNotFound
	}
	if err := db.WithContext(ctx).Where("token_hash = ?", SignupTokenHash(token)).Limit(1).Find(&l).Error; err != nil {
		return l, err
	}
	if l.ID == 0 {
		return l, models.ErrNotFound
	}
	return l, nil
}

// SignupOfferOf is what the public page of a link shows.
func SignupOfferOf(ctx context.Context, db *gorm.DB, l models.SignupLink) (models.SignupOffer, error) {
	db = db.WithContext(ctx)
	v, err := signupLinkView(db, l, time.Time{})
	if err != nil {
		return models.SignupOffer{}, err
	}
	o := models.SignupOffer{Link: l, Election: v.Election, Party: v.Party, TaskTypes: v.TaskTypes, Stations: v.Stations}
	if o.Municipality, err = MunicipalityOf(ctx, db); err != nil {
		return o, err
	}
	o.Consent, err = SignupConsent(ctx, db)
	return o, err
}

// SignupConsent is the municipality's consent and disclosure text of the
// sign-up page; empty: the product's default.
func SignupConsent(ctx context.Context, db *gorm.DB) (string, error) {
	var texts []string
	err := db.WithContext(ctx).Model(&models.Municipality{}).Order("id").Limit(1).Pluck("signup_consent", &texts).Error
	if err != nil || len(texts) == 0 {
		return "", err
	}
	return texts[0], nil
}

// MaxConsentText bounds the consent text.
const MaxConsentText = 20000

// SaveSignupConsent sets the consent and disclosure text (empty: back to
// the default). Staff only.
func SaveSignupConsent(ctx context.Context, db *gorm.DB, actor models.User, text string, now time.Time) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	if !models.CleanText(text) || len(text) > MaxConsentText {
		return models.RefuseField("consent", "error.signup.consent", MaxConsentText)
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Municipality{}).Where("1 = 1").Update("signup_consent", text)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: actorID(actor), Action: models.AuditSignupConsent,
			Detail: fmt.Sprintf("%d characters", len([]rune(text)))})
	})
}

// SignupResult is what a sign-up did.
type SignupResult struct {
	Participant models.Participant
	// Duplicate: the person had signed up through this link before; nothing
	// was written.
	Duplicate bool
	// Assignment is the slot a claim link gave them (state nominated: the
	// caller starts its lifecycle confirmed); Reserve: a claim link found
	// no vacant slot and put them on the party's reserve list.
	Assignment *models.Assignment
	Reserve    bool
}

// SignupPersonOf finds a person by CPR number and tells whether they signed
// up through the link already, and whether the link's party took them off
// its list (an open removal): both without writing anything.
func SignupPersonOf(ctx context.Context, db *gorm.DB, keys *vault.Keyring, linkID, partyID int64, number models.CPR) (signedUp, removed bool, err error) {
	db = db.WithContext(ctx)
	var p models.Participant
	if err := db.Select("id").Where("cpr_index = ?", CPRIndex(keys, number)).Limit(1).Find(&p).Error; err != nil || p.ID == 0 {
		return false, false, err
	}
	var n int64
	if err := db.Model(&models.Signup{}).Where("link_id = ? AND participant_id = ?", linkID, p.ID).Count(&n).Error; err != nil {
		return false, false, err
	}
	r, err := OpenRemovalOf(ctx, db, p.ID, partyID)
	return n > 0, r.Open(), err
}

// SignUp puts a person on the link's party's or pool's list (found by the
// CPR blind index or made), records the sign-up and counts it against the
// link's limit, all in one transaction: a full, disabled or expired link
// writes nothing. A second sign-up of the same person through the link is
// the same sign-up (Duplicate). A claim link gives the person the first
// vacant slot of the link's task types and stations (appointed-only task
// types only when the link names them), or, when none is left, puts them on
// the party's reserve list (of the link's station when it names one).
func SignUp(ctx context.Context, db *gorm.DB, keys *vault.Keyring, linkID int64, in NewParticipant, now time.Time) (SignupResult, error) {
	var out SignupResult
	if in.CPR.IsZero() || in.Name == "" {
		return out, errors.New("CPR number and name are required")
	}
	if err := checkContact(&in); err != nil {
		return out, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var l models.SignupLink
		if err := tx.Where("id = ?", linkID).Limit(1).Find(&l).Error; err != nil {
			return err
		}
		if l.ID == 0 {
			return ErrSignupNotOpen
		}
		switch l.StateAt(now) {
		case models.SignupDisabled, models.SignupExpired:
			return ErrSignupNotOpen
		}
		if _, err := openElection(tx, l.ElectionID); err != nil {
			return ErrSignupNotOpen
		}
		in.PartyID = l.PartyID
		p, _, err := registerIn(tx, keys, nil, in, now)
		if err != nil {
			return err
		}
		out.Participant = p
		if err := refuseRemoved(tx, p.ID, l.PartyID); err != nil {
			return err
		}
		s := models.Signup{LinkID: l.ID, ParticipantID: p.ID, CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&s)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			out.Duplicate = true
			return errDuplicateSignup // undo the registration's writes
		}
		// The count, raised only below the limit: two sign-ups at once
		// cannot both take the last place.
		res = tx.Model(&models.SignupLink{}).Where("id = ? AND signups < max_signups", l.ID).
			Update("signups", gorm.Expr("signups + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSignupFull
		}
		if l.Claim {
			a, err := claimVacant(tx, l, p.ID, now)
			if err != nil {
				return err
			}
			if a != nil {
				out.Assignment = a
				s.AssignmentID = &a.ID
			} else {
				out.Reserve = true
				s.Reserve = true
				var station *int64
				if len(l.StationIDs) == 1 {
					station = &l.StationIDs[0]
				}
				if err := addReserveIn(tx, l.ElectionID, l.PartyID, station, p.ID, now); err != nil {
					return err
				}
			}
			if err := tx.Model(&s).Updates(map[string]any{"assignment_id": s.AssignmentID, "reserve": s.Reserve}).Error; err != nil {
				return err
			}
		}
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditSignedUp, ParticipantID: &p.ID,
			Detail: fmt.Sprintf("through sign-up link %d (party %d, election %d)", l.ID, l.PartyID, l.ElectionID)})
	})
	if errors.Is(err, errDuplicateSignup) {
		return out, nil
	}
	return out, err
}

var errDuplicateSignup = errors.New("signed up before")

// claimVacant nominates the person to the first vacant slot the link
// covers; nil when none is left.
func claimVacant(tx *gorm.DB, l models.SignupLink, participantID int64, now time.Time) (*models.Assignment, error) {
	q := tx.Where("election_id = ? AND party_id = ?", l.ElectionID, l.PartyID).
		Where("id NOT IN (?)", tx.Model(&models.Assignment{}).Select("slot_id").Where("state IN ?", holdingStates))
	if len(l.TaskTypeIDs) > 0 {
		q = q.Where("task_type_id IN ?", l.TaskTypeIDs)
	} else {
		q = q.Where("task_type_id NOT IN (?)", tx.Model(&models.TaskType{}).Select("id").Where("appointed_only = ?", true))
	}
	if len(l.StationIDs) > 0 {
		q = q.Where("station_id IN ?", l.StationIDs)
	}
	var slots []models.Slot
	if err := q.Order("day, station_id, task_type_id, id").Limit(200).Find(&slots).Error; err != nil {
		return nil, err
	}
	for _, slot := range slots {
		a, err := nominate(tx, models.User{}, slot, participantID, now)
		if errors.Is(err, ErrSlotTaken) || errors.Is(err, ErrWasOnSlot) || errors.Is(err, ErrBusyThatDay) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &a, nil
	}
	return nil, nil
}

// addReserveIn puts a person on a reserve list in tx; already on it is no
// error.
func addReserveIn(tx *gorm.DB, electionID, partyID int64, stationID *int64, participantID int64, now time.Time) error {
	r := models.Reserve{ElectionID: electionID, PartyID: partyID, StationID: stationID, ParticipantID: participantID, CreatedAt: now}
	err := tx.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, Action: AuditReserveAdded, ParticipantID: &participantID,
			Detail: fmt.Sprintf("reserve of party %d for election %d, by sign-up", partyID, electionID)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil
	}
	return err
}
