package faultserver

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers in one process (tests) do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	hung     prometheus.Gauge

	// The children of the vectors, cached by label values: resolving labels
	// validates and hashes them, which is most of the cost per request.
	mu       sync.RWMutex
	counters map[counterKey]prometheus.Counter
	timings  map[string]prometheus.Observer
}

type counterKey struct {
	route, phase, fault string
	status              int
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaos_requests_total",
			Help: "Completed requests by script route, phase, fault kind and status sent (0: none).",
		}, []string{"route", "phase", "fault", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chaos_request_duration_seconds",
			Help:    "Time from acceptance to the end of the response, by fault kind.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"fault"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chaos_in_flight_requests",
			Help: "Requests being performed now.",
		}),
		hung: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chaos_hung_requests",
			Help: "Requests held by a hang fault now.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.hung)
	m.counters = map[counterKey]prometheus.Counter{}
	m.timings = map[string]prometheus.Observer{}
	return m
}

func (m *metrics) observe(rec *Record) {
	key := counterKey{rec.Route, rec.Phase, rec.Fault, rec.Status}
	m.mu.RLock()
	counter, timing := m.counters[key], m.timings[rec.Fault]
	m.mu.RUnlock()
	if counter == nil || timing == nil {
		m.mu.Lock()
		if counter = m.counters[key]; counter == nil {
			counter = m.requests.WithLabelValues(rec.Route, rec.Phase, rec.Fault, statusLabel(rec.Status))
			m.counters[key] = counter
		}
		if timing = m.timings[rec.Fault]; timing == nil {
			timing = m.latency.WithLabelValues(rec.Fault)
			m.timings[rec.Fault] = timing
		}
		m.mu.Unlock()
	}
	counter.Inc()
	timing.Observe(rec.LatencyMs / 1000)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusLabels avoids formatting the common statuses on every request.
var statusLabels = func() (labels [600]string) {
	for s := range labels {
		labels[s] = strconv.Itoa(s)
	}
	return labels
}()

func statusLabel(s int) string {
	if s >= 0 && s < len(statusLabels) {
		return statusLabels[s]
	}
	return strconv.Itoa(s)
}
