package scenarios

import (
	"fmt"
	"math"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

// scaleSpec returns a copy of a server spec with every duration multiplied by
// k and every rate divided by it, for the live engine's time_scale. Retry-After
// is left as written: the clients run on a clock scaled the same way, so they
// read it in scenario time. An HTTP-date cannot be scaled (the client would
// compare it with its scaled clock), so retry_after_date needs k = 1.
func scaleSpec(spec *faultserver.Spec, k float64) (*faultserver.Spec, error) {
	if k == 1 {
		return spec, nil
	}
	sc := scaler{k: k}
	out := *spec
	out.Response = sc.fault(spec.Response)
	if c := spec.Capacity; c != nil {
		cc := *c
		cc.Rate = c.Rate / k
		if c.RetryAfterDate != nil {
			sc.err = fmt.Errorf("server.capacity.retry_after_date: an HTTP-date cannot be compressed by clients.time_scale; use retry_after, or time_scale 1")
		}
		out.Capacity = &cc
	}
	if s := spec.Service; s != nil {
		out.Service = &faultserver.ServiceSpec{Base: sc.d(s.Base), PerConcurrent: sc.d(s.PerConcurrent)}
	}
	out.Phases = sc.phases(spec.Phases)
	out.Routes = make([]faultserver.RouteSpec, len(spec.Routes))
	for i, r := range spec.Routes {
		r.Phases = sc.phases(r.Phases)
		if r.Response != nil {
			resp := sc.fault(*r.Response)
			r.Response = &resp
		}
		out.Routes[i] = r
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return &out, nil
}

type scaler struct {
	k   float64
	err error
}

func (s *scaler) d(d time.Duration) time.Duration {
	return time.Duration(math.Round(float64(d) * s.k))
}

func (s *scaler) phases(in []faultserver.PhaseSpec) []faultserver.PhaseSpec {
	if in == nil {
		return nil
	}
	out := make([]faultserver.PhaseSpec, len(in))
	for i, p := range in {
		p.Duration = s.d(p.Duration)
		if p.Fault != nil {
			f := s.fault(*p.Fault)
			p.Fault = &f
		}
		mix := make([]faultserver.MixSpec, len(p.Mix))
		for j, m := range p.Mix {
			if m.Fault != nil {
				f := s.fault(*m.Fault)
				m.Fault = &f
			}
			mix[j] = m
		}
		if p.Mix != nil {
			p.Mix = mix
		}
		out[i] = p
	}
	return out
}

func (s *scaler) fault(f faultserver.FaultSpec) faultserver.FaultSpec {
	if f.Delay != nil {
		d := *f.Delay
		d.Value, d.Min, d.Max = s.d(d.Value), s.d(d.Min), s.d(d.Max)
		d.Mean, d.Stddev = s.d(d.Mean), s.d(d.Stddev)
		d.Median, d.P99 = s.d(d.Median), s.d(d.P99)
		f.Delay = &d
	}
	f.Hang = s.d(f.Hang)
	if f.Slow > 0 {
		f.Slow = faultserver.Bandwidth(math.Max(1, math.Round(float64(f.Slow)/s.k)))
	}
	if f.RetryAfterDate != nil {
		s.err = fmt.Errorf("retry_after_date: an HTTP-date cannot be compressed by clients.time_scale; use retry_after, or time_scale 1")
	}
	return f
}
