package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/metrics/metricstest"
)

// METRICS_ADDR opens a listener of its own serving /metrics, with the
// product's series and the SDK's through the handler it gives the Temporal
// client; a taken port is one clear error; without it nothing listens and
// nothing counts.
func TestMetricsListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	m, err := startMetrics(ctx, config{MetricsAddr: "127.0.0.1:0"}, log)
	if err != nil || m == nil {
		t.Fatalf("startMetrics: %v, %v", m, err)
	}
	var line struct{ Addr string }
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line.Addr == "" {
		t.Fatalf("no address logged: %q", logs.String())
	}
	m.CPRLookup("found")
	m.Temporal().WithTags(map[string]string{"namespace": "valghalla"}).Counter("temporal_request").Inc(1)
	f := metricstest.Scrape(t, "http://"+line.Addr+"/metrics")
	if f.Value(metrics.CPRLookups, map[string]string{"outcome": "found"}) != 1 || f.Value("temporal_request_total", nil) != 1 {
		t.Errorf("series missing from /metrics: %v", f)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if _, err := startMetrics(ctx, config{MetricsAddr: taken.Addr().String()}, log); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("a taken port: %v", err)
	}
	if m, err := startMetrics(ctx, config{}, log); m != nil || err != nil {
		t.Errorf("without METRICS_ADDR: %v, %v", m, err)
	}
}
