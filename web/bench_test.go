package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// BenchmarkHome renders the start page on the seeded demo municipality.
func BenchmarkHome(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *gorm.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			if _, err := store.SeedDemo(context.Background(), db, now); err != nil {
				b.Fatal(err)
			}
			app := newApp(b, db, nil, nil)
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
