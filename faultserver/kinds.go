package faultserver

import (
	"reflect"
	"slices"
	"sync"

	"github.com/chaos-harness/chaos/problem"
)

// actionKind is one of the faults that a fault: spec asks for with an action
// field (hang, reset, close, truncate, slow, malformed, stream): a way of answering,
// or of not answering, other than a response with a status. Each kind is
// declared and registered in its own fault_<kind>.go: how a spec asks for
// it, how it compiles, its checks, whether it holds the request or sends no
// response, its walk (the steps the playout takes for it, as data made when
// the fault compiles, so that serving a request calls no function value:
// one would move the playout, the plan and the wire's medium to the heap,
// three allocations a request and about a third slower serving, measured),
// and, in the same file, what each medium does for a step only it takes.
type actionKind struct {
	// name is the kind's fault in Records and its field's key in a fault:
	// spec (the FaultSpec field's yaml name).
	name string
	// given reports whether a spec asks for the kind.
	given func(f *FaultSpec) bool
	// compile sets the action's parameter (Plan.Param, Plan.Raw) from the
	// spec, and may reshape what the action sends.
	compile func(f *FaultSpec, a *action)
	// walk is the kind's steps after the delay, from the action's
	// parameter (after compile).
	walk func(param int64) *walk
	// problems adds what is wrong with the kind's field; nil: nothing can be.
	problems func(f *FaultSpec, path string, p *problem.List)
	// noResponse says the kind sends no response, so the fields that shape
	// one (status, headers, body, retry_after) have no effect beside it.
	noResponse bool
	// holding says the kind's performance holds the request for a while,
	// as a delay does: it takes a Limits.MaxHeld slot.
	holding bool
	// headerValue is the kind's X-Chaos-Fault value, shared by every
	// response that carries it (see kindValues).
	headerValue []string
}

var (
	kindsMu     sync.Mutex
	kindsByName = map[string]*actionKind{}
	kindsSorted []*actionKind // in the order of their fields in FaultSpec
)

// registerKind adds a kind; each fault_<kind>.go registers its own in
// init. A name registered twice is a programming error.
func registerKind(k *actionKind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kindsByName[k.name]; dup {
		panic("faultserver: action kind " + k.name + " registered twice")
	}
	k.headerValue = []string{k.name}
	kindsByName[k.name] = k
	kindsSorted = append(kindsSorted, k)
	order := fieldOrder()
	slices.SortStableFunc(kindsSorted, func(a, b *actionKind) int { return order[a.name] - order[b.name] })
}

// actionKinds are the registered kinds, in the order of their fields in
// FaultSpec: the order in which a message lists them.
func actionKinds() []*actionKind {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	return kindsSorted
}

// fieldOrder numbers FaultSpec's fields by their yaml names.
func fieldOrder() map[string]int {
	t := reflect.TypeFor[FaultSpec]()
	order := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		order[yamlName(t.Field(i))] = i
	}
	return order
}

// yamlName is a struct field's key in YAML.
func yamlName(f reflect.StructField) string {
	name := f.Tag.Get("yaml")
	for i := range len(name) {
		if name[i] == ',' {
			return name[:i]
		}
	}
	return name
}

// givenKinds lists the kinds a spec asks for, in field order.
func (f *FaultSpec) givenKinds() []*actionKind {
	var out []*actionKind
	for _, k := range actionKinds() {
		if k.given(f) {
			out = append(out, k)
		}
	}
	return out
}

// kindNames lists the names of the registered kinds, in field order.
func kindNames() []string {
	var names []string
	for _, k := range actionKinds() {
		names = append(names, k.name)
	}
	return names
}
