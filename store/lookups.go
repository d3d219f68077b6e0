package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// The CPR register lookups each user made a day (cpr_lookup_counts): what a
// party secretary's daily limit is counted against. A row per user and day
// (Europe/Copenhagen); a user's rows of earlier days are deleted with each
// lookup counted (through the primary key: cheap).

// ReserveLookups counts n lookups on day against limit for the user, if
// they fit: ok is false, and nothing is counted, when the user's count of
// the day would pass limit. One statement decides (an upsert whose update
// holds only under the limit), so two requests at once can never both take
// the last lookup: PostgreSQL locks the row for the second until the first
// commits and then checks its WHERE against the new count.
func ReserveLookups(ctx context.Context, db *gorm.DB, userID int64, day models.Date, n, limit int) (bool, error) {
	if n < 1 {
		return true, nil
	}
	if n > limit {
		return false, nil
	}
	db = db.WithContext(ctx)
	res := db.Exec(`INSERT INTO cpr_lookup_counts (user_id, day, lookups) VALUES (?, ?, ?)
ON CONFLICT (user_id, day) DO UPDATE SET lookups = cpr_lookup_counts.lookups + excluded.lookups
WHERE cpr_lookup_counts.lookups + excluded.lookups <= ?`, userID, day.String(), n, limit)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	// The days before are no longer needed.
	if err := db.Exec("DELETE FROM cpr_lookup_counts WHERE user_id = ? AND day < ?", userID, day.String()).Error; err != nil {
		return true, err
	}
	return true, nil
}

// LookupsOn is how many lookups the user made on day.
func LookupsOn(ctx context.Context, db *gorm.DB, userID int64, day models.Date) (int, error) {
	var n []int
	err := db.WithContext(ctx).Raw("SELECT lookups FROM cpr_lookup_counts WHERE user_id = ? AND day = ?", userID, day.String()).
		Scan(&n).Error
	if err != nil || len(n) == 0 {
		return 0, err
	}
	return n[0], nil
}
