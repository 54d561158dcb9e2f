// Package metrics owns the bot's Prometheus metrics: what they are called,
// their labels, and the registry /metrics serves. Every method is safe on a
// nil *Metrics, so code under test may run without metrics.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the bot's instruments.
type Metrics struct {
	registry     *prometheus.Registry
	transitions  *prometheus.CounterVec
	decisions    *prometheus.CounterVec
	restoreCalls *prometheus.CounterVec
	ackLatency   *prometheus.HistogramVec
	apiErrors    *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	refused      *prometheus.CounterVec
	inst         *instanceMetrics // see newinstances.go
	instOnce     sync.Once
}

// New registers the bot's metrics, plus Go runtime and process metrics, on a
// registry of their own.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		transitions: counterVec("db_restore_requests_total",
			"Restore requests entering each state (pending, executing, submitted, completed, failed, outcome_unknown, denied, cancelled, expired, dry_run).", "state"),
		decisions: counterVec("db_restore_decisions_total",
			"Approve and Deny clicks and cancels, by result (counted, executing, done, refused).", "decision", "result"),
		restoreCalls: counterVec("db_restore_restore_calls_total",
			"Restore decisions by outcome: submitted, rejected, unknown, not_sent, not_called, dry_run.", "outcome"),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "db_restore_envelope_ack_seconds",
			Help:    "From a Socket Mode envelope reaching the bot's event loop to its ack being queued for the socket.",
			Buckets: []float64{.00001, .00005, .0001, .0005, .001, .005, .01, .05, .1, .5, 1, 3},
		}, []string{"type"}),
		apiErrors: counterVec("db_restore_api_errors_total",
			"Failed Slack and cloud API calls, by API (slack, gaussdb) and method.", "api", "method"),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "db_restore_job_duration_seconds",
			Help:    "Restore jobs from submission to their end, by outcome.",
			Buckets: prometheus.ExponentialBuckets(30, 2, 12), // 30 s to about 17 h
		}, []string{"outcome"}),
		refused: counterVec("db_restore_envelopes_refused_total",
			"Envelopes whose work was not done, by reason: busy (queue full), rate_limited (user over the command limit), duplicate (delivered again).", "reason"),
	}
	m.registry.MustRegister(m.transitions, m.decisions, m.restoreCalls, m.ackLatency, m.apiErrors, m.jobDuration, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counterVec is a counter with labels, named and explained.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Transition counts a request entering state.
func (m *Metrics) Transition(state string) {
	if m != nil {
		m.transitions.WithLabelValues(state).Inc()
	}
}

// Decision counts a click or cancel and its result.
func (m *Metrics) Decision(decision, result string) {
	if m != nil {
		m.decisions.WithLabelValues(decision, result).Inc()
	}
}

// RestoreCall counts what became of an approved restore.
func (m *Metrics) RestoreCall(outcome string) {
	if m != nil {
		m.restoreCalls.WithLabelValues(outcome).Inc()
	}
}

// Ack records how long an envelope waited for its ack inside the bot.
func (m *Metrics) Ack(envelopeType string, d time.Duration) {
	if m != nil {
		m.ackLatency.WithLabelValues(envelopeType).Observe(d.Seconds())
	}
}

// APIError counts a failed call to Slack ("slack") or the cloud ("gaussdb").
func (m *Metrics) APIError(api, method string) {
	if m != nil {
		m.apiErrors.WithLabelValues(api, method).Inc()
	}
}

// JobEnded records a restore job's duration from submission.
func (m *Metrics) JobEnded(outcome string, d time.Duration) {
	if m != nil {
		m.jobDuration.WithLabelValues(outcome).Observe(d.Seconds())
	}
}

// Refused counts an envelope whose work was not done, and why.
func (m *Metrics) Refused(reason string) {
	if m != nil {
		m.refused.WithLabelValues(reason).Inc()
	}
}
