package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/providers/cpr"
)

// startMetrics serves the process's Prometheus /metrics on METRICS_ADDR, a
// listener of its own (never the public web port), until ctx ends. Without
// METRICS_ADDR it returns nil: a nil *metrics.Metrics counts nothing.
func startMetrics(ctx context.Context, cfg config, log *slog.Logger) (*metrics.Metrics, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := listen("metrics", cfg.MetricsAddr)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	go func() {
		if err := serveHTTP(ctx, ln, mux, log); err != nil && err != http.ErrServerClosed {
			log.Error("metrics listener stopped", "error", err)
		}
	}()
	return m, nil
}

// metered counts the CPR register's lookups in m, when m counts.
func metered(m *metrics.Metrics, register cpr.Register) cpr.Register {
	if m == nil {
		return register
	}
	return cpr.Counted(register, m.CPRLookup)
}
