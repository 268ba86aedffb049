package analysis

import "time"

// SchemaVersion is the layout version of result.json. Version 1 had no
// schema_version field; version 2 added schema_version, created,
// scenario_text and run (what was run: fleet, policies, server script).
const SchemaVersion = 2

// RunInfo says what was run, as the runner resolved it (defaults filled in),
// so a report can show it without reading the scenario again. For a log of
// `chaos serve` only what the logs tell is known: Logs, and nothing else.
type RunInfo struct {
	// Description is the scenario's description.
	Description string `json:"description"`
	// Source is where the scenario came from: its file, or "builtin:NAME".
	Source string `json:"source,omitempty"`
	// Logs are the arrival logs analysed (chaos analyze).
	Logs []string `json:"logs,omitempty"`
	// Fleet describes the clients: count, start, requests, think, timeout,
	// method, path and the rest of the clients section, in that order.
	Fleet []Setting `json:"fleet,omitempty"`
	// Policies are the settings of each policy run, in the order run.
	Policies []PolicySettings `json:"policies,omitempty"`
	// Server is the server script; nil when not known.
	Server *ServerScript `json:"server,omitempty"`
}

// Setting is one named value of a description, as a person reads it.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PolicySettings are one policy's sections (retry, breaker, fallback,
// rate_limit, budget, timeout, order) with every default filled in; a
// section the policy does not use reads "none".
type PolicySettings struct {
	Name     string    `json:"name"`
	Settings []Setting `json:"settings"`
}

// ServerScript is the server section: the default response, how phases run,
// the overload model and the phases of the server and of each route.
type ServerScript struct {
	Response string `json:"response"`
	Per      string `json:"per"`
	// Capacity is the overload model; nil when the server has none.
	Capacity *CapacityInfo `json:"capacity,omitempty"`
	// Other are the remaining server settings in use (service, row, ...).
	Other  []Setting     `json:"other,omitempty"`
	Phases []ScriptPhase `json:"phases"`
	Routes []ScriptRoute `json:"routes,omitempty"`
}

// CapacityInfo is the server's overload model.
type CapacityInfo struct {
	// Settings are the model's fields with their defaults filled in.
	Settings string `json:"settings"`
	// RatePerS is the sustained rate the token bucket admits, in requests
	// per second; nil when only the concurrency limit bounds admission (the
	// admitted rate then depends on the response times).
	RatePerS *float64 `json:"rate_per_s"`
}

// ScriptPhase is one phase of a script: its name, what ends it and what the
// server does in it.
type ScriptPhase struct {
	Name  string `json:"name"`
	Ends  string `json:"ends"`
	Fault string `json:"fault"`
}

// ScriptRoute is a route with phases of its own.
type ScriptRoute struct {
	Name   string        `json:"name"`
	Match  string        `json:"match"`
	Phases []ScriptPhase `json:"phases"`
}

// created stamps a Result: t, or now when t is zero, in UTC to the second.
func created(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Format(time.RFC3339)
}
