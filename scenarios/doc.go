// Package scenarios holds the scenario file format and its validation, the
// embedded built-in library, and the runner with its two engines: live (real
// HTTP on loopback) and sim (discrete events in virtual time).
//
// # The scenario file
//
// A scenario pits a fleet of clients, under one or more resilience policies,
// against a server script (docs/SCENARIOS.md has every key):
//
//	name: outage-recovery          # default: the file's base name
//	description: one line, shown by `chaos scenarios`
//	seed: 42                       # seeds every random stream; --seed overrides
//	server: {...}                  # faultserver.Spec: response, phases, routes,
//	                               # capacity, service, row
//	clients:
//	  count: 500                   # default 1
//	  start: together              # or {spread: 10s} or {poisson: 50/s}
//	  spike: {at: 5s, count: 100}  # optional: that many of them start at once
//	  requests: 3                  # logical requests per client, default 1
//	  think: 200ms                 # pause between a client's requests
//	  timeout: 2s                  # per attempt; default none
//	  method: GET                  # default GET
//	  path: /api/orders            # default /
//	  headers: {Accept: text/plain}
//	  body: ""
//	  time_scale: 0.1              # live engine: every duration times this
//	  network: {dist: normal, mean: 10ms, stddev: 2ms}   # sim engine: per hop
//	policies:                      # resilience.Config, each with a name
//	  - {name: full, retry: {max_retries: 5, jitter: full}}
//	assert:                        # metric: condition, for every policy...
//	  success_rate: ">= 0.99"
//	  retry_spread.1.sd_ms: ">= 500"
//	  full:                        # ...or policy: {metric: condition}
//	    completion_ms.p99: "<= 2s"
//
// # Assertions
//
// An assertion's metric is a path into one policy's result as result.json
// writes it (analysis.Lookup): fields by name, dotted for nested ones
// (completion_ms.p99), a list of retries by the retry number
// (retry_spread.2.sd_ms, retry_delays.1.delay_ms.p99, retry_delays.1.ks.d),
// fault counts by kind (faults.status), the ends of an interval by position
// (success_rate_ci.0). Every number analysis adds is assertable the same
// way; analysis.MetricPaths lists them. The condition is an operator (>=,
// <=, ==, >, <) and a number, or a duration for a path through a *_ms
// figure. A path that names no number is a problem of the file, with the
// near path suggested. A figure the run cannot tell (a null, a retry number
// that no request reached) makes the verdict inconclusive: it does not hold,
// and Verdict.Problem says why.
//
// Parse reports every problem of a file at once, each naming the file, line,
// column and field, with the near name suggested for a misspelt key. The
// server and policy sections are decoded and validated by faultserver and
// resilience themselves.
//
// # Engines
//
// Each policy runs in turn: the whole fleet with that policy against a fresh
// server compiled with the same seed. Both engines drive faultserver's Script
// (Admit and the Ticket it returns) and resilience's step driver (Begin,
// Next, Record); neither re-implements a fault or a policy. Each client has
// its own policy, so its breaker, budget and rate limit are its own.
//
// The sim engine runs in virtual time on one goroutine, deterministic by
// seed: a hang costs the client its timeout, a reset fails at once, a delay
// delays, truncated, closed and malformed answers fail when their bytes
// arrive, and each network hop takes clients.network. The live engine serves
// the script on 127.0.0.1:0 and runs one goroutine per client through
// resilience.Transport; server and clients share one clock on which scenario
// time runs 1/clients.time_scale times as fast as real time, so every
// duration (an HTTP-date Retry-After included) is compressed alike and the
// Records are in scenario time.
//
// Both engines add the client's side to each Record: when it sent the
// attempt and when it had the outcome (sent_ms, received_ms). The sim engine
// knows them exactly from the hops it drew; the live engine takes them from
// the policy's events on the clients' clock, whose origin is the fault
// server's start, so they share t_ms's clock.
//
// What a run counts besides its Records is kept in one place for both
// engines, the run's ledger: the tallies of logical requests (succeeded,
// given up, answered by a fallback, unsent: refused before any attempt), the
// spans in which a client's breaker was open (one still open when its client
// is done ends where its open period does), and, from the Records as they
// are logged, the attempts, the phase timeline and the requests sent that
// never reached the server's log (unreached). The live engine feeds it the
// policies' events; the sim engine, which holds each call's final step,
// hands that over instead, and feeds it the breakers' events.
//
// Scenario.Run runs the policies, hands every Record to Options.Sink and
// returns the Run: per policy, what the ledger counted. Scenario.RunAnalyzed
// also analyses the Records as the run makes them, adds what only the
// clients know when it ends, and returns an AnalyzedRun: the Run, its
// analysis.Result and, with Options.KeepRecords, the Records.
//
// Options.MaxDuration and MaxMemory bound a run: Estimate works out its least
// time and its memory from the fleet before it starts, so a run that cannot
// fit is refused at once, and a run that outgrows them is stopped; either
// way with a *LimitError that says which flag raises the limit. A live run whose
// clients cannot connect to its fault server stops with ErrUnreachable.
//
// Server models run in both: capacity (concurrency and rate), service time
// that grows with load (base + per_concurrent * in_flight), and a versioned
// row under optimistic concurrency. When the fleet writes the row (PUT, POST
// or PATCH at its path), every attempt first reads the version and writes it
// back with If-Match; a stale write fails with 409. Only the writes are
// attempts and Records; the reads are free.
//
// # Open-loop clients and queueing servers
//
// With clients.open (OpenLoop) each client starts its logical requests as a
// Poisson process at its rate, or at a schedule's (thinned, Lewis and Shedler
// 1979), drawn from a stream of its own, whether or not its earlier calls have
// ended; its calls share its one policy. The sim engine runs each call as a
// client slot of its own that shares the client's key, its decision state at
// the server and its policy (sim_open.go); the live engine runs each on a
// goroutine of its own through the client's one Transport (openloop_live.go).
// A queueing server (server.queue, with a service-time distribution and
// service.abandoned) is faultserver's: the sim engine hands it each attempt's
// deadline, the live engine's clients announce their attempt timeout in
// X-Chaos-Timeout, and under abandoned: finish both keep a request's slot
// until its hold is over after its client has gone.
//
// # Layers
//
// With server.downstream (Downstream) a server calls the next layer, through
// that layer's one policy, for each request it serves, and answers by the
// call's outcome (its response, or fail_status once the call gave up); the
// downstream's server may have a downstream of its own. The sim engine runs
// each call as a layerCall driven by the same events as the fleet's attempts
// (sim_layers.go), with no network between layers; its Records go to the one
// log with their layer, which analysis keeps out of the fleet's figures and
// counts in the policy's layers. The live engine refuses layers.
package scenarios
