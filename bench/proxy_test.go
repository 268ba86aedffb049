package bench

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"

	"github.com/chaos-harness/chaos/faultserver"
)

// upstreamTarget is the upstream every proxy forwards to, asked directly:
// net/http alone answering 200 "OK\n".
func upstreamTarget() target {
	url, closeFn := serveLoopback(fixed(http.StatusOK, "OK\n"))
	return target{"upstream", url + "/api/orders", http.StatusOK, closeFn}
}

// toxiproxyTarget is Toxiproxy in process, a TCP proxy with no toxic
// (passthrough) in front of upstream (host:port), on a free loopback port.
func toxiproxyTarget(b *testing.B, upstream string) target {
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(api, "bench", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	return target{"toxiproxy", "http://" + p.Listen + "/api/orders", http.StatusOK, p.Stop}
}

// reverseProxyTarget is net/http/httputil's ReverseProxy in front of
// upstream: a plain HTTP proxy, as the fault server's proxy mode is one. Its
// transport keeps 256 idle connections to the upstream, as the fault
// server's does (http.DefaultTransport keeps 2, and with 8 workers dialled
// a new connection for about a third of the requests).
func reverseProxyTarget(upstream string) target {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err) // upstream comes from serveLoopback
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	rp.Transport = tr
	url, closeFn := serveLoopback(rp)
	return target{"reverseproxy", url + "/api/orders", http.StatusOK, closeFn}
}

// BenchmarkProxy is the fault server's proxy mode (`chaos serve --upstream`,
// no fault drawn: every request is forwarded) against Toxiproxy's
// passthrough and httputil.ReverseProxy, all three in front of the same
// upstream, which is also asked directly. Rounds alternate between the
// targets as in BenchmarkFaultServer; share-of-X is the fault server's
// throughput as a share of X's (X's ns / ours).
func BenchmarkProxy(b *testing.B) {
	run := func(b *testing.B, opts faultserver.Options) {
		up := upstreamTarget()
		upURL := up.url[:len(up.url)-len("/api/orders")]
		opts.Upstream = upURL
		benchTargets(b, toxiproxyTarget(b, upURL[len("http://"):]),
			faultTarget(b, "{}", http.StatusOK, opts), reverseProxyTarget(upURL), up)
	}
	b.Run("passthrough", func(b *testing.B) { run(b, faultserver.Options{}) })
	b.Run("passthrough+log", func(b *testing.B) { run(b, faultserver.Options{Log: logFile(b)}) })
}
