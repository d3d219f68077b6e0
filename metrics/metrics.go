// Package metrics owns the Prometheus registry of a web or worker process
// and the product's series in it: HTTP requests by route pattern, messages
// by channel and outcome, answers by channel, rounds started and completed,
// CPR lookups by outcome — and, through Temporal (a client.MetricsHandler
// onto the same registry), the Temporal SDK's own series (temporal_*).
//
// No label ever carries personal data: every label value is one of a fixed
// set the product names (a route pattern, a channel, an outcome), never a
// path, an address, a number or an id. The package imports nothing of the
// product, and everything may import it. A nil *Metrics counts nothing, so
// code that is given none (tests, tools) needs no checks.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Names of the product's series, as Prometheus shows them.
const (
	HTTPRequests        = "valghalla_http_requests_total"
	HTTPRequestDuration = "valghalla_http_request_duration_seconds"
	Messages            = "valghalla_messages_total"
	Answers             = "valghalla_answers_total"
	CPRLookups          = "valghalla_cpr_lookups_total"
	// The rounds are counted by the round's workflow through the SDK's
	// replay-safe handler (workflow.GetMetricsHandler): these are the
	// names given to it; the handler Temporal returns adds _total.
	RoundsStartedName   = "valghalla_rounds_started"
	RoundsCompletedName = "valghalla_rounds_completed"
	RoundsStarted       = RoundsStartedName + "_total"
	RoundsCompleted     = RoundsCompletedName + "_total"
)

// Message outcomes: a channel carried the message; it refused it for good
// (the next channel is tried); a transient failure that Temporal retries;
// no channel could carry it at all.
const (
	Sent          = "sent"
	Failed        = "failed"
	Retried       = "retried"
	Undeliverable = "undeliverable"
)

// NoChannel is the channel label of a message no channel was tried for.
const NoChannel = "none"

// Unmatched is the route label of a request no route matched (a 404).
const Unmatched = "unmatched"

// Metrics is one process's registry and its product collectors.
type Metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	messages     *prometheus.CounterVec
	answers      *prometheus.CounterVec
	cprLookups   *prometheus.CounterVec
	sdk          *sdkSeries
}

// New makes a registry with the product's collectors, the Go runtime's
// and the process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), sdk: newSDKSeries()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: HTTPRequests,
		Help: "HTTP requests by route pattern (never the path), method and status."}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: HTTPRequestDuration,
		Help: "How long HTTP requests took, by route pattern and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"})
	m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: Messages,
		Help: "Messages to people by channel, kind and outcome (sent, failed for good on the channel, retried, undeliverable)."},
		[]string{"channel", "kind", "outcome"})
	m.answers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: Answers,
		Help: "Answers applied to invitations, by channel (link, sms, staff) and answer (confirmed, declined, withdrawn)."},
		[]string{"channel", "answer"})
	m.cprLookups = prometheus.NewCounterVec(prometheus.CounterOpts{Name: CPRLookups,
		Help: "Look-ups in the CPR register by outcome (found, not_found, or the kind of error)."}, []string{"outcome"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.messages, m.answers, m.cprLookups, m.sdk,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry, for a test or another collector.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus' text format: /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// HTTPRequest counts a finished request by its route pattern (gin's
// FullPath; "" is counted as Unmatched).
func (m *Metrics) HTTPRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = Unmatched
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // whatever a client makes up is one series
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// Message counts one outcome of a message on a channel ("" is NoChannel).
func (m *Metrics) Message(channel, kind, outcome string) {
	if m == nil {
		return
	}
	if channel == "" {
		channel = NoChannel
	}
	m.messages.WithLabelValues(channel, kind, outcome).Inc()
}

// Answer counts an answer applied to an invitation.
func (m *Metrics) Answer(channel, answer string) {
	if m == nil {
		return
	}
	m.answers.WithLabelValues(channel, answer).Inc()
}

// CPRLookup counts a look-up in the CPR register by its outcome.
func (m *Metrics) CPRLookup(outcome string) {
	if m == nil {
		return
	}
	m.cprLookups.WithLabelValues(outcome).Inc()
}
