package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// ReopenedSlots lists the newest reopened slots of an election, at most
// limit: all for staff, the own party's (and stations') for a party
// secretary.
func ReopenedSlots(ctx context.Context, db *gorm.DB, actor models.User, electionID int64, limit int) ([]models.NoticeView, error) {
	q := db.WithContext(ctx).Table("notices").
		Select(`notices.created_at AS at, polling_stations.name AS station, task_types.name AS task_type, a.day AS day,
			a.party_id AS party_id, a.state AS state, r.id IS NOT NULL AS refilled, COALESCE(r.state, '') AS slot_state`).
		Joins("JOIN assignments a ON a.id = notices.assignment_id").
		Joins("JOIN polling_stations ON polling_stations.id = a.station_id").
		Joins("JOIN task_types ON task_types.id = a.task_type_id").
		Joins("LEFT JOIN assignments r ON r.replaces_id = a.id").
		Where("notices.election_id = ? AND notices.kind = ?", electionID, NoticeSlotReopened)
	sc, err := scopeOf(ctx, db, actor)
	if err != nil {
		return nil, err
	}
	if sc.partyID != 0 {
		q = q.Where("a.party_id = ?", sc.partyID)
	}
	if sc.stations != nil {
		q = q.Where("a.station_id IN ?", sc.stations)
	}
	var out []models.NoticeView
	err = q.Order("notices.created_at DESC, notices.id DESC").Limit(limit).Scan(&out).Error
	return slices.Clip(out), err
}

// SecretariesOf returns the party secretaries who look after a slot of
// partyID at stationID: the party's secretaries without a station
// restriction, and those restricted to stations including this one.
func SecretariesOf(ctx context.Context, db *gorm.DB, partyID, stationID int64) ([]models.User, error) {
	var us []models.User
	err := db.WithContext(ctx).Where("role = ? AND party_id = ?", models.RolePartySecretary, partyID).
		Where("NOT users.station_limited OR EXISTS (SELECT 1 FROM user_stations s WHERE s.user_id = users.id AND s.station_id = ?)", stationID).
		Order("id").Find(&us).Error
	return us, err
}
