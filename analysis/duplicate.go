package analysis

import (
	"math"
	"net/http"

	"github.com/chaos-harness/chaos/record"
)

// Duplicate side effects (issue 15): in proxy mode every Record of a
// request that reached the upstream carries its upstream_status, so a
// logical request whose attempts reached the upstream more than once did
// its work more than once, as when a fault after the work (after_upstream)
// lost the first answer and the client retried. Such a request is unsafe
// when its method is not idempotent and an attempt that reached the
// upstream carried no Idempotency-Key, by which the service could have told
// the second from the first.

// nonIdempotent reports whether method is not idempotent: RFC 9110 §9.2.2
// makes PUT, DELETE and the safe methods (GET, HEAD, OPTIONS, TRACE, §9.2.1)
// idempotent, and leaves POST, PATCH (RFC 5789 §2), CONNECT and any other
// method not.
func nonIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return false
	}
	return true
}

// seeEffect notes an attempt of the logical request that reached the
// upstream.
func (s *logicalState) seeEffect(rec *record.Record) {
	if rec.UpstreamStatus == 0 {
		return
	}
	if s.effects < math.MaxUint8 {
		s.effects++
	}
	if nonIdempotent(rec.Method) && !rec.IdempotencyKey {
		s.unkeyed = true
	}
}

// duplicateEffects counts the logical requests that reached the upstream
// more than once, and the unsafe ones among them. Both are nil when no
// Record of the policy reached an upstream (a log of a run with no proxy
// says nothing about upstream effects, and result.json leaves them out),
// or, with a note, when the attempts could not be grouped into logical
// requests.
func (p *policyAcc) duplicateEffects(n *notes) (duplicates, unsafe *int) {
	if p.upstream == 0 {
		return nil, nil
	}
	if !p.groupable() {
		n.add("%s: %d Records reached the upstream, but the attempts cannot be grouped into logical requests, so duplicate_effects and unsafe_duplicate_effects are left out", p.name, p.upstream)
		return nil, nil
	}
	var dup, bad int
	for i := range p.states.len() {
		s := p.states.at(int32(i))
		if s.effects > 1 {
			dup++
			if s.unkeyed {
				bad++
			}
		}
	}
	return &dup, &bad
}
