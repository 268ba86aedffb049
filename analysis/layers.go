package analysis

import "github.com/chaos-harness/chaos/record"

// LayerFigures are one layer's share of a policy's traffic in a layered
// scenario (issue 14, server.downstream): layer 0 is the server the fleet
// calls, layer 1 the one it calls, and so on.
type LayerFigures struct {
	Layer int `json:"layer"`
	// Attempts is how many attempts reached the layer's server.
	Attempts int `json:"attempts"`
	// Amplification is Attempts over the fleet's logical requests (layer
	// 0's logical_requests): how many attempts at this layer one logical
	// request of the fleet cost, up to (R+1)^(layer+1) with R retries at
	// every layer. Nil when the fleet had no logical request.
	Amplification *float64 `json:"amplification"`
	// Succeeded is, at layer 0, the fleet's succeeded logical requests; at a
	// deeper layer, its successful attempts (Succeeded of the Record), one
	// per call of the layer above that succeeded.
	Succeeded int `json:"succeeded"`
}

// layerCounts tallies the Records of the layers below layer 0, by depth.
type layerCounts struct {
	attempts, succeeded []int // index: layer-1
}

func (l *layerCounts) add(rec record.Record) {
	for len(l.attempts) < rec.Layer {
		l.attempts, l.succeeded = append(l.attempts, 0), append(l.succeeded, 0)
	}
	l.attempts[rec.Layer-1]++
	if Succeeded(rec) {
		l.succeeded[rec.Layer-1]++
	}
}

// figures are the layers' figures, layer 0 from the fleet's result r; nil
// when no Record came from below layer 0, so a scenario without layers
// has no `layers` in its result.
func (l *layerCounts) figures(r *PolicyResult) []LayerFigures {
	if len(l.attempts) == 0 {
		return nil
	}
	out := []LayerFigures{{Layer: 0, Attempts: r.Attempts, Succeeded: r.Succeeded}}
	for i, n := range l.attempts {
		out = append(out, LayerFigures{Layer: i + 1, Attempts: n, Succeeded: l.succeeded[i]})
	}
	for i := range out {
		if r.LogicalRequests > 0 {
			amp := float64(out[i].Attempts) / float64(r.LogicalRequests)
			out[i].Amplification = &amp
		}
	}
	return out
}
