package faultserver

import "time"

// Spec is the `server:` section of a scenario file, or a bare server script:
// what the fault server answers, when, and to whom. Its zero value is a server
// that answers every request 200 OK at once.
//
// A request is decided in this order: the capacity model may refuse it
// (overload); otherwise the first route that matches it decides it from that
// route's phases, and a request that matches no route is decided by the
// top-level phases. The phase in force picks a fault (or a weighted mix of
// faults); a request that draws no fault gets the response.
type Spec struct {
	// Response is the default answer to a request that draws no fault. Zero
	// value: 200 with the body "OK\n" and no delay.
	Response FaultSpec `yaml:"response,omitempty"`
	// Capacity is an optional overload model; nil means unlimited.
	Capacity *CapacitySpec `yaml:"capacity,omitempty"`
	// Service is an optional service time that grows with load; nil means none.
	Service *ServiceSpec `yaml:"service,omitempty"`
	// Row is an optional versioned row for optimistic-concurrency contention.
	Row *RowSpec `yaml:"row,omitempty"`
	// Per is "global" (default: phases run once, from server start, for all
	// clients together) or "client" (each client key runs its own phases, from
	// that client's first request).
	Per string `yaml:"per,omitempty"`
	// Phases run in order; each ends after its duration or its request count,
	// whichever comes first. Only the last may have neither (open-ended). After
	// a last phase that ends, requests get the response, in phase "default".
	Phases []PhaseSpec `yaml:"phases,omitempty"`
	// Routes give matching requests phases of their own; the first match wins.
	Routes []RouteSpec `yaml:"routes,omitempty"`

	// Queueing server (issue 14).
	// Queue is an optional FCFS queue of workers in front of the service; nil
	// means every admitted request is served at once.
	Queue *QueueSpec `yaml:"queue,omitempty"`
	// TLS and HTTP/2 (issue 15; tlsspec.go): what the server speaks, for
	// the live engine and `chaos serve`; not swapped by Replace.
	// Protocol is http1 (default: HTTP/1.1), h2 (HTTP/2 over TLS) or h2c
	// (cleartext HTTP/2 with prior knowledge).
	Protocol string `yaml:"protocol,omitempty"`
	// TLS serves over TLS with a CA made for the run; h2 implies it.
	TLS bool `yaml:"tls,omitempty"`
	// MaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS of every
	// HTTP/2 connection; 0: net/http's default, 250.
	MaxConcurrentStreams uint32 `yaml:"max_concurrent_streams,omitempty"`
}

// Per values.
const (
	PerGlobal = "global"
	PerClient = "client"
)

// PhaseSpec is one step of a schedule.
type PhaseSpec struct {
	// Name appears in Records and stats; default "phase1", "phase2", ...
	Name string `yaml:"name,omitempty"`
	// Duration ends the phase this long after it began.
	Duration time.Duration `yaml:"duration,omitempty"`
	// Requests ends the phase after this many requests.
	Requests int `yaml:"requests,omitempty"`
	// Fault applies to every request of the phase; nil means the response.
	Fault *FaultSpec `yaml:"fault,omitempty"`
	// Mix draws a fault per request by weight instead (seeded per client).
	Mix []MixSpec `yaml:"mix,omitempty"`
}

// MixSpec is one weighted entry of a phase's mix; an entry without a fault is
// the response.
type MixSpec struct {
	Weight float64    `yaml:"weight"`
	Fault  *FaultSpec `yaml:"fault,omitempty"`
}

// RouteSpec selects requests by path, method and headers and gives them a
// schedule of their own.
type RouteSpec struct {
	// Name labels the route in Records and metrics; default the path.
	Name string `yaml:"name,omitempty"`
	// Path is a gorilla/mux path template matched against the whole path, such
	// as /api/orders/{id} or /api/orders/{id:[0-9]+}.
	Path string `yaml:"path,omitempty"`
	// PathPrefix is a gorilla/mux template matched against the start of the
	// path instead; exactly one of Path and PathPrefix is given.
	PathPrefix string `yaml:"path_prefix,omitempty"`
	// Methods restricts the route to these methods; empty means any.
	Methods []string `yaml:"methods,omitempty"`
	// Headers must all be present with exactly these values.
	Headers map[string]string `yaml:"headers,omitempty"`
	// Per overrides the top-level per for this route.
	Per string `yaml:"per,omitempty"`
	// Response overrides the top-level response for this route.
	Response *FaultSpec `yaml:"response,omitempty"`
	// Phases of this route; none means the response always.
	Phases []PhaseSpec `yaml:"phases,omitempty"`
}

// CapacitySpec is the overload model: a concurrency limit and a token-bucket
// rate. A request over either is refused at once with Status (fault
// "overload", phase "capacity") and is not counted by any phase.
type CapacitySpec struct {
	// Concurrency is the most requests in flight at once; 0 means unlimited.
	Concurrency int `yaml:"concurrency,omitempty"`
	// Rate is the sustained requests per second; 0 means unlimited.
	Rate float64 `yaml:"rate,omitempty"`
	// Burst is the token bucket's size; 0 means one second's worth of Rate
	// (at least 1).
	Burst int `yaml:"burst,omitempty"`
	// Status of a refused request; 0 means 503.
	Status int `yaml:"status,omitempty"`
	// RetryAfter, when set, adds Retry-After in delta-seconds (whole seconds).
	RetryAfter *time.Duration `yaml:"retry_after,omitempty"`
	// RetryAfterDate, when set, adds Retry-After as an HTTP-date this far ahead.
	RetryAfterDate *time.Duration `yaml:"retry_after_date,omitempty"`
}

// ServiceSpec is a service time that grows with load: a request that draws no
// fault (or only a delay) waits base + per_concurrent * in_flight on top of
// any delay, where in_flight counts admitted requests not yet finished,
// itself included, counted once when the request is admitted. Its YAML form
// is read by UnmarshalYAML (service_time.go).
//
// The yaml tags name the keys of that form; UnmarshalYAML reads them.
type ServiceSpec struct {
	Base          time.Duration `yaml:"base,omitempty"`
	PerConcurrent time.Duration `yaml:"per_concurrent,omitempty"`

	// Queueing server (issue 14): a drawn service time, and abandoned work.
	// Dist, written inline ({dist: exponential, mean: 10ms}), adds a draw
	// of a distribution; Mixture, a draw of one of weighted distributions
	// instead. Abandoned is AbandonedCancel ("" too) or AbandonedFinish.
	Dist      *Delay       `yaml:",inline"`
	Mixture   []ServiceMix `yaml:"mixture,omitempty"`
	Abandoned string       `yaml:"abandoned,omitempty"`
}

// RowSpec is one versioned row under optimistic concurrency, served at Path.
//
// Wire form: GET (or HEAD) reads it: 200 with `ETag: "N"` and
// `X-Chaos-Version: N`. PUT, POST or PATCH writes it and must carry the
// version it read, as `If-Match: "N"` (or `X-Chaos-Version: N`): when N is the
// current version the write succeeds (200) and the version becomes N+1; when
// it is stale the write fails with 409 Conflict and the current ETag; without a
// version it fails with 428 Precondition Required. The check and the bump
// happen together when the request's service time ends, so writes that
// overlap in time contend. Faults of the route's phases apply first; a
// request that draws a fault does not touch the row.
type RowSpec struct {
	// Path is a gorilla/mux path template.
	Path string `yaml:"path"`
	// Version is the initial version; 0 means 1.
	Version uint64 `yaml:"version,omitempty"`
}
