package grpcfault

import (
	"cmp"
	"context"
	"net"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// startServer serves the script (YAML) with seed 1 on a free loopback port
// until the spec ends.
func startServer(script string) *Server {
	spec, _, err := faultserver.ParseScript("script.yaml", []byte(script))
	Expect(err).NotTo(HaveOccurred())
	srv, err := NewStarted(spec, Options{Seed: 1})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return srv
}

// dial is a grpc-go client of srv with the service config (JSON, "" for
// none), whose connections note the GOAWAY frames they read.
func dial(srv *Server, serviceConfig string) (*grpc.ClientConn, *clientFrames) {
	frames := &clientFrames{}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			return &readWatch{Conn: c, frames: frames}, nil
		}),
	}
	if serviceConfig != "" {
		opts = append(opts, grpc.WithDefaultServiceConfig(serviceConfig))
	}
	cc, err := grpc.NewClient("passthrough:///"+srv.Addr(), opts...)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = cc.Close() }) // a spec may have closed it
	return cc, frames
}

// call invokes method with the request bytes and the X-Chaos metadata given
// as pairs, within timeout; it returns the reply and the call's header and
// trailer metadata.
func call(cc *grpc.ClientConn, method string, req []byte, timeout time.Duration, kv ...string) ([]byte, metadata.MD, metadata.MD, error) {
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), kv...), timeout)
	defer cancel()
	var reply []byte
	var header, trailer metadata.MD
	err := cc.Invoke(ctx, method, &req, &reply, grpc.ForceCodec(RawCodec{}), grpc.Header(&header), grpc.Trailer(&trailer))
	return reply, header, trailer, err
}

// clientFrames counts the GOAWAY frames the client's connections read.
type clientFrames struct {
	mu     sync.Mutex
	goaway int
}

func (f *clientFrames) goAways() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.goaway
}

// readWatch follows the frames a client reads. The server's side of an
// HTTP/2 connection is frames from its first byte, as frameWatch reads it.
type readWatch struct {
	net.Conn
	frames *clientFrames
	watch  frameWatch
}

func (r *readWatch) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	if r.watch.scan(b[:n]) {
		r.frames.mu.Lock()
		r.frames.goaway++
		r.frames.mu.Unlock()
	}
	return n, err
}

// arrivals waits until srv has logged n Records (a call whose transport a
// fault cut is logged after its client saw the error) and returns them in
// the order they were accepted.
func arrivals(srv *Server, n int) []record.Record {
	Eventually(srv.Records).WithTimeout(10 * time.Second).Should(HaveLen(n))
	recs := srv.Records()
	slices.SortFunc(recs, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return recs
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
