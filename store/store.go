// Package store opens the app database — PostgreSQL in production, SQLite in
// dev — and keeps its schema up to date with versioned migrations. One code
// base serves both: the SQL differs only where the dialects do.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	_ "modernc.org/sqlite" // pure-Go SQLite, registered as "sqlite" (the Temporal dev server uses it too)
)

// Dialect names the SQL flavour of an open database.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// ParseURL tells the dialect of a database URL and returns the DSN its driver
// takes. postgres:// and postgresql:// are PostgreSQL; sqlite:PATH is a SQLite
// file, opened with WAL and a busy timeout so the web app and the worker can
// share it in one process.
func ParseURL(raw string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return "", "", errors.New("DATABASE_URL is not a valid URL")
		}
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return "", "", errors.New("sqlite: URL names no file")
		}
		pragmas := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)"} {
			pragmas.Add("_pragma", p)
		}
		// An immediate transaction takes the write lock up front, so two
		// writers wait for each other instead of failing with SQLITE_BUSY.
		pragmas.Set("_txlock", "immediate")
		return SQLite, "file:" + path + "?" + pragmas.Encode(), nil
	case raw == "":
		return "", "", errors.New("no database URL given (DATABASE_URL)")
	}
	return "", "", errors.New("database URL must start with postgres://, postgresql:// or sqlite:")
}

// Open connects to the database at rawURL and checks that it answers. It does
// not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*gorm.DB, error) {
	dialect, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:  newGormLogger(log),
		NowFunc: func() time.Time { return time.Now().UTC() },
		// gorm's default wraps every single write in a transaction of its own.
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var dialector gorm.Dialector
	switch dialect {
	case Postgres:
		dialector = postgres.Open(dsn)
	case SQLite:
		dialector = newSQLiteDialector(dsn)
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One connection: SQLite writes one transaction at a time, and a
		// writer that finds the lock taken sleeps in SQLite's busy handler
		// (1, 2, 5, … 100 ms) where the pool's queue wakes the next at once.
		// With four, a round invited 77 people a second; with one, 95
		// (bench/README.md).
		sqlDB.SetMaxOpenConns(1)
	} else {
		// As many kept idle as may be open: database/sql keeps two by
		// default, and every connection beyond them that a burst of local
		// activities opened was closed on its return, so the next burst
		// paid a new PostgreSQL backend each (bench/README.md, issue 22).
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return db, nil
}

// DialectOf returns the dialect of an open database.
func DialectOf(db *gorm.DB) Dialect {
	if db.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Close closes the connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping tells whether the database answers; /readyz uses it.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
