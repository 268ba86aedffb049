package resilience

// Jitter names a jitter strategy as written in policy files and on the
// command line.
type Jitter string

// The jitter strategies. For each, where the cap applies:
//   - none: the nominal delay, capped by the schedule.
//   - full: U(0, d) with d the capped nominal delay, so the cap bounds the
//     delay (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
//   - equal: d/2 + U(0, d/2), cap applied to d first (same source).
//   - decorrelated: min(cap, U(base, 3*prev)), prev starting at base; the cap
//     applies after the draw, so the law has an atom at the cap (same source).
//   - decorrelated_v2: Polly's DecorrelatedJitterBackoffV2; the cap applies
//     after the formula, which itself spreads retry times without piling up.
//   - factor: d * U(1-f, 1+f) with d the capped nominal delay, so a delay may
//     reach cap*(1+f); clamping afterwards would pile a fleet up at exactly the
//     cap, which is the synchronisation jitter exists to break (Prefect's
//     retry_jitter_factor, as a uniform factor).
const (
	JitterNone           Jitter = "none"
	JitterFull           Jitter = "full"
	JitterEqual          Jitter = "equal"
	JitterDecorrelated   Jitter = "decorrelated"
	JitterDecorrelatedV2 Jitter = "decorrelated_v2"
	JitterFactor         Jitter = "factor"
)
