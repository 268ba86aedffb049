package faultserver_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("the fleet barrier (POST /_chaos/barrier)", func() {
	// One failing request, then healthy: a reset shows as the failing phase
	// again.
	const script = "phases: [{name: failing, requests: 1, fault: {status: 503}}, {name: healthy}]\n"
	barrier := func(srv *faultserver.Server, body string) (int, string) {
		status, b, _ := adminDo("POST", srv.URL()+"/_chaos/barrier", "", body)
		return status, b
	}
	arrived := func(srv *faultserver.Server) int {
		_, b, _ := adminDo("GET", srv.URL()+"/_chaos/barrier", "", "")
		var st faultserver.BarrierStatus
		Expect(json.Unmarshal([]byte(b), &st)).To(Succeed())
		return st.Arrived
	}
	type answer struct {
		status int
		body   string
	}
	arriveAsync := func(srv *faultserver.Server, body string) chan answer {
		ch := make(chan answer, 1)
		go func() {
			defer GinkgoRecover()
			s, b := barrier(srv, body)
			ch <- answer{s, b}
		}()
		return ch
	}

	It("holds the shards until all have arrived, then restarts the script and labels the Records with the policy", func() {
		srv := startServer(script, faultserver.Options{Seed: 3, FleetShards: 2})
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/x", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(503)) // the failing phase, used up

		first := arriveAsync(srv, `{"shard":1,"shards":2,"step":"start","policy":"retry","seed":3}`)
		Eventually(func() int { return arrived(srv) }, 10*time.Second).Should(Equal(1))
		Expect(first).NotTo(Receive()) // one of two: still held

		status, body := barrier(srv, `{"shard":0,"shards":2,"step":"start","policy":"retry","seed":3}`)
		Expect(status).To(Equal(200), body)
		Expect(body).To(ContainSubstring(`"released": true`))
		var a answer
		Eventually(first, 10*time.Second).Should(Receive(&a))
		Expect(a.status).To(Equal(200), a.body)

		// The script starts again: the failing phase once more, its Record
		// labelled with the policy; the one before the barrier has none.
		resp, _, err = call(freshClient(5*time.Second), "GET", srv.URL()+"/x", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(503))
		recs := waitRecords(srv, 2)
		Expect(recs[0].Policy).To(Equal(""))
		Expect([]string{recs[1].Policy, recs[1].Phase}).To(Equal([]string{"retry", "failing"}))

		// The end barrier releases without a reset.
		end := arriveAsync(srv, `{"shard":0,"shards":2,"step":"end","policy":"retry"}`)
		Eventually(func() int { return arrived(srv) }, 10*time.Second).Should(Equal(1))
		status, body = barrier(srv, `{"shard":1,"shards":2,"step":"end","policy":"retry"}`)
		Expect(status).To(Equal(200), body)
		Eventually(end, 10*time.Second).Should(Receive(&a))
		Expect(a.status).To(Equal(200), a.body)
		resp, _, err = call(freshClient(5*time.Second), "GET", srv.URL()+"/x", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200)) // healthy: no reset at the end
	})

	It("refuses a shard index twice (409), out of range (400), and a shard of another fleet or step (409), each saying why", func() {
		srv := startServer(script, faultserver.Options{Seed: 3, FleetShards: 2})
		held, waiter := make(chan struct{}), freshClient(time.Minute)
		go func() { // held until the server closes at the spec's end
			resp, err := waiter.Post(srv.URL()+"/_chaos/barrier", "application/json",
				bytesReader([]byte(`{"shard":0,"shards":2,"step":"start","policy":"p"}`)))
			if err == nil {
				resp.Body.Close()
			}
			close(held)
		}()
		Eventually(func() int { return arrived(srv) }, 10*time.Second).Should(Equal(1))
		for _, c := range []struct {
			body, says string
			status     int
		}{
			{`{"shard":0,"shards":2,"step":"start","policy":"p"}`, "shard 0 has already arrived at the start of policy", 409},
			{`{"shard":2,"shards":2,"step":"start","policy":"p"}`, "shard 2 is out of range: the shards are 0 to 1", 400},
			{`{"shard":-1,"shards":2,"step":"start","policy":"p"}`, "shard -1 is out of range", 400},
			{`{"shard":1,"shards":3,"step":"start","policy":"p"}`, "this server waits for 2 shards", 409},
			{`{"shard":1,"shards":2,"step":"start","policy":"p","seed":4}`, "drawn with seed 3", 409},
			{`{"shard":1,"shards":2,"step":"end","policy":"p"}`, `the barrier filling now is the start of policy \"p\" (1 of 2 shards there)`, 409},
			{`{"shard":1,"shards":2,"step":"begin","policy":"p"}`, `step \"begin\"`, 400},
			{`{"shard":1,"shards":2,"step":"start"}`, "policy: name the policy", 400},
			{`{"shard":1,"shards":2,"step":"start","policy":"p","extra":1}`, "unknown field", 400},
		} {
			status, body := barrier(srv, c.body)
			Expect(status).To(Equal(c.status), c.body)
			Expect(body).To(ContainSubstring(c.says), c.body)
		}
		Expect(arrived(srv)).To(Equal(1))
		Expect(held).NotTo(Receive())
	})

	It("takes back the arrival of a shard that gave up, and answers 409 on a server without a barrier", func() {
		srv := startServer(script, faultserver.Options{FleetShards: 2})
		c := freshClient(200 * time.Millisecond) // gives up: the other shard never comes
		resp, err := c.Post(srv.URL()+"/_chaos/barrier", "application/json",
			bytesReader([]byte(`{"shard":0,"shards":2,"step":"start","policy":"p"}`)))
		if err == nil {
			resp.Body.Close()
		}
		Expect(err).To(HaveOccurred())
		Eventually(func() int { return arrived(srv) }, 10*time.Second).Should(Equal(0))

		plain := startServer(script, faultserver.Options{})
		status, body := barrier(plain, `{"shard":0,"shards":1,"step":"start","policy":"p"}`)
		Expect(status).To(Equal(409))
		Expect(body).To(ContainSubstring("holds no fleet barrier: start it with chaos serve --fleet-shards N"))
	})
})
