package faultserver_test

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("NumberedClients", func() {
	// Two routes, per-client phases on one and a shared count on the other,
	// mixes and delay draws: every input a decision depends on.
	const script = `
response: {delay: {dist: normal, mean: 20ms, stddev: 5ms}}
phases:
  - {name: warm, requests: 40}
  - name: mixed
    mix: [{weight: 60}, {weight: 30, fault: {status: 503}}, {weight: 10, fault: {reset: true}}]
routes:
  - name: orders
    path: /orders
    per: client
    phases:
      - {name: fail, requests: 2, fault: {status: 500}}
      - {name: flaky, duration: 1s, mix: [{weight: 1}, {weight: 1, fault: {status: 429, retry_after: 1s}}]}
`

	It("decides exactly as Script.Decide does for the same keys", func() {
		byKey := compile(script, 42)
		byNumber := compile(script, 42)
		const clients = 700 // more than a block of states
		fleet := byNumber.NumberedClients(clients)
		made := make([]uint64, clients)
		for i := range 3 * clients {
			client := (i * 7) % clients
			path := "/"
			if i%3 != 0 {
				path = "/orders"
			}
			at := time.Duration(i) * time.Millisecond
			req := faultserver.RequestInfo{Method: "GET", Path: path, ClientKey: "c" + strconv.Itoa(client+1)}
			want := byKey.Decide(at, &req)
			// Warm, called ahead as the simulator does, counts and changes nothing.
			Expect(fleet.Warm(client)).To(Equal(made[client]))
			got := fleet.Decide(at, client, &req)
			made[client]++
			Expect(got).To(Equal(want), "request %d of client %d on %s", i, client, path)
		}
		Expect(made[7]).To(Equal(uint64(21))) // (i*7)%700 visits the multiples of 7, 21 times each
		for client, n := range made {
			Expect(fleet.Warm(client)).To(Equal(n), "client %d", client)
		}
	})

	It("keeps each client's state apart", func() {
		s := compile("phases: [{name: first, requests: 1}, {name: later}]\nper: client\n", 1)
		fleet := s.NumberedClients(2)
		req := func(key string) *faultserver.RequestInfo {
			return &faultserver.RequestInfo{Method: "GET", Path: "/", ClientKey: key}
		}
		Expect(fleet.Decide(0, 0, req("a")).Phase).To(Equal("first"))
		Expect(fleet.Decide(0, 0, req("a")).Phase).To(Equal("later"))
		Expect(fleet.Decide(0, 1, req("b")).Phase).To(Equal("first"))
		// The script's own table has not seen either client.
		Expect(s.Decide(0, req("a")).Phase).To(Equal("first"))
	})
})
