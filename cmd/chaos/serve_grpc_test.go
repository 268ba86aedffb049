package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/record"
)

var grpcListeningRE = regexp.MustCompile(`^listening on grpc://(127\.0\.0\.1:\d+)\n`)

// bytesCodec sends and reads messages as raw bytes, as a client that knows
// no .proto does.
type bytesCodec struct{}

func (bytesCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (bytesCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (bytesCodec) Name() string { return "proto" }

var _ = Describe("chaos serve --grpc", func() {
	It("prints its grpc:// address first, serves the example script to grpc-go and logs Records chaos analyze reads", func() {
		logPath := filepath.Join(GinkgoT().TempDir(), "arrivals.jsonl")
		ctx, cancel := context.WithCancel(context.Background())
		out, errOut := &lockedBuffer{}, &lockedBuffer{}
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, []string{"serve", "--grpc", "--addr", "127.0.0.1:0", "--seed", "3",
				"--scenario", "../../examples/grpc/orders.yaml", "--log", logPath}, streams{out: out, err: errOut})
		}()
		DeferCleanup(cancel)
		Eventually(out.String, 5*time.Second, 5*time.Millisecond).Should(MatchRegexp(grpcListeningRE.String()), errOut.String)
		addr := grpcListeningRE.FindStringSubmatch(out.String())[1]

		cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultServiceConfig(`{"methodConfig": [{"name": [{"service": "shop.Orders"}],
				"retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
				"backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}`))
		Expect(err).NotTo(HaveOccurred())
		defer cc.Close()
		callCtx, stop := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(),
			"x-chaos-client", "c1", "x-chaos-request", "c1/1", "x-chaos-attempt", "1"), 30*time.Second)
		defer stop()
		req, reply := []byte("order 1"), []byte(nil)
		// the script's first two calls of c1 fail UNAVAILABLE; grpc-go's third attempt succeeds
		Expect(cc.Invoke(callCtx, "/shop.Orders/Get", &req, &reply, grpc.ForceCodec(bytesCodec{}))).To(Succeed())
		Expect(string(reply)).To(Equal("order 1"))
		// /shop.Orders/Create has a route of its own: RESOURCE_EXHAUSTED, not retried
		createCtx := metadata.AppendToOutgoingContext(context.Background(), "x-chaos-client", "c1", "x-chaos-request", "c1/2")
		err = cc.Invoke(createCtx, "/shop.Orders/Create", &req, &reply, grpc.ForceCodec(bytesCodec{}))
		Expect(grpcstatus.Code(err)).To(Equal(codes.ResourceExhausted))

		cancel()
		Eventually(code, 5*time.Second).Should(Receive(Equal(exitOK)))
		Expect(errOut.String()).To(ContainSubstring("stopped after 4 calls"))
		f, err := os.Open(logPath)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		var got []string
		Expect(record.Read(f, func(r record.Record) error {
			got = append(got, r.Path+" "+r.GRPCCode)
			return nil
		})).To(Succeed())
		Expect(got).To(Equal([]string{"/shop.Orders/Get UNAVAILABLE", "/shop.Orders/Get UNAVAILABLE",
			"/shop.Orders/Get OK", "/shop.Orders/Create RESOURCE_EXHAUSTED"}))

		dir := GinkgoT().TempDir()
		r := chaos("analyze", logPath, "--out", dir, "--quiet")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		data, err := os.ReadFile(filepath.Join(dir, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var res struct {
			Policies []struct {
				LogicalRequests int `json:"logical_requests"`
				Succeeded       int `json:"succeeded"`
				Attempts        int `json:"attempts"`
			} `json:"policies"`
		}
		Expect(json.Unmarshal(data, &res)).To(Succeed())
		Expect(res.Policies).To(HaveLen(1))
		// two logical requests (c1/1: three attempts; c1/2, the Create call: one), one succeeded
		Expect(res.Policies[0].LogicalRequests).To(Equal(2))
		Expect(res.Policies[0].Succeeded).To(Equal(1))
		Expect(res.Policies[0].Attempts).To(Equal(4))
	})

	DescribeTable("refuses a flag that has no meaning over gRPC, exit status 2",
		func(flag ...string) {
			r := chaos(append([]string{"serve", "--grpc", "--addr", "127.0.0.1:0"}, flag...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring("--" + strings.TrimPrefix(flag[0], "--") + " has no meaning with --grpc"))
		},
		Entry("--upstream", "--upstream", "http://127.0.0.1:1"),
		Entry("--admin", "--admin", "off"),
		Entry("--max-held", "--max-held", "5"),
	)

	It("serves a script with protocol: grpc to gRPC clients without --grpc", func() {
		path := writeFile("grpc.yaml", "protocol: grpc\nphases:\n  - {fault: {grpc_code: NOT_FOUND}}\n")
		ctx, cancel := context.WithCancel(context.Background())
		out, errOut := &lockedBuffer{}, &lockedBuffer{}
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--scenario", path}, streams{out: out, err: errOut})
		}()
		DeferCleanup(cancel)
		Eventually(out.String, 5*time.Second, 5*time.Millisecond).Should(MatchRegexp(grpcListeningRE.String()), errOut.String)
		addr := grpcListeningRE.FindStringSubmatch(out.String())[1]
		cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		Expect(err).NotTo(HaveOccurred())
		defer cc.Close()
		callCtx, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		req, reply := []byte("x"), []byte(nil)
		err = cc.Invoke(callCtx, "/shop.Orders/Get", &req, &reply, grpc.ForceCodec(bytesCodec{}))
		Expect(grpcstatus.Code(err)).To(Equal(codes.NotFound))
		cancel()
		Eventually(code, 5*time.Second).Should(Receive(Equal(exitOK)))
	})

	It("reports a bad grpc_code at its file, line and field, exit status 2", func() {
		path := writeFile("bad.yaml", "phases:\n  - {fault: {grpc_code: UNAVAILBLE}}\n")
		r := chaos("serve", "--grpc", "--addr", "127.0.0.1:0", "--scenario", path)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(MatchRegexp(`bad\.yaml:2:\d+: phases\[0\]\.fault\.grpc_code: "UNAVAILBLE" is not a gRPC status code`))
	})
})
