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
		count := func(actor models.User, f models.OverviewFilter) func() (int, error) {
			return func() (int, error) {
				o, err := store.Overview(ctx, db, actor, pe.election.ID, f)
				return o.Total.Slots, err
			}
		}
		for _, view := range []struct {
			name string
			run  func() (int, error)
		}{
			{"staff", count(pe.admin, models.OverviewFilter{})},
			{"staff-one-day", count(pe.admin, models.OverviewFilter{Day: pe.election.ElectionDay})},
			{"staff-one-party", count(pe.admin, models.OverviewFilter{PartyID: pe.parties[3].ID})},
			{"secretary", count(secretary, models.OverviewFilter{})},
			// The party secretary's list of their party's slots, each with
			// who holds it (the nomination page).
			{"secretary-list", func() (int, error) {
				cells, err := store.PartySlots(ctx, db, secretary, pe.election.ID, pe.parties[0].ID)
				return len(cells), err
			}},
		} {
			b.Run(dbName+"/"+view.name, func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					n, err := view.run()
					took = append(took, time.Since(start))
					if err != nil || n == 0 {
						b.Fatal(err, n)
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
