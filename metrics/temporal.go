package metrics

import (
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// The Temporal SDK's metrics reach the registry through Temporal(), a
// client.MetricsHandler: give it to client.Options.MetricsHandler and the
// client, its workers and workflow.GetMetricsHandler report here. Names
// follow Prometheus' conventions as the SDK's tally adapter does with its
// Prometheus naming scope: a counter gets _total, a timer is a histogram in
// seconds with _seconds, a gauge keeps its name; characters Prometheus does
// not take in a name or a label name become '_'.
//
// The SDK gives one name different tag sets (a metric of a workflow task
// and of a poller differ by a tag or two), which a Prometheus vector,
// fixed to its label names on creation, refuses. The series are therefore
// kept here, one per name and set of tags, and collected unchecked: at each
// scrape a name's series share the union of their tag names, a tag a
// series lacks being empty — which is how Prometheus reads a label that is
// not there.

// Temporal returns the handler that records the SDK's metrics in m. A nil
// m gives the SDK's no-op handler.
func (m *Metrics) Temporal() client.MetricsHandler {
	if m == nil {
		return client.MetricsNopHandler
	}
	return &sdkHandler{series: m.sdk}
}

type sdkKind int

const (
	sdkCounter sdkKind = iota
	sdkGauge
	sdkTimer
)

// timerBuckets are the SDK timers' histogram buckets in seconds: from a
// poll answered at once to a long poll or a slow activity.
var timerBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// sdkSeries holds the SDK's series and collects them.
type sdkSeries struct {
	mu     sync.RWMutex
	series map[string]*sdkOne // by name and tags
}

type sdkOne struct {
	kind sdkKind
	name string
	tags map[string]string

	count atomic.Int64  // counter; timer observations
	gauge atomic.Uint64 // float64 bits

	mu      sync.Mutex // timer
	sum     float64
	buckets []uint64 // per bucket, not cumulative
}

func newSDKSeries() *sdkSeries { return &sdkSeries{series: map[string]*sdkOne{}} }

// get finds or makes the series of a name and tags.
func (s *sdkSeries) get(kind sdkKind, name string, tags map[string]string, tagKey string) *sdkOne {
	key := name + "\xff" + tagKey
	s.mu.RLock()
	one := s.series[key]
	s.mu.RUnlock()
	if one != nil {
		return one
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if one = s.series[key]; one == nil {
		one = &sdkOne{kind: kind, name: name, tags: tags}
		if kind == sdkTimer {
			one.buckets = make([]uint64, len(timerBuckets))
		}
		s.series[key] = one
	}
	return one
}

// Describe sends nothing: the collector is unchecked, its names and labels
// are known only once the SDK has used them.
func (s *sdkSeries) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series, a name's series with the union of their tags.
func (s *sdkSeries) Collect(ch chan<- prometheus.Metric) {
	s.mu.RLock()
	all := slices.Collect(maps.Values(s.series))
	s.mu.RUnlock()
	type family struct {
		kind sdkKind
		keys map[string]bool
		of   []*sdkOne
	}
	families := map[string]*family{}
	for _, one := range all {
		f := families[one.name]
		if f == nil {
			f = &family{kind: one.kind, keys: map[string]bool{}}
			families[one.name] = f
		}
		if one.kind != f.kind {
			continue // a name used as two kinds: the first seen wins
		}
		for k := range one.tags {
			f.keys[k] = true
		}
		f.of = append(f.of, one)
	}
	for name, f := range families {
		keys := slices.Sorted(maps.Keys(f.keys))
		desc := prometheus.NewDesc(name, "Temporal SDK metric "+name+".", keys, nil)
		for _, one := range f.of {
			values := make([]string, len(keys))
			for i, k := range keys {
				values[i] = one.tags[k]
			}
			switch one.kind {
			case sdkCounter:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(one.count.Load()), values...)
			case sdkGauge:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, math.Float64frombits(one.gauge.Load()), values...)
			case sdkTimer:
				one.mu.Lock()
				cumulative, n := map[float64]uint64{}, uint64(0)
				for i, b := range timerBuckets {
					n += one.buckets[i]
					cumulative[b] = n
				}
				sum := one.sum
				one.mu.Unlock()
				ch <- prometheus.MustNewConstHistogram(desc, uint64(one.count.Load()), sum, cumulative, values...)
			}
		}
	}
}

// sdkHandler is the client.MetricsHandler: a set of tags on the series.
type sdkHandler struct {
	series *sdkSeries
	tags   map[string]string
	tagKey string // the tags sorted, the series' key
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range tags {
		merged[sanitize(k)] = v
	}
	var key strings.Builder
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		key.WriteString(k + "=" + merged[k] + "\xfe")
	}
	return &sdkHandler{series: h.series, tags: merged, tagKey: key.String()}
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	return h.series.get(sdkCounter, withSuffix(sanitize(name), "_total"), h.tags, h.tagKey)
}

func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	return h.series.get(sdkGauge, sanitize(name), h.tags, h.tagKey)
}

func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	return h.series.get(sdkTimer, withSuffix(sanitize(name), "_seconds"), h.tags, h.tagKey)
}

// Inc adds to a counter; the SDK never subtracts.
func (o *sdkOne) Inc(d int64) {
	if d > 0 {
		o.count.Add(d)
	}
}

// Update sets a gauge.
func (o *sdkOne) Update(v float64) { o.gauge.Store(math.Float64bits(v)) }

// Record observes a timer's duration.
func (o *sdkOne) Record(d time.Duration) {
	s := d.Seconds()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sum += s
	o.count.Add(1)
	if i, _ := slices.BinarySearch(timerBuckets, s); i < len(timerBuckets) {
		o.buckets[i]++
	}
}

func withSuffix(name, suffix string) string {
	if strings.HasSuffix(name, suffix) {
		return name
	}
	return name + suffix
}

// sanitize makes a name Prometheus takes: letters, digits and '_', not
// starting with a digit.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
