// Package breaker is the circuit breaker of resilience policies, with
// explicit time: Allow(now) before the protected call returns a Ticket,
// Report(now, ticket, result) after it, and transitions are computed lazily
// in those calls (no goroutines, no timers), so the simulator drives it in
// virtual time exactly as the executor does in real time. Like gobreaker's
// two-step breaker, a result is tied to its admission: a slow call admitted
// before a trip cannot close the breaker.
package breaker
