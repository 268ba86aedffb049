package record

// Logical requests: the attempts of a log group into the calls clients made,
// by one rule that analysis counts by and chaostest's matchers show:
//
//   - an attempt with a request id (X-Chaos-Request) belongs to the logical
//     request (Client, Request);
//   - one without belongs to its client's current logical request when
//     Continues says so, and otherwise starts the client's next one;
//   - one with neither a request id nor an attempt number (a client that
//     sends no X-Chaos headers) is numbered first by analysis.Identity,
//     from its connections and timing.

// Continues reports whether an attempt numbered attempt, with no request id,
// continues its client's current logical request, whose latest attempt was
// numbered last: only a number above the last does (2 after 1); attempt 1,
// or any number not above the last, starts a new logical request.
func Continues(attempt, last int) bool { return attempt > last }
