package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/valghalla/valghalla/metrics"
	"github.com/valghalla/valghalla/metrics/metricstest"
)

func serve(t *testing.T, m *metrics.Metrics) metricstest.Families {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	return metricstest.Scrape(t, srv.URL)
}

// The product's series count what they are told, with the labels given.
func TestProductSeries(t *testing.T) {
	m := metrics.New()
	m.HTTPRequest("/svar/:token", http.MethodGet, 200, 30*time.Millisecond)
	m.HTTPRequest("/svar/:token", http.MethodGet, 200, 10*time.Millisecond)
	m.HTTPRequest("", http.MethodGet, 404, time.Millisecond)
	m.Message("digitalpost", "invitation", metrics.Sent)
	m.Message("", "invitation", metrics.Undeliverable)
	m.Answer("link", "confirmed")
	m.CPRLookup("found")
	f := serve(t, m)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.HTTPRequests, map[string]string{"route": "/svar/:token", "method": "GET", "status": "200"}, 2},
		{metrics.HTTPRequests, map[string]string{"route": metrics.Unmatched, "status": "404"}, 1},
		{metrics.HTTPRequestDuration, map[string]string{"route": "/svar/:token"}, 2},
		{metrics.Messages, map[string]string{"channel": "digitalpost", "kind": "invitation", "outcome": "sent"}, 1},
		{metrics.Messages, map[string]string{"channel": metrics.NoChannel, "outcome": "undeliverable"}, 1},
		{metrics.Answers, map[string]string{"channel": "link", "answer": "confirmed"}, 1},
		{metrics.CPRLookups, map[string]string{"outcome": "found"}, 1},
	} {
		if got := f.Value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if f["go_goroutines"] == nil || f["process_cpu_seconds_total"] == nil {
		t.Error("the Go runtime's and the process's series are missing")
	}
}

// A nil *Metrics counts nothing and does not panic; its Temporal handler
// is the SDK's no-op.
func TestNilMetricsCountNothing(t *testing.T) {
	var m *metrics.Metrics
	m.HTTPRequest("/", "GET", 200, time.Second)
	m.Message("sms", "invitation", metrics.Sent)
	m.Answer("sms", "declined")
	m.CPRLookup("found")
	m.Temporal().WithTags(map[string]string{"a": "b"}).Counter("x").Inc(1)
}

// The SDK's handler: counters get _total, timers are histograms in seconds
// with _seconds, gauges keep their name; one name with different tag sets
// (which a Prometheus vector refuses) is served with the union of the tag
// names; tags set later override earlier ones; names are sanitised.
func TestTemporalHandler(t *testing.T) {
	m := metrics.New()
	h := m.Temporal().WithTags(map[string]string{"namespace": "default"})
	wf := h.WithTags(map[string]string{"workflow_type": "Round", "task_queue": "q"})
	wf.Counter("temporal_workflow_completed").Inc(1)
	wf.Counter("temporal_workflow_completed").Inc(2)
	h.WithTags(map[string]string{"poller_type": "activity_task"}).Counter("temporal_workflow_completed").Inc(5)
	wf.WithTags(map[string]string{"workflow_type": "Lifecycle"}).Counter("temporal_workflow_completed").Inc(7)
	h.Gauge("temporal_num_pollers").Update(4)
	h.Gauge("temporal_num_pollers").Update(3)
	timer := wf.Timer("temporal_workflow_endtoend_latency")
	timer.Record(20 * time.Millisecond)
	timer.Record(2 * time.Second)
	h.Counter("temporal.odd-name").Inc(1)
	f := serve(t, m)

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"temporal_workflow_completed_total", map[string]string{"workflow_type": "Round", "task_queue": "q", "namespace": "default"}, 3},
		{"temporal_workflow_completed_total", map[string]string{"workflow_type": "Lifecycle"}, 7},
		{"temporal_workflow_completed_total", map[string]string{"poller_type": "activity_task", "workflow_type": ""}, 5},
		{"temporal_workflow_completed_total", nil, 15},
		{"temporal_num_pollers", nil, 3},
		{"temporal_workflow_endtoend_latency_seconds", map[string]string{"workflow_type": "Round"}, 2},
		{"temporal_odd_name_total", nil, 1},
	} {
		if got := f.Value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := f.LabelValues("temporal_workflow_completed_total", "workflow_type"); !slices.Equal(got, []string{"", "Lifecycle", "Round"}) {
		t.Errorf("workflow_type values %q", got)
	}
	hist := f["temporal_workflow_endtoend_latency_seconds"].GetMetric()[0].GetHistogram()
	if hist.GetSampleSum() < 2.02 || hist.GetSampleSum() > 2.0201 {
		t.Errorf("sum %v, want 2.02", hist.GetSampleSum())
	}
	for _, b := range hist.GetBucket() {
		want := uint64(0)
		switch {
		case b.GetUpperBound() >= 2:
			want = 2
		case b.GetUpperBound() >= 0.02:
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}

// The guard the product's tests use finds what it must.
func TestLooksPersonal(t *testing.T) {
	for _, v := range []string{"0101901234", "010190-1234", "a@b.dk", "+4520001234", "20001234"} {
		if !metricstest.LooksPersonal(v) {
			t.Errorf("%q passed as not personal", v)
		}
	}
	for _, v := range []string{"/svar/:token", "digitalpost", "200", "unmatched", "lifecycle-test", "0.005"} {
		if metricstest.LooksPersonal(v) {
			t.Errorf("%q taken for personal data", v)
		}
	}
}
