package store_test

import (
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// BenchmarkOverview counts a municipality-wide election: 60 stations × 6
// task types × 12 parties over 8 task days, about 52,000 slots and 48,000
// assignments of 6,000 people in every state. It reports the median and
// the 95th percentile of single requests besides the mean.
func BenchmarkOverview(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		open := map[string]func(testing.TB) *gorm.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres}[dbName]
		db := open(b)
		pe := planElection(b, db, planSpec{stations: 60, parties: 12, days: 8, maxSlotsPerCellAndDay: 3, people: 6000, seed: 23})
		if dbName == "postgres" {
			db.Exec("VACUUM ANALYZE") // as autovacuum would soon after the load
		}
		var slots, assignments int64
		db.Model(&models.Slot{}).Count(&slots)
		db.Model(&models.Assignment{}).Count(&assignments)
		b.Logf("%s: %d slots, %d assignments", dbName, slots, assignments)
		secretary := models.User{Email: "sek@x.example", Name: "Sekretær", Role: models.RolePartySecretary, PartyID: &pe.parties[0].ID,
			CreatedAt: overviewNow}
		if err := db.Create(&secretary).Error; err != nil {
			b.Fatal(err)
		}
		for _, view := range []struct {
			name  string
			actor models.User
			f     store.OverviewFilter
		}{
			{"staff", pe.admin, store.OverviewFilter{}},
			{"staff-one-day", pe.admin, store.OverviewFilter{Day: pe.election.ElectionDay}},
			{"staff-one-party", pe.admin, store.OverviewFilter{PartyID: pe.parties[3].ID}},
			{"secretary", secretary, store.OverviewFilter{}},
		} {
			b.Run(dbName+"/"+view.name, func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					o, err := store.Overview(ctx, db, view.actor, pe.election.ID, view.f)
					took = append(took, time.Since(start))
					if err != nil || o.Total.Slots == 0 {
						b.Fatal(err, o.Total)
					}
				}
				slices.Sort(took)
				pct := func(p float64) float64 {
					return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.95), "p95-ms")
			})
		}
	}
}
