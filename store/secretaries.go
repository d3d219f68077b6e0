package store

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// ErrDecided: the request has been approved or rejected already.
var ErrDecided = errors.New("the request has been decided already")

// StationLimitOf returns the polling stations u works for. A limited user
// whose stations were all deleted works for none: the limit fails closed.
func StationLimitOf(ctx context.Context, db *gorm.DB, u models.User) (models.StationLimit, error) {
	if !u.StationLimited {
		return models.StationLimit{}, nil
	}
	ids := []int64{}
	err := db.WithContext(ctx).Model(&models.UserStation{}).Where("user_id = ?", u.ID).Order("station_id").Pluck("station_id", &ids).Error
	if ids == nil {
		ids = []int64{}
	}
	return models.StationLimit{Limited: true, IDs: ids}, err
}

// LimitToStations limits u (a party secretary) to stationIDs, in tx: the
// rows and the flag that keeps the limit when the stations go (u's is set
// too).
func LimitToStations(tx *gorm.DB, u *models.User, stationIDs []int64) error {
	for _, s := range stationIDs {
		if err := tx.Create(&models.UserStation{UserID: u.ID, StationID: s}).Error; err != nil {
			return err
		}
	}
	u.StationLimited = true
	return tx.Model(&models.User{}).Where("id = ?", u.ID).Update("station_limited", true).Error
}

// RequestSecretary records a party secretary's request for an extra
// secretary for some of the party's polling stations. A secretary limited
// to some stations can only pass on (some of) those.
func RequestSecretary(ctx context.Context, db *gorm.DB, actor models.User, name, email string, stationIDs []int64, now time.Time) (models.SecretaryRequest, error) {
	var r models.SecretaryRequest
	if actor.Role != models.RolePartySecretary || actor.PartyID == nil {
		return r, models.ErrForbidden
	}
	name, email = strings.TrimSpace(name), NormalizeEmail(email)
	if name == "" || len(name) > 200 {
		return r, models.RefuseField("name", "error.user.name")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return r, models.RefuseField("email", "error.user.email")
	}
	if len(stationIDs) == 0 {
		return r, models.RefuseField("stations", "error.secretary.nostation")
	}
	own, err := StationLimitOf(ctx, db, actor)
	if err != nil {
		return r, err
	}
	for _, id := range stationIDs {
		if !own.Allows(id) {
			return r, models.ErrForbidden
		}
	}
	var known int64
	if err := db.WithContext(ctx).Model(&models.PollingStation{}).Where("id IN ?", stationIDs).Count(&known).Error; err != nil {
		return r, err
	}
	if int(known) != len(slices.Compact(slices.Sorted(slices.Values(stationIDs)))) {
		return r, models.Refuse("error.station.oneunknown")
	}
	r = models.SecretaryRequest{RequestedBy: actor.ID, PartyID: *actor.PartyID, Name: name, Email: email, State: "pending", CreatedAt: now}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(stationIDs))) {
			if err := tx.Create(&models.SecretaryRequestStation{RequestID: r.ID, StationID: id}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}

// PendingSecretaryRequests lists the requests awaiting a decision, oldest
// first. Administrators only.
func PendingSecretaryRequests(ctx context.Context, db *gorm.DB, actor models.User) ([]models.SecretaryRequestView, error) {
	if actor.Role != models.RoleAdmin {
		return nil, models.ErrForbidden
	}
	db = db.WithContext(ctx)
	var rs []models.SecretaryRequest
	if err := db.Where("state = ?", "pending").Order("created_at, id").Find(&rs).Error; err != nil {
		return nil, err
	}
	out := make([]models.SecretaryRequestView, len(rs))
	for i, r := range rs {
		v := models.SecretaryRequestView{SecretaryRequest: r}
		var party models.Party
		var requester models.User
		db.First(&party, r.PartyID)
		db.First(&requester, r.RequestedBy)
		v.PartyName, v.RequesterName = party.Name, requester.Name
		var stations []models.PollingStation
		db.Where("id IN (?)", db.Model(&models.SecretaryRequestStation{}).Select("station_id").Where("request_id = ?", r.ID)).
			Order(stationOrder).Find(&stations)
		for _, s := range stations {
			v.Stations = append(v.Stations, s.Label())
		}
		out[i] = v
	}
	return out, nil
}

// DecideSecretaryRequest approves (creating the login, limited to the
// requested stations) or rejects a pending request. Administrators only;
// of two decisions at once, one wins and the other gets ErrDecided.
func DecideSecretaryRequest(ctx context.Context, db *gorm.DB, actor models.User, id int64, approve bool, now time.Time) (*models.User, error) {
	if actor.Role != models.RoleAdmin {
		return nil, models.ErrForbidden
	}
	var created *models.User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r models.SecretaryRequest
		if err := tx.First(&r, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		} else if err != nil {
			return err
		}
		state := "rejected"
		if approve {
			state = "approved"
		}
		res := tx.Model(&models.SecretaryRequest{}).Where("id = ? AND state = ?", id, "pending").
			Updates(map[string]any{"state": state, "decided_by": actor.ID, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrDecided
		}
		if !approve {
			return nil
		}
		u, err := CreateUser(ctx, tx, actor, models.NewUser{Email: r.Email, Name: r.Name, Role: models.RolePartySecretary, PartyID: &r.PartyID}, now)
		if err != nil {
			return err
		}
		var stations []int64
		if err := tx.Model(&models.SecretaryRequestStation{}).Where("request_id = ?", id).Pluck("station_id", &stations).Error; err != nil {
			return err
		}
		if len(stations) > 0 {
			if err := LimitToStations(tx, &u, stations); err != nil {
				return err
			}
		}
		created = &u
		return tx.Model(&models.SecretaryRequest{}).Where("id = ?", id).Update("created_user_id", u.ID).Error
	})
	return created, err
}
