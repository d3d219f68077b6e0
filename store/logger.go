package store

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
)

// slowQuery is logged as a warning; it is a hint, not a limit.
const slowQuery = 500 * time.Millisecond

// gormLogger sends gorm's messages to slog. It logs SQL text only, never the
// bound values: those are names, CPR numbers and addresses.
type gormLogger struct{ log *slog.Logger }

func newGormLogger(log *slog.Logger) gormlogger.Interface {
	if log == nil {
		log = slog.Default()
	}
	return gormLogger{log.With("component", "db")}
}

func (l gormLogger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

// ParamsFilter drops the bound values, so the SQL handed to Trace keeps its
// placeholders instead of the values gorm would otherwise inline.
func (l gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// Info, Warn and Error carry gorm's own messages, which may quote values: only
// the format string is logged.
func (l gormLogger) Info(ctx context.Context, msg string, _ ...any) {
	l.log.DebugContext(ctx, msg)
}
func (l gormLogger) Warn(ctx context.Context, msg string, _ ...any) {
	l.log.WarnContext(ctx, msg)
}
func (l gormLogger) Error(ctx context.Context, msg string, _ ...any) {
	l.log.ErrorContext(ctx, msg)
}

func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled):
		sql, _ := explain(fc)
		// A constraint that refuses a write is how the store settles races
		// (two people for one slot): the caller turns it into an answer, so
		// it is information, not an error to page someone about.
		level := slog.LevelError
		if errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, gorm.ErrForeignKeyViolated) || errors.Is(err, gorm.ErrCheckConstraintViolated) {
			level = slog.LevelInfo
		}
		// The driver's error text may quote a value (a duplicate key, say):
		// log only its kind.
		l.log.Log(ctx, level, "query failed", "sql", sql, "error_kind", errorKind(err), "elapsed", elapsed)
	case elapsed > slowQuery:
		sql, rows := explain(fc)
		l.log.WarnContext(ctx, "slow query", "sql", sql, "rows", rows, "elapsed", elapsed)
	case l.log.Enabled(ctx, slog.LevelDebug-4):
		sql, rows := explain(fc)
		l.log.Log(ctx, slog.LevelDebug-4, "query", "sql", sql, "rows", rows, "elapsed", elapsed)
	}
}

// unexplained matches the $1$ gorm leaves of a PostgreSQL placeholder whose
// value ParamsFilter withheld.
var unexplained = regexp.MustCompile(`\$(\d+)\$`)

func explain(fc func() (string, int64)) (string, int64) {
	sql, rows := fc()
	return unexplained.ReplaceAllString(sql, "$$$1"), rows
}

func errorKind(err error) string {
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return "duplicate key"
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return "foreign key violated"
	case errors.Is(err, gorm.ErrCheckConstraintViolated):
		return "check constraint violated"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "database error"
}
