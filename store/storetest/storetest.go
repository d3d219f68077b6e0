// Package storetest gives tests a migrated database of their own: a SQLite
// file in a temporary folder, or a freshly created PostgreSQL database that
// is dropped when the test ends, so packages can run tests in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
)

// DefaultPostgresURL is used when VALGHALLA_TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL is the server the tests create their databases on.
func PostgresURL() string {
	if u := os.Getenv("VALGHALLA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// Each runs fn once on SQLite and once on PostgreSQL, as subtests.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated SQLite database in t's temporary folder.
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	return openMigrated(t, SQLiteURL(t))
}

// SQLiteURL returns the URL of a new, empty SQLite file.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "valghalla.db")
}

// Postgres returns a migrated, newly created PostgreSQL database.
func Postgres(t testing.TB) *gorm.DB {
	t.Helper()
	return openMigrated(t, PostgresDatabaseURL(t))
}

// PostgresDatabaseURL creates an empty PostgreSQL database for t, drops it when
// t ends, and returns its URL.
func PostgresDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := store.Open(ctx, PostgresURL(), quietLogger())
	if err != nil {
		t.Fatalf("PostgreSQL for tests (set VALGHALLA_TEST_DATABASE_URL): %v", err)
	}
	name := "valghalla_test_" + randomHex(6)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		store.Close(admin)
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func openMigrated(t testing.TB, rawURL string) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, rawURL, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(db) })
	if err := store.Migrate(ctx, db, quietLogger()); err != nil {
		t.Fatal(err)
	}
	return db
}

// WithKeys gives db a fresh encryption keyring (vault.Plugin) and returns it.
func WithKeys(t testing.TB, db *gorm.DB) *vault.Keyring {
	t.Helper()
	// Once per database: a second call (a fixture that needs keys, then
	// its test) gets the same keyring.
	if k, ok := keyrings.Load(db.Config); ok {
		return k.(*vault.Keyring)
	}
	enc, blind, err := vault.GenerateConfig()
	if err != nil {
		t.Fatal(err)
	}
	k, err := vault.ParseKeyring(enc, blind)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Use(vault.Plugin(k)); err != nil {
		t.Fatal(err)
	}
	keyrings.Store(db.Config, k)
	return k
}

// keyrings is the keyring WithKeys gave each database (by its config).
var keyrings sync.Map

// Open opens rawURL without migrating, closing it when t ends.
func Open(t testing.TB, rawURL string) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), rawURL, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(db) })
	return db
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
