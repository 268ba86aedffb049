package faultserver

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers in one process (tests) do not collide.
//
// The request counter and the latency histogram are counted by the server
// itself and handed to Prometheus when it gathers them (requestCollector):
// every request moves them, and a CounterVec's and a HistogramVec's
// children are one set of words that every request on every core writes (a
// histogram four of them), whose cache lines then travel between the cores
// with each request. Here each counterKey's counts are spread over
// metricShards shards by connection number, so that requests on different
// connections write different lines; a gathering or Stats sums the shards.
type metrics struct {
	registry *prometheus.Registry
	hung     prometheus.Gauge

	// children holds the entry of each counterKey seen. Requests read it
	// without a lock; a request with labels not yet seen (a few per phase
	// of a script) replaces it with a copy, under mu.
	children atomic.Pointer[map[counterKey]*metricEntry]
	// last is the entry observe used last: a run of requests with the same
	// labels (every request of a no-fault script, every request of a phase)
	// finds it by comparing the key's strings, which are the script's own
	// and so compare by pointer, instead of hashing them for the map.
	last atomic.Pointer[metricEntry]
	mu   sync.Mutex
	// keys lists every entry in order of first appearance: Stats and the
	// gathered metrics are their sums (stats.go). Guarded by mu.
	keys []*metricEntry
}

type counterKey struct {
	route, phase, fault string
	status              int
}

// The metrics' names, help and labels, as they were when they were a
// CounterVec and a HistogramVec.
var (
	requestsDesc = prometheus.NewDesc("chaos_requests_total",
		"Completed requests by script route, phase, fault kind and status sent (0: none).",
		[]string{"route", "phase", "fault", "status"}, nil)
	latencyDesc = prometheus.NewDesc("chaos_request_duration_seconds",
		"Time from acceptance to the end of the response, by fault kind.",
		[]string{"fault"}, nil)
	// latencyBuckets are the histogram's upper bounds, in seconds.
	latencyBuckets = prometheus.ExponentialBuckets(0.0005, 4, 10)
)

// metricShards is how many shards a key's counts are spread over.
const metricShards = 16

// metricEntry is one counterKey's counts.
type metricEntry struct {
	key    counterKey
	_      [64 - 56]byte // the key, which every request reads, on a line of its own
	shards [metricShards]keyShard
}

// keyShard is the counts of one shard of a key: its requests and its
// latency histogram (a count per bucket, the last for +Inf, and the sum in
// seconds as float64 bits). Its size is two cache lines, so that two
// shards never share one.
type keyShard struct {
	n       atomic.Uint64
	sum     atomic.Uint64
	buckets [11]atomic.Uint64 // len(latencyBuckets)+1
	_       [128 - 13*8]byte
}

// newMetrics builds the metrics. inFlight reads the number of requests being
// performed now when the metrics are gathered: the server counts them anyway,
// and a Gauge moved by every request would add two compare-and-swap loops
// per request on a word that all requests share.
func newMetrics(inFlight func() float64) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		hung: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chaos_hung_requests",
			Help: "Requests held by a hang fault now.",
		}),
	}
	inFlightGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chaos_in_flight_requests",
		Help: "Requests being performed now.",
	}, inFlight)
	m.registry.MustRegister(requestCollector{m}, inFlightGauge, m.hung)
	m.children.Store(&map[counterKey]*metricEntry{})
	return m
}

// observe counts a completed request: its key's count and the latency
// histogram of its fault kind.
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
	sh := &c.shards[rec.Conn%metricShards]
	seconds := rec.LatencyMs / 1000
	// The bucket Prometheus's histogram counts it in: the first upper
	// bound at or above it.
	sh.buckets[sort.SearchFloat64s(latencyBuckets, seconds)].Add(1)
	for {
		old := sh.sum.Load()
		if sh.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+seconds)) {
			break
		}
	}
	sh.n.Add(1) // last: a request counted in n is in its histogram too
}

// requests is the key's count of completed requests.
func (c *metricEntry) requests() int64 {
	var n uint64
	for i := range c.shards {
		n += c.shards[i].n.Load()
	}
	return int64(n)
}

// add makes the entry of key and puts it in the cache.
func (m *metrics) add(key counterKey) *metricEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.children.Load()
	if c, ok := old[key]; ok { // added while this request waited for mu
		return c
	}
	c := &metricEntry{key: key}
	m.keys = append(m.keys, c)
	children := make(map[counterKey]*metricEntry, len(old)+1)
	for k, v := range old {
		children[k] = v
	}
	children[key] = c
	m.children.Store(&children)
	return c
}

// entries are the keys' entries, in order of first appearance.
func (m *metrics) entries() []*metricEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[:len(m.keys):len(m.keys)] // appended to under mu, never changed
}

// requestCollector hands the request counter and the latency histogram to
// Prometheus: a counter per key, and a histogram per fault kind summing the
// keys of that kind.
type requestCollector struct{ m *metrics }

func (r requestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- latencyDesc
}

func (r requestCollector) Collect(ch chan<- prometheus.Metric) {
	type histogram struct {
		count   uint64
		sum     float64
		buckets [11]uint64
	}
	var faults []string
	byFault := map[string]*histogram{}
	for _, c := range r.m.entries() {
		h := byFault[c.key.fault]
		if h == nil {
			h = &histogram{}
			byFault[c.key.fault] = h
			faults = append(faults, c.key.fault)
		}
		var n uint64
		for i := range c.shards {
			sh := &c.shards[i]
			n += sh.n.Load()
			h.sum += math.Float64frombits(sh.sum.Load())
			for b := range sh.buckets {
				h.buckets[b] += sh.buckets[b].Load()
			}
		}
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(n),
			c.key.route, c.key.phase, c.key.fault, statusLabel(c.key.status))
	}
	for _, f := range faults {
		h := byFault[f]
		cumulative := make(map[float64]uint64, len(latencyBuckets))
		var below uint64
		for i, bound := range latencyBuckets {
			below += h.buckets[i]
			cumulative[bound] = below
		}
		// The count is the buckets' total, +Inf's included, so that it
		// agrees with them in a gathering that requests complete during.
		ch <- prometheus.MustNewConstHistogram(latencyDesc, below+h.buckets[len(latencyBuckets)], h.sum, cumulative, f)
	}
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
