package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// OpenLoop is `clients.open`: each client starts logical requests as a
// Poisson process at Rate while Duration lasts, without waiting for the
// ones it has in flight (an open-loop client, in the sense of Schroeder,
// Wierman and Harchol-Balter, "Open versus closed: a cautionary tale",
// NSDI 2006). A client's calls overlap and share its one policy: its
// breaker, rate limit and budget.
type OpenLoop struct {
	// Rate is the rate of each client's Poisson process: one step for a
	// constant rate (`rate: 10/s`), or a schedule
	// (`rate: [{at: 0s, rate: 40/s}, {at: 20s, rate: 80/s}]`), whose first
	// step is at 0.
	Rate []RateStep `yaml:"rate"`
	// Shape is how the schedule runs between its steps: OpenStep (held until
	// the next step, the default) or OpenLinear (interpolated; held after the
	// last step).
	Shape string `yaml:"shape"`
	// Duration is how long each client starts requests; required.
	Duration time.Duration `yaml:"duration"`
}

// RateStep is one step of an open-loop rate schedule: from At on, Rate
// logical requests per second per client.
type RateStep struct {
	At   time.Duration `yaml:"at"`
	Rate float64       `yaml:"rate"`
}

// Shapes of an open-loop schedule.
const (
	OpenStep   = "step"
	OpenLinear = "linear"
)

// openFields are the keys of `clients.open`.
var openFields = []string{"rate", "shape", "duration"}

// UnmarshalYAML reads {rate: R | [{at, rate}...], shape: step|linear, duration: D}.
func (o *OpenLoop) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return yamlfile.NodeError(n, "expected {rate: 10/s, duration: 10s}")
	}
	var out OpenLoop
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "rate":
			out.Rate, err = decodeRateSchedule(v)
		case "shape":
			out.Shape = v.Value
			if out.Shape != OpenStep && out.Shape != OpenLinear {
				err = yamlfile.NodeError(v, "unknown shape %q: use %s or %s", v.Value, OpenStep, OpenLinear)
			}
		case "duration":
			out.Duration, err = yamlfile.DurationNode(v)
		default:
			err = unknownKey(k, "clients.open", openFields)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case len(out.Rate) == 0:
		return yamlfile.NodeError(n, "clients.open needs a rate, such as rate: 10/s")
	case out.Duration <= 0:
		return yamlfile.NodeError(n, "clients.open needs a duration longer than 0, such as duration: 10s")
	}
	*o = out
	return nil
}

// unknownKey is the error of a key k that the mapping `of` does not have,
// with the near one suggested.
func unknownKey(k *yaml.Node, of string, keys []string) error {
	msg := fmt.Sprintf("unknown field %q of %s (it has %s)", k.Value, of, strings.Join(keys, ", "))
	if near := suggest.Nearest(k.Value, keys); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return yamlfile.NodeError(k, "%s", msg)
}

// decodeRateSchedule reads `10/s` or `[{at: 0s, rate: 40/s}, ...]`.
func decodeRateSchedule(n *yaml.Node) ([]RateStep, error) {
	if n.Kind == yaml.ScalarNode {
		r, err := ParseRate(n.Value)
		if err != nil {
			return nil, yamlfile.NodeError(n, "%v", err)
		}
		return []RateStep{{Rate: r}}, nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, yamlfile.NodeError(n, "expected a rate such as 10/s or a schedule such as [{at: 0s, rate: 40/s}, {at: 20s, rate: 80/s}]")
	}
	var out []RateStep
	for i, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, yamlfile.NodeError(item, "expected {at: DURATION, rate: RATE/s}")
		}
		var st RateStep
		seen := 0
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			var err error
			switch k.Value {
			case "at":
				st.At, err = yamlfile.DurationNode(v)
			case "rate":
				st.Rate, err = ParseRate(v.Value)
				if err != nil {
					err = yamlfile.NodeError(v, "%v", err)
				}
			default:
				err = unknownKey(k, "a rate step", []string{"at", "rate"})
			}
			if err != nil {
				return nil, err
			}
			seen++
		}
		switch {
		case seen != 2:
			return nil, yamlfile.NodeError(item, "a rate step needs both at and rate")
		case i == 0 && st.At != 0:
			return nil, yamlfile.NodeError(item, "the first step of a rate schedule is at 0s, got %v", st.At)
		case i > 0 && st.At <= out[i-1].At:
			return nil, yamlfile.NodeError(item, "steps go forward in time: %v is not after %v", st.At, out[i-1].At)
		}
		out = append(out, st)
	}
	return out, nil
}

// MarshalYAML writes the form UnmarshalYAML reads.
func (o OpenLoop) MarshalYAML() (any, error) {
	m := map[string]any{"duration": o.Duration.String()}
	if o.Shape != "" {
		m["shape"] = o.Shape
	}
	if len(o.Rate) == 1 {
		m["rate"] = formatRate(o.Rate[0].Rate)
		return m, nil
	}
	var steps []map[string]string
	for _, st := range o.Rate {
		steps = append(steps, map[string]string{"at": st.At.String(), "rate": formatRate(st.Rate)})
	}
	m["rate"] = steps
	return m, nil
}

func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) + "/s" }

// validate reports what clients.open cannot be combined with: a closed-loop
// client's sequence of requests and its start.
func (o *OpenLoop) validate(c Clients, p *problems, prefix string) {
	if c.Requests != 0 {
		p.addValidation(prefix+".requests", "an open-loop client (clients.open) starts requests at its rate: drop requests")
	}
	if c.Think != 0 {
		p.addValidation(prefix+".think", "an open-loop client (clients.open) does not think between requests: drop think")
	}
	if c.Start.Kind != StartTogether {
		p.addValidation(prefix+".start", "an open-loop client (clients.open) starts at 0: drop start")
	}
	if c.Spike != nil {
		p.addValidation(prefix+".spike", "an open-loop fleet's bursts are a rate schedule (clients.open.rate): drop spike")
	}
	if mean := o.expected(); mean*float64(c.ClientCount()) > maxFleet {
		p.addValidation(prefix+".open", "%d clients at this rate make about %.3g requests, more than %d", c.ClientCount(), mean*float64(c.ClientCount()), maxFleet)
	}
}

// rateAt is λ(t), the schedule's rate at t (per second).
func (o *OpenLoop) rateAt(t time.Duration) float64 {
	i := len(o.Rate) - 1
	for i > 0 && o.Rate[i].At > t {
		i--
	}
	if o.Shape != OpenLinear || i == len(o.Rate)-1 {
		return o.Rate[i].Rate
	}
	a, b := o.Rate[i], o.Rate[i+1]
	f := float64(t-a.At) / float64(b.At-a.At)
	return a.Rate + f*(b.Rate-a.Rate)
}

// peak is the highest rate of the schedule.
func (o *OpenLoop) peak() float64 {
	m := 0.0
	for _, st := range o.Rate {
		m = max(m, st.Rate)
	}
	return m
}

// expected is Λ = ∫₀^duration λ(t) dt, the mean number of requests of one
// client: each piece of a step schedule is a rectangle, of a linear one a
// trapezoid.
func (o *OpenLoop) expected() float64 {
	total := 0.0
	for i, st := range o.Rate {
		if st.At >= o.Duration {
			break
		}
		end := o.Duration
		if i+1 < len(o.Rate) {
			end = min(end, o.Rate[i+1].At)
		}
		w := (end - st.At).Seconds()
		if o.Shape == OpenLinear {
			total += w * (st.Rate + o.rateAt(end)) / 2
		} else {
			total += w * st.Rate
		}
	}
	return total
}

// PhaseSurge names a step of an open-loop schedule whose rate is above the
// first step's, on the timeline.
const PhaseSurge = "surge"

// surgePhases marks each step of a step schedule whose rate is above the
// first step's as a fault phase (PhaseSurge) from its start to the next
// step's, cut at the duration and at end (when the last call ended): like a
// spike, it is the run's trigger, so recovery is measured from its end. A
// linear schedule has no steps to mark.
func (o *OpenLoop) surgePhases(policy string, end time.Duration) []analysis.Phase {
	if o.Shape == OpenLinear {
		return nil
	}
	var out []analysis.Phase
	for i, st := range o.Rate {
		if st.Rate <= o.Rate[0].Rate || st.At >= min(o.Duration, end) {
			continue
		}
		stop := o.Duration
		if i+1 < len(o.Rate) {
			stop = min(stop, o.Rate[i+1].At)
		}
		out = append(out, analysis.Phase{Name: PhaseSurge, Policy: policy, Start: st.At, End: min(stop, end), Fault: true})
	}
	return out
}

// streamOpen seeds each open-loop client's arrivals.
const streamOpen uint64 = 0x6f70656e // "open"

// arrivals returns when client number client starts each of its logical
// requests, in order: a Poisson process of rate λ(t) on [0, duration). A
// constant rate draws exponential gaps of mean 1/λ; a schedule is thinned
// (Lewis and Shedler, "Simulation of nonhomogeneous Poisson processes by
// thinning", Naval Research Logistics Quarterly 26(3), 1979): candidates at
// the peak rate λ*, each kept with probability λ(t)/λ*. Each client has its
// own stream, so adding a client does not move the others' arrivals.
func (o *OpenLoop) arrivals(seed uint64, client int) []time.Duration {
	var out []time.Duration
	o.eachArrival(seed, client, func(at time.Duration) { out = append(out, at) })
	return out
}

// eachArrival calls fn with each arrival of client number client, in order.
func (o *OpenLoop) eachArrival(seed uint64, client int, fn func(time.Duration)) {
	rng := rand.New(rand.NewPCG(seed^streamOpen, uint64(client)))
	peak := o.peak()
	constant := len(o.Rate) == 1
	t := 0.0 // seconds
	limit := o.Duration.Seconds()
	for {
		t += rng.ExpFloat64() / peak
		if t >= limit {
			return
		}
		at := saturated(t * float64(time.Second))
		if !constant && rng.Float64()*peak >= o.rateAt(at) {
			continue
		}
		fn(at)
	}
}

// String is the open-loop process as the describe output shows it.
func (o *OpenLoop) String() string {
	if len(o.Rate) == 1 {
		return fmt.Sprintf("Poisson at %s for %v", formatRate(o.Rate[0].Rate), o.Duration)
	}
	shape := o.Shape
	if shape == "" {
		shape = OpenStep
	}
	return fmt.Sprintf("Poisson, a %d-step schedule (%s) up to %s, for %v", len(o.Rate), shape, formatRate(o.peak()), o.Duration)
}

// openSlot is one logical request of an open-loop fleet: whose it is, its
// number among that client's, and when it starts.
type openSlot struct {
	at      time.Duration
	client  int32 // the client's number, from 0
	logical int32 // from 1
}

// openSlots draws every client's arrivals, merged in time order (ties in
// client order).
func openSlots(o *OpenLoop, clients int, seed uint64) []openSlot {
	var out []openSlot
	for i := range clients {
		for n, at := range o.arrivals(seed, i) {
			out = append(out, openSlot{at: at, client: int32(i), logical: int32(n + 1)})
		}
	}
	slices.SortStableFunc(out, func(a, b openSlot) int { return cmp.Compare(a.at, b.at) })
	return out
}

// exactCalls bounds the fleet whose arrivals total draws to count them;
// beyond it, counting would take seconds, and the mean is as good.
const exactCalls = 1 << 24

// total is the number of logical requests of the fleet with seed, for the
// estimate and the progress bar: the arrivals drawn as a run draws them, or
// their mean Λ·clients for a fleet of more than exactCalls.
func (o *OpenLoop) total(clients int, seed uint64) int64 {
	if mean := o.expected() * float64(clients); mean > exactCalls {
		return int64(math.Round(mean))
	}
	var n int64
	for i := range clients {
		o.eachArrival(seed, i, func(time.Duration) { n++ })
	}
	return n
}
