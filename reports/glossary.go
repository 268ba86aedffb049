package reports

// term is one glossary line: a metric (by its result.json name) or a
// strategy, the label a table gives it, and what it means with the source of
// its formula.
type term struct {
	Name  string // result.json field, strategy or backoff name
	Label string // the column label of the tables ("" when not a column)
	Text  string
}

// glossaryGroup is a heading of the glossary and its lines.
type glossaryGroup struct {
	Title string
	Terms []term
}

// strategiesFrom is the name of the first strategy line: the glossary lists
// columns and metrics before it, jitters and backoffs from it on.
const strategiesFrom = "none"

// glossaryGroups splits the glossary under its two headings.
func glossaryGroups() []glossaryGroup {
	for i, t := range glossary {
		if t.Name == strategiesFrom {
			return []glossaryGroup{
				{Title: "Columns and metrics", Terms: glossary[:i]},
				{Title: "Strategies (jitter) and backoffs", Terms: glossary[i:]},
			}
		}
	}
	return []glossaryGroup{{Title: "Columns and metrics", Terms: glossary}}
}

// glossary defines every metric the reports show and every strategy the
// project has. It is the one list both the Markdown and the HTML render, and
// every table column names its entry (a spec fails when one has none).
// Metrics that other parts of result.json add later have their lines here
// already, so a table showing them is defined the day it does.
var glossary = []term{
	// Names.
	{"strategy", "strategy", "a policy of the scenario (a jitter strategy in chaos compare, a setting in chaos tune): the whole fleet runs once with each."},
	{"setting", "setting", "a point of a chaos tune grid: the base policy with the varied keys set to the values in its name."},
	{"rank", "rank", "place under the ranking rule (stated under the headline), 1 = best."},
	{"retry", "retry", "retry number: retry 1 is the second attempt of a logical request, retry 2 the third, and so on."},
	{"fault_phase", "fault phase", "a phase of the server script that injects faults; recovery is measured from its end."},
	{"phase_end_ms", "phase ends (ms)", "when the fault phase ended, in ms since the start of the run."},
	{"comparison", "B", "A is the best strategy (named in the table's caption), B another one; every difference is A − B."},

	// What was run.
	{"run_setting", "setting / value", "a setting of the scenario's clients or server section as the run used it, defaults filled in."},
	{"policy_section", "section", "a section of the policy: retry, breaker, fallback, rate_limit, budget, timeout, or order (the composition, outermost first)."},
	{"policy_settings", "settings", "the section's settings as the run resolved them, defaults filled in (resilience.Config documents each)."},
	{"phase", "phase", "a phase of the server script; requests are decided by the phase they arrive in."},
	{"phase_ends", "ends", "what ends the phase: its duration, its request count (whichever comes first), or nothing for an open-ended last phase."},
	{"phase_fault", "what the server does", "the phase's fault (as in the scenario file), its weighted mix of faults per request, or the normal response."},

	// Outcome.
	{"logical_requests", "logical requests", "calls the clients made, each with all its attempts; those refused before any attempt (unsent) or never reaching the server (unreached) count too, as failures."},
	{"succeeded", "succeeded", "logical requests that any attempt answered with success; a fallback answer is not a success."},
	{"success_rate", "success rate", "succeeded / logical_requests."},
	{"success_rate_ci", "95% CI", "Wilson score interval of success_rate, 95% (Wilson 1927)."},
	{"attempts", "attempts", "requests that reached the server's log, first attempts and retries."},
	{"amplification", "amplification", "attempts / logical_requests: the load the policy put on the server per call (1 = no retries)."},
	{"layer", "layer", "the depth of a server in a layered scenario (server.downstream): 0 is the server the fleet calls, 1 the one it calls, and so on."},
	{"layer_attempts", "attempts", "attempts that reached the layer's server: at layer 0 the fleet's, deeper those of the calls of the layer above."},
	{"layer_amplification", "amplification", "the layer's attempts / the fleet's logical requests: up to (R+1)^(layer+1) with R retries at every layer."},
	{"layer_succeeded", "succeeded", "at layer 0, the fleet's succeeded logical requests; deeper, the layer's successful attempts (one per call of the layer above that succeeded)."},
	{"attempts_per_request", "attempts taken", "how many logical requests took 1, 2, 3… attempts, as the server saw them (0: unsent or unreached)."},
	{"unsent", "unsent", "logical requests refused before any attempt (open breaker, client rate limit, retry budget)."},
	{"unreached", "unreached", "logical requests sent whose attempts never reached the server's log."},
	{"fallback_served", "fallback served", "failed logical requests the policy's fallback answered."},
	{"over_seeds", "across seeds", "a repeated run (chaos run --repeat): each figure's mean over the seeds it was known in, with the 95% Student-t interval of the mean, mean ± t(0.975; n−1)·sd/√n, sd with n−1 (Student 1908); the other tables show the first seed."},

	// Time.
	{"completion_ms", "completion (ms)", "per logical request, from its first attempt's arrival to the end of the response that decided it (the first success, else the last attempt); quantiles p50, p90, p99 and max are empirical (inverse of the empirical CDF)."},
	{"completion_p99", "p99 completion (ms)", "the 99th percentile of completion_ms: the tail a user waits."},
	{"makespan_ms", "makespan", "from the first arrival at the server to the end of the last response: how long the server was busy with the policy."},
	{"client_makespan_ms", "client makespan (ms)", "from the first send of any client to the last response a client received, network hops included (exact in sim, measured by the clients live); makespan_ms sees only the server side."},
	{"time_to_recover_ms", "time to recover (ms)", "the longest, over fault phases, time from a phase's end to sustained success: the first success after it from which on the success rate over window_ms stays at the threshold (95% unless set); – when there was no fault phase or it never came back."},
	{"breaker_open_share", "breaker open", "share of the makespan in which at least one client's circuit breaker was open."},

	// Load and herd.
	{"peak_to_mean", "peak-to-mean", "largest bin of the arrival rate over its mean, bins of bin_width_ms from the policy's first arrival to its last."},
	{"cv", "cv", "coefficient of variation (sd / mean) of the binned arrivals."},
	{"max_window_arrivals", "most in window", "the most attempts (first attempts and retries) arriving within any sliding window of window_ms."},
	{"retry_max_window", "retries in window", "the most retries (attempts after the first) arriving within any window of retry_window_ms: the size of a retry herd."},
	{"retry_peak_rate", "retry peak (/s)", "retry_max_window per second: retry_max_window / retry_window_ms × 1000."},
	{"retry_window_ms", "retry window (ms)", "the window of retry_max_window and retry_peak_rate: one default for every log and policy (--retry-window), so runs analysed apart compare."},
	{"peak_to_capacity", "peak to capacity", "retry_max_window over the most requests the server's capacity model admits in a window of retry_window_ms (a token bucket's size plus its rate times the window; a concurrency limit's size); above 1 one retry wave alone is more than the server takes. – without a capacity model."},
	{"retry_spread", "spread sd / IQR (ms)", "per retry number, the standard deviation and interquartile range across logical requests of when that retry arrived (absolute), and after the request's first attempt (offset_*): small spread = a synchronised herd."},

	// Retry-After.
	{"retry_after_violations", "Retry-After violations", "retries that arrived before the Retry-After of the previous response of the same logical request had elapsed (1 ms slack)."},
	{"retry_after_retries", "retries after a Retry-After", "retries that followed a response carrying Retry-After: the denominator of the violations."},
	{"retry_after_margin_ms", "Retry-After margin (ms)", "per retry after a Retry-After, its arrival minus the earliest time the server allowed: minimum, p1, p50, p99, and counts early by any amount, by more than 100 ms and by more than 1 s."},
	{"retry_after_early", "early", "retries after a Retry-After that arrived before the earliest time the server allowed: by any amount (no slack, unlike retry_after_violations), by more than 100 ms, by more than 1 s."},

	// Retry delays.
	{"retry_delays", "delay (ms)", "per retry number, the delay from the end of the previous response to the retry's arrival at the server: count, mean and quantiles."},
	{"sleep_ms", "sleep (ms)", "per retry number, the sleep the client took: from when it had the previous outcome to when it sent the retry (Record received_ms, sent_ms); quantiles p50, p90, p99, max; – unless every delay of that retry number has both times."},
	{"measured", "KS on", "what the CDF and the KS test of a retry number are of: client sleep where the Records carry the client's times, else server gap (the retry's arrival less the previous response's end, network and response time included, so that a schedule without jitter cannot match it)."},
	{"after_retry_after", "after a Retry-After", "delays that followed a Retry-After: the server decided them, so the KS test leaves them out."},
	{"ks", "KS D / p / n", "one-sample Kolmogorov-Smirnov test of the delays not after a Retry-After against the configured strategy's exact CDF: D the largest CDF gap, p its asymptotic p-value with Stephens' correction (Stephens 1970), n the delays tested."},

	// Comparison and ranking.
	{"success_rate_diff", "success rate (points)", "difference in success rate A − B in percentage points, with Newcombe's hybrid score interval, 95% (Newcombe, Statistics in Medicine 17:873, 1998, method 10)."},
	{"completion_mann_whitney", "completion: Mann-Whitney p", "two-sided Mann-Whitney U test of A's against B's completion times, normal approximation with tie and continuity corrections (Mann and Whitney 1947)."},
	{"peak_to_mean_diff", "peak-to-mean diff", "difference in peak_to_mean A − B, with a basic bootstrap 95% interval resampling each strategy's arrivals (Davison and Hinkley 1997, §5.2.1), seeded."},
	{"amplification_diff", "amplification diff", "difference in amplification A − B."},
	{"tier", "success tier", "1 for the settings whose success rate is not significantly below the highest (95% Newcombe interval of the difference reaches 0), 2 for those not significantly below the best of the rest, and so on; the ranking rule's first key."},
	{"cost", "cost", "the ranking rule's second key, lower is better: one point per attempt per logical request above 1, plus one per second of p99 completion time (analysis.RankCost)."},
	{"load", "load", "in a sweep over the offered load (tune --vary load): the factor the scenario's load is multiplied by, every step of an open-loop rate schedule or a closed-loop fleet's client count; 1 is the load as written."},
	{"calm_success_rate", "success without trigger", "the success rate of the load's run with trigger=off: the open-loop schedule held at its first rate, no clients.spike."},
	{"triggered_success_rate", "success with trigger", "the success rate of the load's run as written, trigger and all."},
	{"load_verdict", "verdict", "stable: healthy without the trigger (success rate at --min-success) and recovered after it; bistable: healthy without it, never recovered after it (a metastable failure: Bronson et al., HotOS 2021); overloaded: below --min-success without the trigger; recovers / stays down: the verdict when the sweep ran the trigger only."},
	{"pareto", "Pareto frontier", "yes when the setting reaches the success floor (--min-success) and no other setting that does is at least as good on amplification and p99 completion time and better on one; \"below the success floor\" marks those under it."},

	// Faults after the work (issue 15).
	{"duplicate_effects", "duplicate effects", "logical requests whose attempts reached the upstream more than once (Records with upstream_status, in proxy mode): work done twice, as when a fault after the upstream's answer (after_upstream) lost it and the client retried."},
	{"unsafe_duplicate_effects", "unsafe duplicate effects", "those among the duplicate effects whose method is not idempotent (POST, PATCH; RFC 9110 §9.2.2) and one of whose attempts that reached the upstream carried no Idempotency-Key, so the service could not tell the second from the first."},

	// Server.
	{"faults", "faults", "attempts by the fault the server injected: none status delay hang reset close truncate slow malformed overload stream."},

	// Jitter strategies (resilience/jitter.go); d is the backoff's capped delay for retry n.
	{"none", "", "no jitter: sleep = d, the nominal delay min(cap, base·2^n) of the backoff; every client retries in step."},
	{"full", "", "full jitter: sleep = random(0, min(cap, base·2^n)) (Brooker, \"Exponential Backoff And Jitter\", AWS Architecture Blog 2015)."},
	{"equal", "", "equal jitter: sleep = d/2 + random(0, d/2) with d = min(cap, base·2^n) (Brooker, AWS Architecture Blog 2015)."},
	{"decorrelated", "", "decorrelated jitter: sleep = min(cap, random(base, 3·previous sleep)), previous starting at base (Brooker, AWS Architecture Blog 2015)."},
	{"decorrelated_v2", "", "Polly's DecorrelatedJitterBackoffV2: sleep = min(cap, (f(t) − f(t_prev))·base/1.4) with t = n−1+random(0, 1) and f(t) = 2^t·tanh(√(4t)), so retry n lands near f(t)·base/1.4 after the first failure, spread evenly around an exponential schedule (George Polevoy, App-vNext/Polly issue 530)."},
	{"factor", "", "factor jitter: sleep = d·random(1−f, 1+f), f = jitter_factor (default 0.5), not clamped after (Prefect's retry_jitter_factor)."},

	// Backoffs (resilience/backoff.go), the d the jitters draw around.
	{"exponential", "", "exponential backoff: d = min(cap, base·multiplier^(n−1)) for retry n (multiplier 2 by default)."},
	{"linear", "", "linear backoff: d = min(cap, base + (n−1)·step)."},
	{"constant", "", "constant backoff: d = base for every retry."},
	{"list", "", "list backoff: d = delays[n−1], the last one repeated."},
}

// glossaryTerm finds a glossary line by name.
func glossaryTerm(name string) (term, bool) {
	for _, t := range glossary {
		if t.Name == name {
			return t, true
		}
	}
	return term{}, false
}
