package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

// Describe says what a run of these policies of the scenario runs, with
// every default filled in, for result.json's `run` and the reports: the
// fleet, each policy's settings and the server script.
func (s *Scenario) Describe(policies []Policy) *analysis.RunInfo {
	info := &analysis.RunInfo{
		Description: s.Description,
		Source:      s.File,
		Fleet:       describeFleet(s.Clients),
		Server:      describeServer(s.Server),
	}
	for _, p := range policies {
		info.Policies = append(info.Policies, analysis.PolicySettings{Name: p.Name, Settings: describePolicy(p.Config)})
	}
	if s.Downstream != nil { // layers, issue 14
		info.Server.Other = append(info.Server.Other, describeLayers(s.Downstream, policies)...)
	}
	return info
}

func describeFleet(c Clients) []analysis.Setting {
	timeout := "none"
	if c.Timeout > 0 {
		timeout = shortDuration(c.AttemptTimeout())
	}
	fleet := []analysis.Setting{
		{Key: "count", Value: strconv.Itoa(c.ClientCount())},
		{Key: "start", Value: flow(c.Start)},
	}
	if c.Spike != nil {
		fleet = append(fleet, analysis.Setting{Key: "spike", Value: fmt.Sprintf("%d clients at %s", c.Spike.Count, shortDuration(c.Spike.At))})
	}
	if c.Open != nil { // open-loop clients: their rate stands for start, requests and think
		fleet = append(fleet[:1], analysis.Setting{Key: "open", Value: c.Open.String() + " per client"})
	} else {
		fleet = append(fleet,
			analysis.Setting{Key: "requests", Value: strconv.Itoa(c.RequestsPerClient()) + " per client"},
			analysis.Setting{Key: "think", Value: shortDuration(c.ThinkTime())})
	}
	fleet = append(fleet,
		analysis.Setting{Key: "timeout", Value: timeout + " per attempt"},
		analysis.Setting{Key: "path", Value: c.HTTPMethod() + " " + c.RequestPath()},
	)
	if len(c.Headers) > 0 {
		fleet = append(fleet, analysis.Setting{Key: "headers", Value: flow(c.Headers)})
	}
	if c.Body != "" {
		fleet = append(fleet, analysis.Setting{Key: "body", Value: strconv.Itoa(len(c.Body)) + " bytes"})
	}
	network := "none"
	if c.Network.Delay != nil {
		network = flow(c.Network.Delay)
	}
	return append(fleet,
		analysis.Setting{Key: "network", Value: network + " per hop (sim engine)"},
		analysis.Setting{Key: "time_scale", Value: strconv.FormatFloat(c.Scale(), 'g', -1, 64) + " (live engine)"},
	)
}

func describeServer(sp faultserver.Spec) *analysis.ServerScript {
	per := sp.Per
	if per == "" {
		per = faultserver.PerGlobal
	}
	srv := &analysis.ServerScript{Response: describeResponse(&sp.Response), Per: per, Phases: describePhases(sp.Phases)}
	if c := sp.Capacity; c != nil {
		full := *c
		if full.Burst == 0 && full.Rate > 0 {
			full.Burst = int(max(1, full.Rate)) // one second's worth (faultserver.NewCapacity)
		}
		if full.Status == 0 {
			full.Status = 503
		}
		ci := &analysis.CapacityInfo{Settings: flow(full)}
		if c.Rate > 0 {
			rate := c.Rate
			ci.RatePerS = &rate
		}
		srv.Capacity = ci
	}
	if sp.Service != nil {
		srv.Other = append(srv.Other, analysis.Setting{Key: "service", Value: flow(sp.Service)})
	}
	if sp.Queue != nil {
		srv.Other = append(srv.Other, analysis.Setting{Key: "queue", Value: flow(sp.Queue)})
	}
	if sp.Row != nil {
		srv.Other = append(srv.Other, analysis.Setting{Key: "row", Value: flow(sp.Row)})
	}
	for _, r := range sp.Routes {
		match := r.Path
		if r.PathPrefix != "" {
			match = r.PathPrefix + "*"
		}
		if len(r.Methods) > 0 {
			match = strings.Join(r.Methods, ",") + " " + match
		}
		if len(r.Headers) > 0 {
			match += " with " + flow(r.Headers)
		}
		name := r.Name
		if name == "" {
			name = r.Path + r.PathPrefix
		}
		phases := describePhases(r.Phases)
		if len(phases) == 0 {
			phases = []analysis.ScriptPhase{{Name: "(none)", Ends: "never", Fault: describeResponse(r.Response)}}
		}
		srv.Routes = append(srv.Routes, analysis.ScriptRoute{Name: name, Match: match, Phases: phases})
	}
	return srv
}

// describeResponse is the answer to a request that draws no fault.
func describeResponse(r *faultserver.FaultSpec) string {
	if r == nil || isZero(r) {
		return "200 OK"
	}
	return flow(r)
}

func describePhases(phases []faultserver.PhaseSpec) []analysis.ScriptPhase {
	out := make([]analysis.ScriptPhase, 0, len(phases))
	for i, ph := range phases {
		name := ph.Name
		if name == "" {
			name = "phase" + strconv.Itoa(i+1) // faultserver's default name
		}
		var ends []string
		if ph.Duration > 0 {
			ends = append(ends, "after "+shortDuration(ph.Duration))
		}
		if ph.Requests > 0 {
			ends = append(ends, fmt.Sprintf("after %d requests", ph.Requests))
		}
		end := strings.Join(ends, " or ")
		if end == "" {
			end = "never (open-ended)"
		}
		out = append(out, analysis.ScriptPhase{Name: name, Ends: end, Fault: describeFault(ph)})
	}
	return out
}

// describeFault is what the server does in a phase: its fault, its mix of
// faults by share, or the response.
func describeFault(ph faultserver.PhaseSpec) string {
	if len(ph.Mix) == 0 {
		if ph.Fault == nil || isZero(ph.Fault) {
			return "response"
		}
		return flow(ph.Fault)
	}
	total := 0.0
	for _, m := range ph.Mix {
		total += m.Weight
	}
	parts := make([]string, len(ph.Mix))
	for i, m := range ph.Mix {
		what := "response"
		if m.Fault != nil && !isZero(m.Fault) {
			what = flow(m.Fault)
		}
		parts[i] = strconv.FormatFloat(100*m.Weight/total, 'g', 3, 64) + "% " + what
	}
	return "mix: " + strings.Join(parts, "; ")
}

func isZero(f *faultserver.FaultSpec) bool { return flow(f) == "{}" }

// flow writes v as one line of YAML flow style, as a scenario file may
// write it: {status: 503, retry_after: 1s}.
func flow(v any) string {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	setFlow(&n)
	b, err := yaml.Marshal(&n)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}

// shortDuration writes a duration as a Go duration string, whole seconds
// and milliseconds without the zero minutes Go adds ("90s", not "1m30s").
func shortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0 && d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}
