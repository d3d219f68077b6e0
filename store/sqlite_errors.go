package store

import (
	"errors"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	modernc "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDialector is gorm's SQLite dialect on the pure-Go modernc driver.
// gorm's own error translation knows only the cgo driver's errors; this one
// turns modernc's constraint errors into gorm's, as on PostgreSQL, so callers
// can test for gorm.ErrDuplicatedKey whatever the database.
type sqliteDialector struct{ sqlite.Dialector }

func newSQLiteDialector(dsn string) gorm.Dialector {
	return sqliteDialector{sqlite.Dialector{DriverName: "sqlite", DSN: dsn}}
}

func (sqliteDialector) Translate(err error) error {
	var e *modernc.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return gorm.ErrDuplicatedKey
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return gorm.ErrForeignKeyViolated
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return gorm.ErrCheckConstraintViolated
	}
	return err
}
