package reports

import (
	"strings"

	"github.com/chaos-harness/chaos/analysis"
)

// The "What was run" section: the scenario's description, the fleet, every
// policy's settings and the server script, from Result.Run alone.

func setupSection(res analysis.Result) section {
	s := section{ID: "setup", Title: "What was run"}
	info := res.Run
	if info == nil {
		s.Intro = "The result does not say what was run (it was made before result.json recorded it)."
		return s
	}
	var intro []string
	if d := strings.TrimSpace(info.Description); d != "" {
		if !strings.ContainsAny(d[len(d)-1:], ".!?") {
			d += "."
		}
		intro = append(intro, strings.ToUpper(d[:1])+d[1:])
	}
	if info.Source != "" {
		intro = append(intro, "Scenario: "+info.Source+" (its text is scenario_text in result.json).")
	}
	if len(info.Logs) > 0 {
		intro = append(intro, "Analysed from the arrival logs "+strings.Join(info.Logs, ", ")+"; the logs do not say what the clients or the server were configured to do.")
	}
	s.Intro = strings.Join(intro, " ")
	if len(info.Fleet) > 0 {
		s.Tables = append(s.Tables, settingsTable("fleet", "The fleet (clients section, defaults filled in)", info.Fleet))
	}
	if len(info.Policies) > 0 {
		s.Tables = append(s.Tables, policiesTable(info.Policies))
	}
	if srv := info.Server; srv != nil {
		s.Tables = append(s.Tables, serverTable(srv))
		s.Tables = append(s.Tables, phasesTable("phases", "The server's phases, in order", srv.Phases))
		for _, r := range srv.Routes {
			s.Tables = append(s.Tables, phasesTable("route-"+r.Name, "Route "+r.Name+" ("+r.Match+"): its own phases", r.Phases))
		}
	}
	return s
}

func settingsTable(id, caption string, settings []analysis.Setting) table {
	t := table{ID: id, Caption: caption, Header: []string{"setting", "value"}, Terms: []string{"run_setting", "run_setting"}, TextCols: 2, Wrap: true}
	for _, s := range settings {
		t.Rows = append(t.Rows, []string{s.Key, s.Value})
	}
	return t
}

// policiesTable has a row per section a policy uses, and one with its order
// and the sections it leaves out, so every setting is there without rows of
// "none"; a policy's name heads its first row only, so the rows group.
func policiesTable(policies []analysis.PolicySettings) table {
	t := table{ID: "policies", Caption: "Policies as run, every default filled in", TextCols: 3, Wrap: true,
		Header: []string{"strategy", "section", "settings"}, Terms: []string{"strategy", "policy_section", "policy_settings"}}
	for _, p := range policies {
		first := len(t.Rows)
		var rest []string
		var unused []string
		for _, s := range p.Settings {
			switch {
			case s.Value == "none":
				unused = append(unused, s.Key)
			case s.Key == "order":
				rest = append(rest, "order: "+s.Value)
			default:
				t.Rows = append(t.Rows, []string{p.Name, s.Key, s.Value})
			}
		}
		if len(unused) > 0 {
			rest = append(rest, "not used: "+strings.Join(unused, ", "))
		}
		if len(rest) > 0 {
			t.Rows = append(t.Rows, []string{p.Name, "order; not used", strings.Join(rest, "; ")})
		}
		for _, r := range t.Rows[first+1:] {
			r[0] = ""
		}
	}
	return t
}

func serverTable(srv *analysis.ServerScript) table {
	rows := []analysis.Setting{{Key: "response", Value: srv.Response}, {Key: "per", Value: srv.Per}}
	capacity := "none (unlimited)"
	if srv.Capacity != nil {
		capacity = srv.Capacity.Settings
	}
	rows = append(rows, analysis.Setting{Key: "capacity", Value: capacity})
	rows = append(rows, srv.Other...)
	return settingsTable("server-settings", "The server (server section, defaults filled in)", rows)
}

func phasesTable(id, caption string, phases []analysis.ScriptPhase) table {
	t := table{ID: id, Caption: caption, TextCols: 3, Wrap: true,
		Header: []string{"phase", "ends", "what the server does"}, Terms: []string{"phase", "phase_ends", "phase_fault"}}
	for _, ph := range phases {
		t.Rows = append(t.Rows, []string{ph.Name, ph.Ends, ph.Fault})
	}
	return t
}
