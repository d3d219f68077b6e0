// Package metricstest scrapes a /metrics endpoint for tests and reads the
// series in it.
package metricstest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Families are a scrape's metric families by name.
type Families map[string]*dto.MetricFamily

// Scrape GETs url and parses Prometheus' text format.
func Scrape(t testing.TB, url string) Families {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// Value is the sum of name's series whose labels include want: a counter's
// or gauge's value, a histogram's count of observations.
func (f Families) Value(name string, want map[string]string) float64 {
	fam := f[name]
	if fam == nil {
		return 0
	}
	var sum float64
	for _, m := range fam.GetMetric() {
		if !matches(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// LabelValues lists the values label takes in name's series.
func (f Families) LabelValues(name, label string) []string {
	seen := map[string]bool{}
	for _, m := range f[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				seen[l.GetValue()] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func matches(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

// Personal-looking label values: a CPR number, an e-mail address, a phone
// number.
var (
	cprLike   = regexp.MustCompile(`\d{6}-?\d{4}`)
	phoneLike = regexp.MustCompile(`\+?\d{8,}`)
)

// PersonalLabels lists every label value that looks like a CPR number, an
// e-mail address or a phone number, as "series{label=value}".
func (f Families) PersonalLabels() []string {
	var out []string
	for name, fam := range f {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); LooksPersonal(v) {
					out = append(out, fmt.Sprintf("%s{%s=%q}", name, l.GetName(), v))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// LooksPersonal tells whether v looks like a CPR number, an e-mail address
// or a phone number.
func LooksPersonal(v string) bool {
	return cprLike.MatchString(v) || phoneLike.MatchString(v) || strings.Contains(v, "@")
}
