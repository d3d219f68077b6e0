package worker_test

import (
	"context"
	"testing"

	"go.temporal.io/server/temporaltest"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/activities"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
)

// BenchmarkSelfCheck measures complete workflow round trips — start, workflow
// task, activity writing the app database, completion, result — with server,
// worker and client in one process: the floor every lifecycle stands on.
func BenchmarkSelfCheck(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *gorm.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			ts := temporaltest.NewServer()
			defer ts.Stop()
			c := ts.GetDefaultClient()
			w := worker.New(c, "bench", &activities.Activities{DB: open(b)})
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
			defer w.Stop()
			ctx := context.Background()
			// Many lifecycles wait at once in production; 32 concurrent
			// starters measure throughput rather than one round trip's latency.
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := workflows.RunSelfCheck(ctx, c, "bench"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "workflows/s")
		})
	}
}
