package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// BenchmarkParticipantSearch measures the participants list at 50,000
// people on the demo municipality's 8 lists (council groups and pools):
// the first page, a party secretary's first page, a page deep in the list,
// a rare and a common name, a full CPR number (audited) and a phone
// number. Each request is timed; p50 and p95 over the b.N requests are
// reported in milliseconds (bench/README.md, "participants search"):
//
//	CGO_ENABLED=0 go test ./store -run '^$' -bench BenchmarkParticipantSearch -benchtime 100x
func BenchmarkParticipantSearch(b *testing.B) {
	const people = 50000
	for _, d := range []struct {
		name string
		open func(testing.TB) *gorm.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			db := d.open(b)
			keys := storetest.WithKeys(b, db)
			now := time.Now().UTC()
			if _, err := store.SeedDemo(ctx, db, now); err != nil {
				b.Fatal(err)
			}
			var lists []models.Party
			db.Order("id").Find(&lists)
			var admin models.User
			db.Where("role = ?", models.RoleAdmin).First(&admin)
			sec := models.User{Email: "sek@bench.example", Name: "Sekretær", Role: models.RolePartySecretary, PartyID: &lists[0].ID, CreatedAt: now}
			if err := db.Create(&sec).Error; err != nil {
				b.Fatal(err)
			}
			ids := make([]int64, len(lists))
			for i, l := range lists {
				ids[i] = l.ID
			}
			start := time.Now()
			crowd := storetest.SeedCrowd(b, db, keys, people, ids)
			b.Logf("%s: seeded %d people on %d lists in %v", d.name, people, len(lists), time.Since(start).Round(time.Second))
			for _, c := range []struct {
				name  string
				actor models.User
				q     models.ParticipantQuery
			}{
				{"first-page", admin, models.ParticipantQuery{}},
				{"first-page-party-secretary", sec, models.ParticipantQuery{}},
				{"page-500", admin, models.ParticipantQuery{Page: 500}},
				{"name-rare", admin, models.ParticipantQuery{Q: "ørskov"}},
				{"name-common", admin, models.ParticipantQuery{Q: "søren"}},
				{"cpr", admin, models.ParticipantQuery{Q: storetest.CrowdCPR(crowd.Needle)}},
				{"phone", admin, models.ParticipantQuery{Q: storetest.CrowdMobile(crowd.Needle)}},
				// The needle is on the secretary's list (Needle % lists = 0):
				// found through what that party typed on its membership.
				{"phone-party-secretary", sec, models.ParticipantQuery{Q: storetest.CrowdMobile(crowd.Needle)}},
				{"email", admin, models.ParticipantQuery{Q: fmt.Sprintf("person%d@example.dk", crowd.Needle)}},
			} {
				b.Run(c.name, func(b *testing.B) {
					durations := make([]time.Duration, 0, b.N)
					for range b.N {
						t0 := time.Now()
						page, err := store.SearchParticipants(ctx, db, keys, c.actor, c.q, now)
						durations = append(durations, time.Since(t0))
						if err != nil || len(page.Rows) == 0 {
							b.Fatalf("%+v: %d rows, %v", c.q, len(page.Rows), err)
						}
					}
					slices.Sort(durations)
					ms := func(q float64) float64 {
						return float64(durations[min(len(durations)-1, int(q*float64(len(durations))))]) / float64(time.Millisecond)
					}
					b.ReportMetric(ms(0.50), "p50-ms")
					b.ReportMetric(ms(0.95), "p95-ms")
				})
			}
		})
	}
}
