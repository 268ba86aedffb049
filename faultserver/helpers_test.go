package faultserver_test

import (
	"time"

	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

// compile parses and compiles a bare script, failing the spec on any error.
func compile(src string, seed uint64) *faultserver.Script {
	spec, _, err := faultserver.ParseScript("test.yaml", []byte(src))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	s, err := faultserver.Compile(spec, seed)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return s
}

// decide runs one request of client through Admit and the ticket's End at t.
func decide(s *faultserver.Script, t time.Duration, client, method, path string) faultserver.Plan {
	d, ticket := s.Admit(t, &faultserver.RequestInfo{Method: method, Path: path, ClientKey: client})
	ticket.End(t)
	return d
}

// kinds decides n requests of one client at time t and returns their kinds.
func kinds(s *faultserver.Script, n int, t time.Duration, client string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = decide(s, t, client, "GET", "/").Kind
	}
	return out
}

// phases decides one request per time and returns the phase names.
func phases(s *faultserver.Script, client string, times ...time.Duration) []string {
	out := make([]string, len(times))
	for i, t := range times {
		out[i] = decide(s, t, client, "GET", "/").Phase
	}
	return out
}
