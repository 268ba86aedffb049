package realclients_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/grpcfault"
	"github.com/chaos-harness/chaos/record"
)

// hedgeCalls is how many calls grpc-js makes, one after another, each as a
// client of its own.
const hedgeCalls = 5

// hedgeConfig is a gRFC A6 hedging policy: up to 3 attempts, a hedge 50ms
// after the one before it while no answer has come.
const hedgeConfig = `{"methodConfig": [{"name": [{"service": "shop.Orders"}],
  "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s"}}]}`

// grpcjs is the folder of the grpc-js client (npm ci installs it there).
const grpcjs = "grpcjs"

// jsCall is one line of hedge.js's output.
type jsCall struct {
	Client  string `json:"client"`
	Request string `json:"request"`
	Code    int    `json:"code"`
	Details string `json:"details"`
	Reply   string `json:"reply"`
}

var _ = Describe("grpc-js (@grpc/grpc-js) with a hedgingPolicy against the gRPC fault server", func() {
	BeforeEach(func() {
		_, err := exec.LookPath("node")
		_, statErr := os.Stat(filepath.Join(grpcjs, "node_modules", "@grpc", "grpc-js"))
		if err != nil || statErr != nil {
			msg := "needs node and grpc-js: run 'npm ci' in realclients/grpcjs (.ci/run does)"
			if os.Getenv("CI") == "true" {
				Fail(msg)
			}
			Skip(msg)
		}
	})

	It("shows its hedges as overlapping attempts of one logical request, the loser cancelled", func() {
		// Each client's first call attempt hangs, so only a hedge can answer.
		spec, _, err := faultserver.ParseScript("hedge.yaml", []byte(`
per: client
phases:
  - {name: stuck, requests: 1, fault: {hang: 1h}}
  - {name: ok}
`))
		Expect(err).NotTo(HaveOccurred())
		srv, err := grpcfault.NewStarted(spec, grpcfault.Options{Seed: 1})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", "hedge.js", srv.Addr(), "/shop.Orders/Get", "5", hedgeConfig)
		cmd.Dir = grpcjs
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred(), stderr.String())
		var calls []jsCall
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var c jsCall
			Expect(json.Unmarshal(sc.Bytes(), &c)).To(Succeed(), sc.Text())
			calls = append(calls, c)
		}
		Expect(calls).To(HaveLen(hedgeCalls))
		for _, c := range calls {
			Expect(c.Code).To(Equal(0), c.Details) // every call succeeded, by a hedge
		}

		// The losers' Records are logged when grpc-js cancels them, after
		// the winner's: wait for every call's two or three.
		Eventually(func() map[string][]record.Record { return byRequest(srv.Records()) }).
			WithTimeout(30 * time.Second).Should(And(HaveLen(hedgeCalls), HaveEach(ContainElement(HaveField("Fault", record.FaultHang)))))
		for request, recs := range byRequest(srv.Records()) {
			Expect(len(recs)).To(BeNumerically(">=", 2), request)
			// The first accepted is the one that hung: attempt 1, or a hedge
			// that reached the server first while attempt 1 was still
			// connecting.
			first := recs[0]
			Expect(first.Fault).To(Equal(record.FaultHang), request)
			Expect(first.GRPCCode).To(Equal("CANCELLED"), request) // grpc-js cancelled the loser
			won := 0
			attempts := []int{first.Attempt}
			for _, r := range recs[1:] {
				// a hedge: accepted while the first was still held
				Expect(r.TMs).To(BeNumerically("<", first.TMs+first.LatencyMs), request)
				attempts = append(attempts, r.Attempt)
				if r.GRPCCode == "OK" {
					won++
				}
			}
			// 1 from x-chaos-attempt, then grpc-previous-rpc-attempts + 1,
			// which grpc-js sends on each hedge: 2, 3
			slices.Sort(attempts)
			Expect(attempts).To(Equal([]int{1, 2, 3}[:len(recs)]), request)
			Expect(won).To(BeNumerically(">=", 1), request)
		}
		// analysis counts one logical request per call, each succeeded,
		// with its hedges as its attempts.
		Expect(srv).To(chaostest.HaveSuccessRate(Equal(1.0)))
		Expect(srv).To(chaostest.HaveAttemptsPerRequest(BeNumerically(">=", 2)))
		Expect(srv).To(chaostest.HaveAmplification(BeNumerically(">=", 2.0)))
	})
})

// byRequest groups Records by logical request id, each group in the order
// the server accepted them.
func byRequest(recs []record.Record) map[string][]record.Record {
	out := map[string][]record.Record{}
	for _, r := range recs {
		out[r.Request] = append(out[r.Request], r)
	}
	for _, g := range out {
		slices.SortFunc(g, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	}
	return out
}
