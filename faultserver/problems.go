package faultserver

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/problem"
	"github.com/gorilla/mux"
)

// MaxBodySize bounds a generated body (body_size) and the body a truncate
// pads, so a script cannot make the server allocate without limit.
const MaxBodySize = 16 << 20

// joinProblems is the error of a list of problems; nil for none.
func joinProblems(problems []problem.Field) error {
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Problems returns every validation problem of the spec, in field order; none
// means Compile will accept it. A path is relative to the server section
// ("phases[1].fault.status"), so a scenario loader reports it at its line
// with doc.Errorf("server."+Path, "%s", Msg).
func (s *Spec) Problems() []problem.Field {
	var p problem.List
	s.Response.problems("response", &p)
	checkPer("per", s.Per, &p)
	if s.Capacity != nil {
		s.Capacity.problems("capacity", &p)
	}
	if s.Service != nil {
		s.Service.problems("service", &p)
	}
	if s.Queue != nil {
		s.Queue.problems("queue", &p)
	}
	if s.Row != nil {
		if s.Row.Path == "" {
			p.Add("row.path", "missing path (the mux path template of the row, such as /api/row)")
		} else if _, err := pathRegexp(s.Row.Path, false); err != nil {
			p.Add("row.path", "%v", err)
		}
	}
	phasesProblems("phases", s.Phases, &p)
	s.protocolProblems(&p)
	names := map[string]int{}
	for i := range s.Routes {
		r := &s.Routes[i]
		path := fmt.Sprintf("routes[%d]", i)
		r.problems(path, &p)
		name := r.label()
		if j, dup := names[name]; dup && name != "" {
			p.Add(path+".name", "route name %q is already used by routes[%d]; give each route its own name", name, j)
		} else {
			names[name] = i
		}
	}
	return p
}

func checkPer(path, per string, p *problem.List) {
	if per != "" && per != PerGlobal && per != PerClient {
		p.Add(path, "per must be %q or %q, not %q", PerGlobal, PerClient, per)
	}
}

func phasesProblems(path string, phases []PhaseSpec, p *problem.List) {
	for i := range phases {
		ph := &phases[i]
		at := fmt.Sprintf("%s[%d]", path, i)
		if ph.Requests < 0 {
			p.Add(at+".requests", "must not be negative")
		}
		if ph.Duration == 0 && ph.Requests == 0 && i < len(phases)-1 {
			p.Add(at, "only the last phase may be open-ended; give this one a duration or requests")
		}
		if ph.Fault != nil && len(ph.Mix) > 0 {
			p.Add(at+".mix", "a phase has a fault or a mix, not both")
		}
		if ph.Fault != nil {
			ph.Fault.problems(at+".fault", p)
		}
		total := 0.0
		for j := range ph.Mix {
			m := &ph.Mix[j]
			total += m.Weight
			mat := fmt.Sprintf("%s.mix[%d]", at, j)
			if !(m.Weight > 0) || math.IsInf(m.Weight, 1) {
				p.Add(mat+".weight", "weight must be a positive number")
			}
			if m.Fault != nil {
				m.Fault.problems(mat+".fault", p)
			}
		}
		if math.IsInf(total, 1) {
			p.Add(at+".mix", "the weights add up to more than a float64 holds; scale them down")
		}
	}
}

func (f *FaultSpec) problems(path string, p *problem.List) {
	kinds := f.givenKinds()
	if len(kinds) > 1 {
		p.Add(path+"."+kinds[1].name, "a fault has at most one of %s; this one also has %s", strings.Join(kindNames(), ", "), kinds[0].name)
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		p.Add(path+".status", "status %d is not a final HTTP status (200 to 599; 1xx are interim answers that net/http cannot end a response with)", f.Status)
	}
	if len(kinds) > 0 && kinds[0].noResponse {
		for _, shaping := range f.shapingFields() {
			p.Add(path+"."+shaping, "has no effect with %s, which sends no response", kinds[0].name)
		}
	}
	retryAfterProblems(path, f.RetryAfter, f.RetryAfterDate, p)
	for name := range f.Headers {
		if !validHeaderName(name) {
			p.Add(path+".headers."+name, "%q is not a valid header name", name)
		}
	}
	if f.Body != "" && f.BodySize != 0 {
		p.Add(path+".body_size", "give body or body_size, not both")
	}
	if f.BodySize < 0 {
		p.Add(path+".body_size", "must not be negative")
	}
	if f.BodySize > MaxBodySize {
		p.Add(path+".body_size", "%d bytes is over the limit of %d (16 MiB)", f.BodySize, MaxBodySize)
	}
	for _, k := range kinds {
		if k.problems != nil {
			k.problems(f, path, p)
		}
	}
	if f.Delay != nil {
		f.Delay.problems(path+".delay", p)
	}
	f.grpcProblems(path, p)
	f.afterUpstreamProblems(path, p)
}

// shapingFields lists the set fields that shape a response.
func (f *FaultSpec) shapingFields() []string {
	var a []string
	if f.Status != 0 {
		a = append(a, "status")
	}
	if f.RetryAfter != nil {
		a = append(a, "retry_after")
	}
	if f.RetryAfterDate != nil {
		a = append(a, "retry_after_date")
	}
	if len(f.Headers) > 0 {
		a = append(a, "headers")
	}
	if f.Body != "" {
		a = append(a, "body")
	}
	if f.BodySize != 0 {
		a = append(a, "body_size")
	}
	return append(a, f.grpcFields()...)
}

func retryAfterProblems(path string, delta, date *time.Duration, p *problem.List) {
	if delta != nil && date != nil {
		p.Add(path+".retry_after_date", "give retry_after or retry_after_date, not both")
	}
	if delta != nil && *delta%time.Second != 0 {
		p.Add(path+".retry_after", "Retry-After carries whole seconds; %v is not (use %v, or retry_after_date)",
			*delta, delta.Truncate(time.Second)+time.Second)
	}
}

func (c *CapacitySpec) problems(path string, p *problem.List) {
	if c.Concurrency < 0 {
		p.Add(path+".concurrency", "must not be negative")
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		p.Add(path+".rate", "must be a number of requests per second, not negative")
	}
	if c.Burst < 0 {
		p.Add(path+".burst", "must not be negative")
	}
	if c.Burst > 0 && c.Rate == 0 {
		p.Add(path+".burst", "burst needs a rate")
	}
	if c.Concurrency == 0 && c.Rate == 0 {
		p.Add(path, "give concurrency, rate or both (leave capacity out for an unlimited server)")
	}
	if c.Status != 0 && (c.Status < 200 || c.Status > 599) {
		p.Add(path+".status", "status %d is not a final HTTP status (200 to 599; 1xx are interim answers that net/http cannot end a response with)", c.Status)
	}
	retryAfterProblems(path, c.RetryAfter, c.RetryAfterDate, p)
}

func (r *RouteSpec) problems(path string, p *problem.List) {
	switch {
	case r.Path == "" && r.PathPrefix == "":
		p.Add(path+".path", "missing path (a mux path template such as /api/orders/{id}) or path_prefix")
	case r.Path != "" && r.PathPrefix != "":
		p.Add(path+".path_prefix", "give path or path_prefix, not both")
	case r.Path != "":
		if _, err := pathRegexp(r.Path, false); err != nil {
			p.Add(path+".path", "%v", err)
		}
	default:
		if _, err := pathRegexp(r.PathPrefix, true); err != nil {
			p.Add(path+".path_prefix", "%v", err)
		}
	}
	for i, m := range r.Methods {
		if !validHeaderName(m) { // a method is an HTTP token, as a header name is
			p.Add(fmt.Sprintf("%s.methods[%d]", path, i), "%q is not an HTTP method", m)
		}
	}
	for name := range r.Headers {
		if !validHeaderName(name) {
			p.Add(path+".headers."+name, "%q is not a valid header name", name)
		}
	}
	checkPer(path+".per", r.Per, p)
	if r.Response != nil {
		r.Response.problems(path+".response", p)
	}
	phasesProblems(path+".phases", r.Phases, p)
}

// label is the route's name in Records: its name, or else its path.
func (r *RouteSpec) label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Path != "":
		return r.Path
	}
	return r.PathPrefix
}

// pathRegexp compiles a gorilla/mux path template to mux's own regular
// expression, so routes match exactly as a mux router would.
func pathRegexp(tpl string, prefix bool) (string, error) {
	if !strings.HasPrefix(tpl, "/") {
		return "", fmt.Errorf("path template %q must start with /", tpl)
	}
	route, err := muxRoute(tpl, prefix)
	if err != nil {
		return "", fmt.Errorf("invalid path template %q: %v", tpl, err)
	}
	return route.GetPathRegexp()
}

// muxRoute builds a mux route for a path template. gorilla/mux panics,
// rather than returning an error, on a variable whose pattern has a capturing
// group ("/{id:(a)}"): that panic, and any other mux raises while compiling a
// template, is returned as an error.
func muxRoute(tpl string, prefix bool) (route *mux.Route, err error) {
	defer func() {
		if r := recover(); r != nil {
			route, err = nil, fmt.Errorf("%v", r)
		}
	}()
	route = mux.NewRouter().NewRoute()
	if prefix {
		route = route.PathPrefix(tpl)
	} else {
		route = route.Path(tpl)
	}
	return route, route.GetError()
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, section 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
