package devserver

import (
	"context"
	"log/slog"
	"slices"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// minLevelHandler drops records below min before they reach the wrapped handler.
// The Temporal server is very chatty at Info, so its logs are kept at Warn and
// above; while it stops, at Error (services stopping one by one warn about
// connections refused by the ones already gone).
type minLevelHandler struct {
	min slog.Leveler
	h   slog.Handler
}

func (m minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min.Level() && m.h.Enabled(ctx, l)
}

func (m minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return m.h.Handle(ctx, r)
}

func (m minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{min: m.min, h: m.h.WithAttrs(attrs)}
}

func (m minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{min: m.min, h: m.h.WithGroup(name)}
}

// temporalLogger adapts an slog.Logger to Temporal's tag-based log.Logger.
type temporalLogger struct {
	l *slog.Logger
	// with are the tags of With, converted only when a record is logged:
	// the server calls With on hot paths and logs almost nothing (Warn and
	// above), so converting them eagerly cost a round benchmark measurable CPU.
	with []tag.Tag
}

var (
	_ log.Logger      = temporalLogger{}
	_ log.WithLogger  = temporalLogger{}
	_ log.SLogWrapper = temporalLogger{}
)

func newTemporalLogger(l *slog.Logger) temporalLogger {
	return temporalLogger{l: l}
}

func (t temporalLogger) Debug(msg string, tags ...tag.Tag) { t.log(slog.LevelDebug, msg, tags) }
func (t temporalLogger) Info(msg string, tags ...tag.Tag)  { t.log(slog.LevelInfo, msg, tags) }
func (t temporalLogger) Warn(msg string, tags ...tag.Tag)  { t.log(slog.LevelWarn, msg, tags) }
func (t temporalLogger) Error(msg string, tags ...tag.Tag) { t.log(slog.LevelError, msg, tags) }

// DPanic panics only in development builds of zap; here it is an error.
func (t temporalLogger) DPanic(msg string, tags ...tag.Tag) { t.log(slog.LevelError, msg, tags) }

// Panic and Fatal are relied upon by the server not to return (a failed listener
// is followed by a nil dereference otherwise). Panicking keeps that promise
// without calling os.Exit inside a library, and gives a stack trace.
func (t temporalLogger) Panic(msg string, tags ...tag.Tag) {
	t.log(slog.LevelError, msg, tags)
	panic("temporal: " + msg)
}

func (t temporalLogger) Fatal(msg string, tags ...tag.Tag) {
	t.log(slog.LevelError, msg, tags)
	panic("temporal fatal: " + msg)
}

// With implements log.WithLogger; the tags are kept until a record is
// logged.
func (t temporalLogger) With(tags ...tag.Tag) log.Logger {
	if len(tags) == 0 {
		return t
	}
	return temporalLogger{l: t.l, with: append(slices.Clip(t.with), tags...)}
}

// SLog lets the server (and its internal SDK worker) log straight to slog.
func (t temporalLogger) SLog() *slog.Logger {
	if len(t.with) == 0 {
		return t.l
	}
	return t.l.With(attrsToArgs(tagsToAttrs(t.with))...)
}

func (t temporalLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !t.l.Enabled(ctx, level) {
		return
	}
	if len(t.with) > 0 {
		tags = append(slices.Clip(t.with), tags...)
	}
	t.l.LogAttrs(ctx, level, msg, tagsToAttrs(tags)...)
}

func attrsToArgs(attrs []slog.Attr) []any {
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return args
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, tg := range tags {
		if tg == nil {
			continue
		}
		attrs = append(attrs, slog.Any(tg.Key(), tg.Value()))
	}
	return attrs
}
