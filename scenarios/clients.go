package scenarios

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// Clients is the `clients:` section: the fleet that calls the server. Its zero
// value is the documented default: one client, starting at once, sending one
// GET / with no per-attempt timeout, no think time and no network delay.
type Clients struct {
	// Count is the number of clients; 0 means 1.
	Count int `yaml:"count"`
	// Start is the arrival process of the clients; the zero value is `together`.
	Start Start `yaml:"start"`
	// Spike, when set, starts Spike.Count of the Count clients together at
	// Spike.At instead of by Start: a sudden burst on top of steady arrivals.
	Spike *Spike `yaml:"spike"`
	// Requests is the number of logical requests each client makes, one after
	// another; 0 means 1.
	Requests int `yaml:"requests"`
	// Think is the pause between a client's logical requests.
	Think time.Duration `yaml:"think"`
	// Timeout bounds each attempt; 0 means no per-attempt timeout (a hang then
	// lasts as long as the server holds it).
	Timeout time.Duration `yaml:"timeout"`
	// Method is the HTTP method; "" means GET.
	Method string `yaml:"method"`
	// Path is the request path; "" means "/".
	Path string `yaml:"path"`
	// Headers are sent with every attempt.
	Headers map[string]string `yaml:"headers"`
	// Body is sent with every attempt.
	Body string `yaml:"body"`
	// TimeScale multiplies every duration of the scenario (server phases,
	// delays, timeouts, client waits) in the live engine, so a 10-minute
	// scenario runs in 6 s at 0.01. Records are scaled back, so results read in
	// scenario time. 0 means 1. The sim engine ignores it.
	TimeScale float64 `yaml:"time_scale"`
	// Network is the one-way delay of each network hop (request to the server,
	// response back) in the sim engine; the zero value is no delay. The live
	// engine runs on loopback and ignores it.
	Network Network `yaml:"network"`

	// Open-loop clients (issue 14).
	// Open, when set, makes every client open-loop: it starts requests as a
	// Poisson process instead of one after another (see OpenLoop).
	Open *OpenLoop `yaml:"open"`
}

// Spike is a burst of clients that start at the same moment.
type Spike struct {
	At    time.Duration `yaml:"at"`
	Count int           `yaml:"count"`
}

// Defaults of the zero Clients fields.
const (
	DefaultMethod = http.MethodGet
	DefaultPath   = "/"
)

// ClientCount is Count with its default applied.
func (c Clients) ClientCount() int { return max(c.Count, 1) }

// RequestsPerClient is Requests with its default applied.
func (c Clients) RequestsPerClient() int { return max(c.Requests, 1) }

// HTTPMethod is Method with its default applied, in upper case.
func (c Clients) HTTPMethod() string {
	if c.Method == "" {
		return DefaultMethod
	}
	return strings.ToUpper(c.Method)
}

// RequestPath is Path with its default applied.
func (c Clients) RequestPath() string {
	if c.Path == "" {
		return DefaultPath
	}
	return c.Path
}

// Scale is TimeScale with its default applied.
func (c Clients) Scale() float64 {
	if c.TimeScale == 0 {
		return 1
	}
	return c.TimeScale
}

// ThinkTime and AttemptTimeout return the durations.
func (c Clients) ThinkTime() time.Duration      { return c.Think }
func (c Clients) AttemptTimeout() time.Duration { return c.Timeout }

// maxFleet bounds the client count and the requests per client: the sim
// engine numbers both with 32 bits. Memory is the real bound, which a run's
// Estimate checks against Options.MaxMemory.
const maxFleet = math.MaxInt32

// validate reports impossible values, located by field path under prefix.
func (c Clients) validate(p *problems, prefix string) {
	checkCount(p, prefix+".count", c.Count)
	if c.Spike != nil && (c.Spike.Count < 1 || c.Spike.Count > c.ClientCount()) {
		p.addValidation(prefix+".spike.count", "must be between 1 and the client count %d, got %d", c.ClientCount(), c.Spike.Count)
	}
	checkCount(p, prefix+".requests", c.Requests)
	if c.Method != "" && !validToken(c.Method) {
		p.addValidation(prefix+".method", "%q is not an HTTP method", c.Method)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		p.addValidation(prefix+".path", "must start with /, got %q", c.Path)
	}
	for name := range c.Headers {
		if !validToken(name) {
			p.addValidation(prefix+".headers."+name, "%q is not a valid header name", name)
		}
	}
	if !(c.TimeScale >= 0 && c.TimeScale <= 1000) { // NaN too
		p.addValidation(prefix+".time_scale", "must be above 0 and at most 1000 (0.1 runs ten times faster), got %g", c.TimeScale)
	}
	c.Network.validate(p, prefix+".network")
	if c.Open != nil {
		c.Open.validate(c, p, prefix)
	}
}

// validToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// grammar of methods and header names.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 126 || r <= 32 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// checkCount reports a count below 1 (0 is the default) or above maxFleet.
func checkCount(p *problems, path string, n int) {
	switch {
	case n < 0:
		p.addValidation(path, "must be at least 1, got %d", n)
	case n > maxFleet:
		p.addValidation(path, "must be at most %d, got %d", maxFleet, n)
	}
}
