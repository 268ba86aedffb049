package main

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

// identitySeen keys the requests of a client that does not name itself by
// their connection, and counts them, so the check can say it did.
type identitySeen struct {
	anonymous atomic.Int64
}

// wrap gives every request without X-Chaos-Client the key of its connection
// (remote address and port) before the fault server sees it. The server's
// own fallback, remote IP and User-Agent, would fold every client on the
// loopback into one.
func (ids *identitySeen) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(faultserver.HeaderClient) == "" {
			ids.anonymous.Add(1)
			r.Header.Set(faultserver.HeaderClient, "conn "+r.RemoteAddr)
		}
		h.ServeHTTP(w, r)
	})
}

// notes say which assertions rest on keys and attempt numbers the check had
// to make up.
func (ids *identitySeen) notes(records []faultserver.Record) []string {
	var out []string
	if n := ids.anonymous.Load(); n > 0 {
		out = append(out, fmt.Sprintf("%d of %d requests carried no X-Chaos-Client: they are keyed per connection (remote address and port), so a client that opens a new connection per attempt counts as a new client each time", n, len(records)))
	}
	if !carriesAttempts(records) {
		out = append(out, "the client sent neither X-Chaos-Request nor X-Chaos-Attempt: attempts were numbered per client key, an arrival after a failed attempt taken as its retry, so amplification, attempts per request, retry timing and retry_after_violations are estimates")
	}
	return out
}

// carriesAttempts reports whether any record says which logical request or
// attempt it is.
func carriesAttempts(records []faultserver.Record) bool {
	return slices.ContainsFunc(records, func(r faultserver.Record) bool { return r.Request != "" || r.Attempt > 0 })
}

// orderedForAnalysis sorts records by arrival and, when none of them carries
// a logical request or attempt, numbers them by inference: per client key,
// an attempt that follows a failed one (analysis.Succeeded) is its retry,
// any other starts a new logical request.
func orderedForAnalysis(records []faultserver.Record) []faultserver.Record {
	out := slices.Clone(records)
	slices.SortStableFunc(out, func(a, b faultserver.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	if carriesAttempts(out) {
		return out
	}
	type state struct {
		seq, attempt int
		lastFailed   bool
	}
	states := map[string]*state{}
	for i := range out {
		rec := &out[i]
		st := states[rec.Client]
		if st == nil {
			st = &state{}
			states[rec.Client] = st
		}
		if st.attempt == 0 || !st.lastFailed {
			st.seq, st.attempt = st.seq+1, 1
		} else {
			st.attempt++
		}
		rec.Request = rec.Client + "#" + strconv.Itoa(st.seq)
		rec.Attempt = st.attempt
		st.lastFailed = !analysis.Succeeded(*rec)
	}
	return out
}
