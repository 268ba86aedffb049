package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Estimate is what a run will take, worked out from the scenario before it
// starts, so that a run that cannot fit its limits is refused at once rather
// than stopped after a while.
type Estimate struct {
	Engine   string
	Policies int
	Clients  int
	// Logical is the number of logical requests of each policy's run.
	Logical int64
	// LastStart is when the last client starts (scenario time).
	LastStart time.Duration
	// MinScenarioTime is the least scenario time one policy's run can take:
	// the last client's start, then its think time between its requests.
	// Attempts, backoffs and answers only add to it.
	MinScenarioTime time.Duration
	// MinRealTime is the least wall-clock time of the whole run: in live,
	// each policy's MinScenarioTime compressed by clients.time_scale, one
	// policy after another; in sim, which runs in virtual time, 0.
	MinRealTime time.Duration
	// Memory is the estimated peak memory of the run with its analysis, in
	// bytes (see the mem constants).
	Memory int64
}

// The memory model: peak memory in use by the process, measured on
// linux/amd64 with fleets of 10^4 to 3·10^5 clients (garbage included, as the
// operating system sees it).
const (
	memBase            = 64 << 20  // the process itself: code, fonts, buffers
	memSimClient       = 1 << 10   // a sim client whose policy keeps no state
	memSimStateful     = 2 << 10   // ... with a breaker, rate limit, budget or fallback
	memLiveClient      = 128 << 10 // a live client: goroutines, connections, transport
	memLiveRequest     = 1 << 10   // a live logical request: Records held until its policy ends
	memAnalysisRequest = 160       // a logical request in the analysis, kept to the end
)

// Estimate works out what a run of the scenario with opts will take.
func (s *Scenario) Estimate(opts Options) (Estimate, error) {
	engine := opts.Engine
	if engine == "" {
		engine = EngineSim
	}
	if !slices.Contains(Engines, engine) {
		return Estimate{}, fmt.Errorf("unknown engine %q (use %s)", engine, strings.Join(Engines, " or "))
	}
	if engine == EngineLive && s.Downstream != nil && grpcScenario(s) {
		return Estimate{}, errLayersGRPC
	}
	policies, err := s.selectPolicies(opts.Policies)
	if err != nil {
		return Estimate{}, err
	}
	if err := simulable(engine, s, policies); err != nil {
		return Estimate{}, err
	}
	c := s.Clients
	e := Estimate{Engine: engine, Policies: len(policies), Clients: c.ClientCount(), Logical: s.logicalTotal(s.SeedOf(opts))}
	e.LastStart = lastStart(c, rand.New(rand.NewPCG(s.SeedOf(opts), streamStarts)))
	e.MinScenarioTime = addDurations(e.LastStart, float64(c.RequestsPerClient()-1)*float64(c.ThinkTime()))
	if engine == EngineLive {
		e.MinRealTime = addDurations(0, float64(e.Policies)*float64(e.MinScenarioTime)*c.Scale())
	}

	perClient := float64(memSimClient)
	for _, p := range policies {
		if keepsState(p) {
			perClient = memSimStateful
		}
	}
	mem := float64(memBase) + float64(e.Policies)*float64(e.Logical)*memAnalysisRequest
	if engine == EngineLive {
		mem += float64(e.Clients)*memLiveClient + float64(e.Logical)*memLiveRequest
	} else if c.Open != nil {
		mem += float64(e.Logical) * perClient // a sim client slot per open-loop call
	} else {
		mem += float64(e.Clients) * perClient
	}
	e.Memory = int64(min(mem, math.MaxInt64/2))
	return e, nil
}

// simulable refuses, on the sim engine, what the simulator cannot hedge: a
// policy that hedges calls to a server with layers below it, and a layer's
// policy that hedges (a layer call keeps one attempt in flight).
func simulable(engine string, s *Scenario, policies []Policy) error {
	if engine != EngineSim {
		return nil
	}
	for _, p := range policies {
		if p.Config.Hedge == nil {
			continue
		}
		if s.Downstream != nil {
			return fmt.Errorf("policy %s: hedge is not simulated against a server with a downstream (the layers keep one attempt in flight per call)", p.Name)
		}
	}
	for d, depth := s.Downstream, 1; d != nil; d, depth = d.Next, depth+1 {
		for _, p := range policies {
			if d.PolicyOf(p.Name).Hedge != nil {
				return fmt.Errorf("server.downstream (layer %d): its policy for %s hedges, which the layers do not simulate (a layer call keeps one attempt in flight)", depth, p.Name)
			}
		}
	}
	return nil
}

// keepsState reports whether each client needs a policy of its own.
func keepsState(p Policy) bool {
	c := p.Config
	return c.Breaker != nil || c.RateLimit != nil || c.Budget != nil || c.Fallback != nil
}

// addDurations is d + ns, saturating instead of overflowing.
func addDurations(d time.Duration, ns float64) time.Duration {
	return saturated(float64(d) + ns)
}

// maxDuration is the longest duration a float64 of nanoseconds converts to
// exactly: float64(math.MaxInt64) is 2^63, one past it.
const maxDuration = time.Duration(math.MaxInt64 - 1023)

// saturated converts nanoseconds to a Duration, the longest one for anything
// longer (and for NaN), 0 for anything negative.
func saturated(ns float64) time.Duration {
	switch {
	case ns <= 0:
		return 0
	case !(ns < float64(maxDuration)):
		return maxDuration
	}
	return time.Duration(ns)
}

// exactStarts bounds the fleet whose start times lastStart draws; beyond it,
// drawing would take seconds, and the expectation is as good.
const exactStarts = 1 << 20

// lastStart is when the fleet's last client starts: the latest of the start
// times fleetStarts draws, drawn the same way but not kept; for a fleet
// larger than exactStarts, its expectation (n/(n+1) of a spread, n/rate of a
// Poisson process).
func lastStart(c Clients, rng *rand.Rand) time.Duration {
	if c.Open != nil {
		return c.Open.Duration // open-loop clients start requests until then
	}
	n := c.ClientCount()
	var last time.Duration
	if c.Spike != nil {
		n -= c.Spike.Count
		last = c.Spike.At
	}
	if n > exactStarts {
		switch c.Start.Kind {
		case StartSpread:
			return max(last, saturated(float64(c.Start.Spread)*float64(n)/float64(n+1)))
		case StartPoisson:
			return max(last, saturated(float64(n)/c.Start.Rate*float64(time.Second)))
		}
		return last
	}
	eachStart(c.Start, n, rng, func(t time.Duration) { last = max(last, t) })
	return last
}
