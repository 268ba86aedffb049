package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/chaos-harness/chaos/record"
)

// Accumulator turns a stream of Records into a Result. Feed it Records one at
// a time with Add, in any order across logical requests but in arrival order
// within one (as every log writer does), and Records with neither request id
// nor attempt number in arrival order (the identity inference numbers them,
// see Headerless), then call Finish once. It keeps a
// few numbers per logical request and fixed-size bins and samples per
// policy, never the Records, so millions of Records fit.
//
// An Accumulator is not safe for concurrent use.
type Accumulator struct {
	opts     Options
	tl       *timeline
	policies map[string]*policyAcc
	order    []*policyAcc // first-seen order, the order of Result.Policies
	records  int
	finished bool
	noted    []string // Note's, first in the notes
	warmed   int32    // what Warm read, kept so that its loads are not dropped
	// The policy of the latest Record, which most Records share.
	lastName string
	last     *policyAcc
	// The keys Warm hashed, in the order of its Records, for AddRecord to
	// take up (warmAt is the next) when its Record has the same client and
	// request: Records added as they were warmed are hashed once.
	warmKeys      [warmMax]warmKey
	warmN, warmAt int
}

// warmKey is the key of a warmed Record's logical request.
type warmKey struct {
	client, request string
	key             reqKey
}

// Note adds a sentence to the result's notes, before the analysis's own:
// what the caller did to the Records (chaos analyze: put logs on one clock).
func (a *Accumulator) Note(s string) { a.noted = append(a.noted, s) }

// New validates the options and returns an empty Accumulator.
func New(o Options) (*Accumulator, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("analysis options: %w", err)
	}
	return &Accumulator{opts: o, tl: newTimeline(), policies: map[string]*policyAcc{}}, nil
}

// Add takes one Record. A Record whose numbers cannot be a real attempt
// (negative or non-finite times, a negative attempt number) is an error that
// names the field, and is not counted.
func (a *Accumulator) Add(rec record.Record) error { return a.AddRecord(&rec) }

// AddRecord is Add with no copy of the Record, which it may change: the
// identity inference fills in the keys of a header-less one. It keeps
// nothing of rec.
func (a *Accumulator) AddRecord(rec *record.Record) error {
	if a.finished {
		return errors.New("analysis: Add after Finish")
	}
	warmed := a.warmedKey(rec) // for every Record, so the next is next
	if err := validateRecord(rec); err != nil {
		return err
	}
	name := rec.Policy
	if name == "" {
		name = a.opts.DefaultPolicy
	}
	p := a.last
	if p == nil || name != a.lastName {
		var found bool
		if p, found = a.policies[name]; !found {
			p = newPolicyAcc(name, a.tl, &a.opts)
			a.policies[name] = p
			a.order = append(a.order, p)
		}
		a.lastName, a.last = name, p
	}
	a.records++
	if rec.Layer > 0 { // a downstream layer's: not the fleet's own traffic
		p.layers.add(*rec)
		return nil
	}
	p.add(a.tl, rec, a.opts.Connections, warmed)
	return nil
}

// Warm reads, for each of the Records about to be added, where its logical
// request's state is kept and a field of the state, and nothing else: in
// three passes (hash the keys, find the slots, read the states) whose loads
// do not wait on each other, so the processor overlaps their waits on
// memory, and Add then finds the states in the cache. A log of a large fleet
// touches a state far in memory for almost every Record. It changes nothing
// of what Add makes of the Records: it keeps the keys it hashed, which
// AddRecord takes up for the same Records next. recs are read only, and at
// most warmMax of them.
func (a *Accumulator) Warm(recs []record.Record) {
	var (
		accs [warmMax]*policyAcc // nil: a Record not warmed
		idx  [warmMax]int32
		p    *policyAcc
		name string
	)
	n := min(len(recs), warmMax)
	for i := range recs[:n] {
		rec := &recs[i]
		a.warmKeys[i] = warmKey{}
		if rec.Layer > 0 || headerless(rec) {
			continue // counted by layer; keyed by the inference
		}
		if pn := cmp.Or(rec.Policy, a.opts.DefaultPolicy); p == nil || pn != name {
			p, name = a.policies[pn], pn
		}
		if p != nil {
			a.warmKeys[i] = warmKey{client: rec.Client, request: rec.Request, key: keyOf(rec.Client, rec.Request)}
			accs[i] = p
		}
	}
	a.warmN, a.warmAt = n, 0
	for i := range n {
		idx[i] = -1
		if accs[i] != nil {
			if at, found := accs[i].requests.get(a.warmKeys[i].key); found {
				idx[i] = at
			}
		}
	}
	sum := int32(0)
	for i := range n {
		if idx[i] >= 0 {
			sum += accs[i].states.at(idx[i]).attempts
		}
	}
	a.warmed += sum
}

// warmedKey is the key Warm hashed for rec, if rec is the next Record it
// warmed and still has the client and request it had then (nil if not).
func (a *Accumulator) warmedKey(rec *record.Record) *reqKey {
	if a.warmAt >= a.warmN {
		return nil
	}
	w := &a.warmKeys[a.warmAt]
	a.warmAt++
	if w.client != rec.Client || w.request != rec.Request || w.key == (reqKey{}) {
		return nil
	}
	return &w.key
}

// warmMax bounds the Records one Warm reads for.
const warmMax = 256

// Records is how many Records were added.
func (a *Accumulator) Records() int { return a.records }

func validateRecord(rec *record.Record) error {
	// The common case first, with no slice of fields to range over: one
	// comparison a time (NaN fails every comparison, so it takes the slow
	// path, which names the field).
	if !(okMs(rec.TMs) && okMs(rec.LatencyMs) && okMs(rec.RetryAfterMs) &&
		(rec.SentMs == nil || okMs(*rec.SentMs)) && (rec.ReceivedMs == nil || okMs(*rec.ReceivedMs))) {
		for _, f := range []struct {
			name string
			v    *float64 // nil: an optional time the Record does not carry
		}{{"t_ms", &rec.TMs}, {"latency_ms", &rec.LatencyMs}, {"retry_after_ms", &rec.RetryAfterMs},
			{"sent_ms", rec.SentMs}, {"received_ms", rec.ReceivedMs}} {
			if f.v != nil && !okMs(*f.v) {
				return fmt.Errorf("%s %v: want a finite number of milliseconds, not negative", f.name, *f.v)
			}
		}
	}
	if end := rec.TMs + rec.LatencyMs + rec.RetryAfterMs; math.IsInf(end, 0) {
		return fmt.Errorf("t_ms %v + latency_ms %v + retry_after_ms %v: too large to be a time", rec.TMs, rec.LatencyMs, rec.RetryAfterMs)
	}
	if rec.SentMs != nil && rec.ReceivedMs != nil && *rec.ReceivedMs < *rec.SentMs {
		return fmt.Errorf("received_ms %v is before sent_ms %v", *rec.ReceivedMs, *rec.SentMs)
	}
	if rec.BodyBytes < 0 {
		return fmt.Errorf("body_bytes %d: want the bytes of body sent, not negative", rec.BodyBytes)
	}
	if rec.Layer < 0 {
		return fmt.Errorf("layer %d: want 0 for the server the fleet calls, or the depth below it", rec.Layer)
	}
	if rec.Attempt < 0 {
		return fmt.Errorf("attempt %d: want 1 for the first try, or 0 when unknown", rec.Attempt)
	}
	return nil
}

// okMs reports whether v is a finite number of milliseconds, not negative.
func okMs(v float64) bool { return v >= 0 && v <= math.MaxFloat64 }

// Finish computes the Result. It may be called once; with no Records, and no
// logical requests that left none (Options.Unsent, Unreached), it is an
// error, as there is nothing to report.
func (a *Accumulator) Finish() (Result, error) {
	if a.finished {
		return Result{}, errors.New("analysis: Finish called twice")
	}
	a.finished = true
	if a.records == 0 && sum(a.opts.Unsent)+sum(a.opts.Unreached) == 0 {
		return Result{}, errors.New("no records to analyse")
	}
	res := Result{
		Scenario:      a.opts.Scenario,
		Engine:        a.opts.Engine,
		Seed:          a.opts.Seed,
		Version:       a.opts.Version,
		Command:       a.opts.Command,
		ResolutionMs:  a.tl.resolution,
		SchemaVersion: SchemaVersion,
		Created:       created(a.opts.Created),
		ScenarioText:  a.opts.ScenarioText,
		Run:           a.opts.Run,
		Comparisons:   []Comparison{},
		Notes:         []string{},
	}
	if res.Version == "" {
		res.Version = BuildVersion()
	}
	a.addRefusedOnly()
	n := &notes{}
	for _, s := range a.noted {
		n.add("%s", s)
	}
	grid := a.chooseGrid(n)
	res.BinWidthMs = grid.binWidth
	res.WindowMs = grid.window
	res.RetryWindowMs = grid.retryWindow
	res.Phases = a.phaseSpans(n)
	data := make([]*policyData, len(a.order))
	for i, p := range a.order {
		data[i] = a.finishPolicy(p, grid, res.Phases, n)
		res.Policies = append(res.Policies, data[i].result)
	}
	ranked := rankByRule(res.Policies)
	res.Standings = ranked.names()
	res.Best = res.Standings[0]
	res.Tradeoffs = ranked.tradeoffs()
	res.Comparisons = a.compareAll(res.Standings, data)
	res.Notes = n.list()
	return res, nil
}

// addRefusedOnly adds, by name, the policies with logical requests but no
// Record (every request refused or unreached), after the others.
func (a *Accumulator) addRefusedOnly() {
	names := slices.Sorted(maps.Keys(a.opts.Unsent))
	names = append(names, slices.Sorted(maps.Keys(a.opts.Unreached))...)
	for _, name := range names {
		if _, found := a.policies[name]; !found && a.opts.Unsent[name]+a.opts.Unreached[name] > 0 {
			p := newPolicyAcc(name, a.tl, &a.opts)
			a.policies[name] = p
			a.order = append(a.order, p)
		}
	}
}

func sum(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// notes collects the analysis's caveats, each said once.
type notes struct {
	seen  map[string]bool
	items []string
}

func (n *notes) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	if !n.seen[s] {
		n.seen[s] = true
		n.items = append(n.items, s)
	}
}

func (n *notes) list() []string {
	if n.items == nil {
		return []string{}
	}
	return n.items
}
