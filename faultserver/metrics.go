package faultserver

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers in one process (tests) do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	hung     prometheus.Gauge

	// children caches the children of the vectors by label values: resolving
	// labels validates and hashes them, which is most of the cost per
	// request. Requests read it without a lock; a request with labels not
	// yet seen (a few per phase of a script) replaces it with a copy, under
	// mu.
	children atomic.Pointer[map[counterKey]*metricEntry]
	// last is the entry observe used last: a run of requests with the same
	// labels (every request of a no-fault script, every request of a phase)
	// finds it by comparing the key's strings, which are the script's own
	// and so compare by pointer, instead of hashing them for the map.
	last atomic.Pointer[metricEntry]
	mu   sync.Mutex
	// keys lists every counterKey in order of first appearance, with its
	// count of completed requests: Stats is their sums (stats.go). Guarded
	// by mu.
	keys []keyCount
}

// keyCount is one counterKey's count of completed requests.
type keyCount struct {
	key counterKey
	n   *atomic.Int64
}

type counterKey struct {
	route, phase, fault string
	status              int
}

// metricEntry is a counterKey with its children, as the cache holds them.
type metricEntry struct {
	key counterKey
	metricChildren
}

// metricChildren are the children of the request counter and the latency
// histogram for one counterKey.
type metricChildren struct {
	counter prometheus.Counter
	timing  prometheus.Observer
	count   *atomic.Int64 // the key's completed requests, for Stats
}

// newMetrics builds the metrics. inFlight reads the number of requests being
// performed now when the metrics are gathered: the server counts them anyway,
// and a Gauge moved by every request would add two compare-and-swap loops
// per request on a word that all requests share.
func newMetrics(inFlight func() float64) *metrics {
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
		hung: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chaos_hung_requests",
			Help: "Requests held by a hang fault now.",
		}),
	}
	inFlightGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chaos_in_flight_requests",
		Help: "Requests being performed now.",
	}, inFlight)
	m.registry.MustRegister(m.requests, m.latency, inFlightGauge, m.hung)
	m.children.Store(&map[counterKey]*metricEntry{})
	return m
}

func (m *metrics) observe(rec *record.Record) {
	key := counterKey{rec.Route, rec.Phase, rec.Fault, rec.Status}
	c := m.last.Load()
	if c == nil || c.key != key {
		var ok bool
		if c, ok = (*m.children.Load())[key]; !ok {
			c = m.add(key)
		}
		m.last.Store(c)
	}
	c.count.Add(1)
	c.counter.Inc()
	c.timing.Observe(rec.LatencyMs / 1000)
}

// add resolves the children of key and puts them in the cache.
func (m *metrics) add(key counterKey) *metricEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.children.Load()
	if c, ok := old[key]; ok { // added while this request waited for mu
		return c
	}
	c := &metricEntry{key: key, metricChildren: metricChildren{
		counter: m.requests.WithLabelValues(key.route, key.phase, key.fault, statusLabel(key.status)),
		timing:  m.latency.WithLabelValues(key.fault),
		count:   new(atomic.Int64),
	}}
	m.keys = append(m.keys, keyCount{key, c.count})
	children := make(map[counterKey]*metricEntry, len(old)+1)
	for k, v := range old {
		children[k] = v
	}
	children[key] = c
	m.children.Store(&children)
	return c
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
