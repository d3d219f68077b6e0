package store

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/valghalla/valghalla/models"
)

// activeUser reads the user of id into u; a user who is not there or is
// deactivated is gone (the caller's "no such session/token/link").
func activeUser(db *gorm.DB, id int64, u *models.User, gone error) error {
	res := db.Where("id = ? AND deactivated_at IS NULL", id).Limit(1).Find(u)
	switch {
	case res.Error != nil:
		return res.Error
	case res.RowsAffected == 0:
		return gone
	}
	return nil
}

// checkUser normalizes and checks what an administrator entered for a
// login; a role without a party drops the party and the station limit.
func checkUser(in *models.NewUser) error {
	in.Email, in.Name = NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return models.RefuseField("email", "error.user.email")
	}
	if in.Name == "" || len(in.Name) > 200 {
		return models.RefuseField("name", "error.user.name")
	}
	switch in.Role {
	case models.RoleAdmin, models.RoleStaff, models.RoleReadOnly:
		in.PartyID = nil
		in.StationLimited, in.StationIDs = false, nil
	case models.RolePartySecretary:
		if in.PartyID == nil {
			return models.RefuseField("party_id", "error.user.noparty")
		}
	default:
		return models.RefuseField("role", "error.user.role")
	}
	if !in.StationLimited {
		in.StationIDs = nil
	}
	in.StationIDs = slices.Compact(slices.Sorted(slices.Values(in.StationIDs)))
	if in.StationLimited && len(in.StationIDs) == 0 {
		return models.RefuseField("stations", "error.user.nostation")
	}
	return nil
}

// setStationLimit replaces u's station limit with in's, in tx.
func setStationLimit(tx *gorm.DB, u *models.User, in models.NewUser) error {
	if len(in.StationIDs) > 0 {
		var known int64
		if err := tx.Model(&models.PollingStation{}).Where("id IN ?", in.StationIDs).Count(&known).Error; err != nil {
			return err
		}
		if int(known) != len(in.StationIDs) {
			return models.RefuseField("stations", "error.station.oneunknown")
		}
	}
	if err := tx.Where("user_id = ?", u.ID).Delete(&models.UserStation{}).Error; err != nil {
		return err
	}
	if in.StationLimited {
		return LimitToStations(tx, u, in.StationIDs)
	}
	u.StationLimited = false
	return tx.Model(&models.User{}).Where("id = ?", u.ID).Update("station_limited", false).Error
}

// userWriteError is the refusal of a write to users that a constraint
// stopped.
func userWriteError(err error) error {
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return models.RefuseField("email", "error.user.emailtaken")
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return models.RefuseField("party_id", "error.party.unknown")
	}
	return err
}

// SearchUsers lists the logins whose name or e-mail contains q, ignoring
// case (all of them for an empty q), in Danish order by name. The few
// hundred logins of a municipality are matched here rather than in SQL:
// SQLite's lower() folds ASCII only, and "Ø" must find "ø".
func SearchUsers(ctx context.Context, db *gorm.DB, q string) ([]models.User, error) {
	var all []models.User
	if err := db.WithContext(ctx).Find(&all).Error; err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	users := all[:0]
	for _, u := range all {
		if strings.Contains(strings.ToLower(u.Name), q) || strings.Contains(strings.ToLower(u.Email), q) {
			users = append(users, u)
		}
	}
	models.SortDanish(users, func(u models.User) string { return u.Name })
	return users, nil
}

// StationLimits returns the stations of every station-limited user, by
// user id.
func StationLimits(ctx context.Context, db *gorm.DB) (map[int64][]int64, error) {
	var rows []models.UserStation
	err := db.WithContext(ctx).Order("user_id, station_id").Find(&rows).Error
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.StationID)
	}
	return out, err
}

// lockedUser reads user id in tx for a change by an administrator, having
// locked the active administrators first (on PostgreSQL; SQLite writes one
// transaction at a time): two administrators demoting each other at once
// cannot leave none. It also tells how many active administrators other
// than id there are.
func lockedUser(tx *gorm.DB, id int64) (u models.User, otherAdmins int, err error) {
	q := tx.Model(&models.User{}).Where("role = ? AND deactivated_at IS NULL", models.RoleAdmin)
	if DialectOf(tx) == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var admins []int64
	if err := q.Pluck("id", &admins).Error; err != nil {
		return u, 0, err
	}
	res := tx.Where("id = ?", id).Limit(1).Find(&u)
	if res.Error != nil {
		return u, 0, res.Error
	}
	if res.RowsAffected == 0 {
		return u, 0, models.ErrNotFound
	}
	return u, len(slices.DeleteFunc(admins, func(a int64) bool { return a == id })), nil
}

// UpdateUser changes a login's name, e-mail, role, party and station
// limit. An administrator cannot demote themselves, and the last active
// administrator stays one. A new role or party ends the user's sessions,
// so no page keeps what they may no longer see. Administrators only.
func UpdateUser(ctx context.Context, db *gorm.DB, actor models.User, id int64, in models.NewUser, now time.Time) (models.User, error) {
	var u models.User
	if actor.Role != models.RoleAdmin {
		return u, models.ErrForbidden
	}
	if err := checkUser(&in); err != nil {
		return u, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, others, err := lockedUser(tx, id)
		if err != nil {
			return err
		}
		if before.Role == models.RoleAdmin && in.Role != models.RoleAdmin {
			switch {
			case before.ID == actor.ID:
				return models.RefuseField("role", "error.user.selfdemote")
			case before.DeactivatedAt == nil && others == 0:
				return models.RefuseField("role", "error.user.lastadmin")
			}
		}
		u = before
		u.Email, u.Name, u.Role, u.PartyID = in.Email, in.Name, in.Role, in.PartyID
		if err := tx.Model(&models.User{}).Where("id = ?", id).Updates(map[string]any{
			"email": u.Email, "name": u.Name, "role": u.Role, "party_id": u.PartyID,
		}).Error; err != nil {
			return userWriteError(err)
		}
		if err := setStationLimit(tx, &u, in); err != nil {
			return err
		}
		detail := fmt.Sprintf("user %d, role %s → %s, party %s → %s, stations %s → %s", id,
			before.Role, u.Role, partyOf(before.PartyID), partyOf(u.PartyID),
			limitOf(before.StationLimited), limitOf(u.StationLimited))
		if before.Role != u.Role || partyOf(before.PartyID) != partyOf(u.PartyID) {
			if err := tx.Where("user_id = ?", id).Delete(&models.Session{}).Error; err != nil {
				return err
			}
			detail += ", sessions ended"
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditUserChanged, Detail: detail})
	})
	return u, err
}

func partyOf(id *int64) string {
	if id == nil {
		return "none"
	}
	return fmt.Sprint(*id)
}

func limitOf(limited bool) string {
	if limited {
		return "limited"
	}
	return "all"
}

// DeactivateUser stops a login at once, in one transaction: their
// sessions (pending logins too) and unused one-time links end, and their
// API tokens, sessions and password are refused from now on (see
// activeUser). An administrator cannot deactivate themselves, nor the last
// active administrator. Administrators only.
func DeactivateUser(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	if id == actor.ID {
		return models.Refuse("error.user.selfdeactivate")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, others, err := lockedUser(tx, id)
		switch {
		case err != nil:
			return err
		case u.DeactivatedAt != nil:
			return nil // deactivated already
		case u.Role == models.RoleAdmin && others == 0:
			return models.Refuse("error.user.lastadmin")
		}
		if err := tx.Model(&models.User{}).Where("id = ?", id).Update("deactivated_at", now).Error; err != nil {
			return err
		}
		sessions := tx.Where("user_id = ?", id).Delete(&models.Session{})
		if sessions.Error != nil {
			return sessions.Error
		}
		if err := tx.Where("user_id = ? AND used_at IS NULL", id).Delete(&models.AccountToken{}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditUserDeactivated,
			Detail: fmt.Sprintf("user %d, %d sessions ended", id, sessions.RowsAffected)})
	})
}

// ReactivateUser lets a deactivated login in again with their password.
// Administrators only.
func ReactivateUser(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if res := tx.Where("id = ?", id).Limit(1).Find(&u); res.Error != nil || res.RowsAffected == 0 {
			return cmpErr(res.Error, models.ErrNotFound)
		}
		if u.DeactivatedAt == nil {
			return nil // active already
		}
		if err := tx.Model(&models.User{}).Where("id = ?", id).Update("deactivated_at", nil).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditUserReactivated,
			Detail: fmt.Sprintf("user %d", id)})
	})
}

// cmpErr is err, or otherwise when err is nil.
func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// EndAccountLinks ends the unused one-time links of a login before a new
// one is sent: the old link dies at once, even before the new e-mail goes.
// A deactivated login gets no link. Administrators only.
func EndAccountLinks(ctx context.Context, db *gorm.DB, actor models.User, id int64, now time.Time) error {
	if actor.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if res := tx.Where("id = ?", id).Limit(1).Find(&u); res.Error != nil || res.RowsAffected == 0 {
			return cmpErr(res.Error, models.ErrNotFound)
		}
		if u.DeactivatedAt != nil {
			return models.Refuse("error.user.deactivated")
		}
		if err := tx.Where("user_id = ? AND used_at IS NULL", id).Delete(&models.AccountToken{}).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditAccountLinkSent,
			Detail: fmt.Sprintf("user %d", id)})
	})
}

// NoteLogin records that userID's login completed now.
func NoteLogin(ctx context.Context, db *gorm.DB, userID int64, now time.Time) error {
	return db.WithContext(ctx).Model(&models.User{}).Where("id = ?", userID).Update("last_login_at", now.UTC()).Error
}

// OperatorAccountLink makes a new one-time link for the active login of
// email — the old links die — on an operator's command (`valghalla
// account-link`), audited without an actor: the way back in for the first
// administrator whose link expired unused, or the last one locked out.
// An unknown or deactivated address is models.ErrNotFound.
func OperatorAccountLink(ctx context.Context, db *gorm.DB, email string, now time.Time) (models.User, string, error) {
	var u models.User
	res := db.WithContext(ctx).Where("email = ? AND deactivated_at IS NULL", NormalizeEmail(email)).Limit(1).Find(&u)
	if res.Error != nil || res.RowsAffected == 0 {
		return u, "", cmpErr(res.Error, models.ErrNotFound)
	}
	token, err := CreateAccountLink(ctx, db, u.ID, now)
	if err != nil {
		return u, "", err
	}
	return u, token, Audit(db.WithContext(ctx), models.AuditEntry{At: now, Action: models.AuditAccountLinkSent,
		Detail: fmt.Sprintf("user %d, by an operator's command", u.ID)})
}
