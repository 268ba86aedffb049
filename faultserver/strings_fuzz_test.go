package faultserver_test

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
)

// FuzzScriptStrings puts arbitrary text in every free-form string of a script
// (route and row path templates, names, methods, header names and values,
// bodies) inside an otherwise valid script, so that the fuzzer explores the
// values rather than the YAML around them. Every input gets a spec or located
// errors, never a panic (gorilla/mux panics on a capturing group in a
// template: "/{id:(a)}"); a spec that parses compiles, decides a request for
// the fuzzed path and method, and writes back to YAML that reads back the
// same.
func FuzzScriptStrings(f *testing.F) {
	f.Add("/a/{id:[0-9]+}", "/b/", "/row/{id}", "orders", "X-T", "v", "hello", "GET", "/a/12")
	f.Add("/{id:(a)}", "/{p:(?P<n>x)}/", "/{r:(a|b)}", "", "", "", "", "POST", "/a")
	f.Add("/a/{id", "b", "/{a}/{a}", "phase1", "x bad", "\r\n", "\x00", "get", "/%zz")
	f.Add("/{id:[}", "/{x:.*}", "/", "routes[0]", ":", "é", "{}", "LOCK", "//")
	f.Fuzz(func(t *testing.T, path, prefix, rowPath, name, header, value, body, method, reqPath string) {
		fault := map[string]any{"status": 503, "body": body, "headers": map[string]string{header: value}}
		doc := map[string]any{
			"row": map[string]any{"path": rowPath},
			"phases": []any{
				map[string]any{"name": name, "requests": 1, "fault": fault},
				map[string]any{"name": name + "-rest"},
			},
			"routes": []any{
				map[string]any{"name": name, "path": path, "methods": []string{method}, "headers": map[string]string{header: value},
					"phases": []any{map[string]any{"name": name, "fault": fault}}},
				map[string]any{"path_prefix": prefix, "response": map[string]any{"status": 201, "body": body}},
			},
		}
		data, err := yaml.Marshal(doc)
		if err != nil {
			t.Skip("not representable in YAML")
		}
		spec, _, err := faultserver.ParseScript("f.yaml", data)
		if err != nil {
			checkLocated(t, err)
			return
		}
		script, err := faultserver.Compile(spec, 1)
		if err != nil {
			t.Fatalf("Compile refused a spec ParseScript accepted: %v", err)
		}
		for _, p := range []string{reqPath, path, rowPath} {
			req := faultserver.RequestInfo{Method: method, Path: p, ClientKey: "c"}
			d, ticket := script.Admit(0, &req)
			ticket.Commit(&d, &req)
			ticket.End(0)
		}
		decideSome(t, script)
		roundTrip(t, spec)
	})
}
