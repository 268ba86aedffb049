package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/record"
)

// The identity inference: the one rule, shared by `chaos analyze`, `chaos
// check` and chaostest, that says which logical request and attempt a Record
// is when the client sent neither X-Chaos-Request nor X-Chaos-Attempt
// (Headerless). It takes two passes over the Records:
//
//  1. Connections.Count sees every Record, in any order, and counts the
//     header-less Records of each connection (Record.Conn).
//  2. Identity.Infer sees the header-less Records in arrival order. A Record
//     on a connection that carried more than one of them (a keep-alive
//     client) is keyed by its connection: "<client> conn <n>". Any other,
//     and one whose connection is unknown (conn 0), keeps the server's key,
//     remote IP and User-Agent (or X-Chaos-Client). Per key, an arrival that
//     follows a failed attempt (Succeeded) is its retry, and any other starts
//     a new logical request "<key>#<n>".
//
// Cost: the first pass keeps a 16-byte hash and a count per connection that
// carried a header-less Record, the second a few numbers per key; neither
// keeps a Record. `chaos analyze` reads its logs twice when they hold
// header-less Records, and once otherwise.
//
// What it cannot tell: a key whose next arrival came before the previous
// attempt on that key had ended carried two requests at once (threads sharing
// a key, or a retry after a client-side timeout the server had not finished):
// its attempts cannot be grouped, so amplification and the Retry-After counts
// of the policy are unknown (null). A keep-alive client that retries on a new
// connection (after a reset, or a timeout that closed the old one) has the
// retry counted as a new logical request; threads that share a pool of
// connections hand one from thread to thread, and a thread's request after
// another's failure on that connection is taken for its retry. Logical
// requests, success rate and completion times rest on the same grouping.

// Headerless reports whether a Record says neither which logical request nor
// which attempt it is, so the identity inference numbers it.
func Headerless(rec record.Record) bool { return headerless(&rec) }

// headerless is Headerless of a Record the analysis holds, not copied.
func headerless(rec *record.Record) bool { return rec.Request == "" && rec.Attempt == 0 }

// Connections counts the header-less Records each connection carried: the
// first pass of the identity inference. The zero value is ready to use.
type Connections struct {
	counts     map[reqKey]uint32
	headerless int
}

// connKeyOf identifies a connection by its client key and number, so that
// logs of several servers (whose numbers all start at 1) rarely share one.
func connKeyOf(rec record.Record) reqKey {
	k := keyOf(rec.Client, "conn")
	k.lo ^= rec.Conn
	k.hi ^= rec.Conn * 0x9e3779b97f4a7c15
	return k
}

// Count takes one Record of the first pass; it keeps nothing of rec.
func (c *Connections) Count(rec *record.Record) {
	if !headerless(rec) {
		return
	}
	c.headerless++
	if rec.Conn == 0 {
		return
	}
	if c.counts == nil {
		c.counts = map[reqKey]uint32{}
	}
	c.counts[connKeyOf(*rec)]++
}

// Headerless is how many header-less Records were counted: when it is 0 the
// second pass has nothing to infer.
func (c *Connections) Headerless() int { return c.headerless }

// keepAlive reports whether rec's connection carried more than one
// header-less Record.
func (c *Connections) keepAlive(rec record.Record) bool {
	return rec.Conn != 0 && c != nil && c.counts[connKeyOf(rec)] > 1
}

// Identity is the second pass of the identity inference for one group of
// Records (a policy): feed it their header-less Records in arrival order.
type Identity struct {
	conns *Connections
	keys  map[string]*identityKey
	// What the inference did, for the note and for unknown figures.
	perConn, perClient, unknownConn int
	keepAliveConns                  int
	overlapping                     int // arrivals before their key's previous attempt ended
	overlapKeys                     int
}

// identityKey is one key's state: its current logical request.
type identityKey struct {
	seq, attempt int
	lastFailed   bool
	end          float64 // the latest end of a response on the key
	overlapped   bool
}

// NewIdentity starts the second pass over Records counted by conns (nil: no
// first pass, so every header-less Record keeps the server's key).
func NewIdentity(conns *Connections) *Identity {
	return &Identity{conns: conns, keys: map[string]*identityKey{}}
}

// Infer fills the client key, logical request and attempt of a header-less
// Record; it leaves any other Record as it is.
func (id *Identity) Infer(rec *record.Record) {
	if !headerless(rec) {
		return
	}
	key := rec.Client
	switch {
	case id.conns.keepAlive(*rec):
		key = rec.Client + " conn " + strconv.FormatUint(rec.Conn, 10)
		id.perConn++
	case rec.Conn == 0:
		id.unknownConn++
	default:
		id.perClient++
	}
	st := id.keys[key]
	if st == nil {
		st = &identityKey{}
		id.keys[key] = st
		if key != rec.Client {
			id.keepAliveConns++
		}
	}
	if st.attempt > 0 && rec.TMs < st.end {
		id.overlapping++
		if !st.overlapped {
			st.overlapped = true
			id.overlapKeys++
		}
	}
	if st.attempt == 0 || !st.lastFailed {
		st.seq, st.attempt = st.seq+1, 1
	} else {
		st.attempt++
	}
	st.lastFailed = !succeeded(rec)
	st.end = max(st.end, rec.TMs+rec.LatencyMs)
	rec.Client = key
	rec.Request = key + "#" + strconv.Itoa(st.seq)
	rec.Attempt = st.attempt
}

// Inferred is how many Records the inference numbered.
func (id *Identity) Inferred() int { return id.perConn + id.perClient + id.unknownConn }

// Groupable reports whether the numbered Records can be grouped into logical
// requests: no key carried two requests at once.
func (id *Identity) Groupable() bool { return id.overlapping == 0 }

// groupedByInference is in every note of the identity inference.
const groupedByInference = "grouped by inference"

// IdentityNote reports whether a note of Result.Notes is one of the identity
// inference's, which say how header-less Records were grouped.
func IdentityNote(note string) bool { return strings.Contains(note, groupedByInference) }

// notes say what the inference did for the named group of Records.
func (id *Identity) notes(policy string, n *notes) {
	if id.Inferred() == 0 {
		return
	}
	n.add("%s: %d attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were "+groupedByInference+": %d on %d keep-alive connections (more than one request each) keyed per connection, %d keyed per remote address and User-Agent (%d on connections that carried one request each, %d on connections of unknown number); per key, an arrival after a failed attempt was taken as its retry and any other as a new logical request, so a retry sent on a new connection counts as a new logical request",
		policy, id.Inferred(), id.perConn, id.keepAliveConns, id.perClient+id.unknownConn, id.perClient, id.unknownConn)
	if id.conns == nil {
		n.add("%s: the connections were not counted in a first pass, so of the attempts "+groupedByInference+" none was keyed per connection", policy)
	}
	if !id.Groupable() {
		n.add("%s: amplification, retry_after_violations and retry_after_retries are unknown (null), and retry_delays and retry_spread are empty: of the attempts "+groupedByInference+", %d arrivals came before the previous attempt on their key had ended (keys affected: %d), so several requests were in flight at once and which attempts belong together cannot be told", policy, id.overlapping, id.overlapKeys)
	}
}

// IdentifyRecords applies the identity inference to records held in memory:
// it returns a copy in arrival order (t_ms, ties in the given order) with
// every header-less Record numbered, each policy inferred on its own. It is
// what AnalyzeRecords analyses, for callers that look at the logical
// requests themselves.
func IdentifyRecords(records []record.Record) []record.Record {
	out, conns := countedByArrival(records)
	ids := map[string]*Identity{}
	for i := range out {
		if !Headerless(out[i]) {
			continue
		}
		id := ids[out[i].Policy]
		if id == nil {
			id = NewIdentity(conns)
			ids[out[i].Policy] = id
		}
		id.Infer(&out[i])
	}
	return out
}

// AnalyzeRecords analyses records held in memory, in arrival order, with the
// identity inference of both passes: what `chaos analyze` does with a log.
func AnalyzeRecords(o Options, records []record.Record) (Result, error) {
	sorted, conns := countedByArrival(records)
	o.Connections = conns
	acc, err := New(o)
	if err != nil {
		return Result{}, err
	}
	for i, rec := range sorted {
		if err := acc.Add(rec); err != nil {
			return Result{}, fmt.Errorf("record %d: %w", i+1, err)
		}
	}
	return acc.Finish()
}

// countedByArrival is the first pass over records held in memory, and a copy
// of them in arrival order (t_ms, ties in the given order) for the second.
func countedByArrival(records []record.Record) ([]record.Record, *Connections) {
	conns := &Connections{}
	for i := range records {
		conns.Count(&records[i])
	}
	sorted := slices.Clone(records)
	slices.SortStableFunc(sorted, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return sorted, conns
}
