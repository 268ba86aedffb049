package faultserver_test

import (
	"bytes"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// startServer parses, compiles and starts a script on a free loopback port and
// closes it when the spec ends.
func startServer(src string, opts faultserver.Options) *faultserver.Server {
	spec, _, err := faultserver.ParseScript("test.yaml", []byte(src))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	srv, err := faultserver.NewStarted(spec, opts)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return srv
}

// freshClient is Go's own client on a new connection per request, so that
// the transport's silent retry of idempotent requests on reused connections
// does not hide the fault under test.
func freshClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	DeferCleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// call sends one request as client (X-Chaos-Client) and returns the response
// with its whole body read, or the error Go's client met.
func call(c *http.Client, method, url, client string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, url, nil)
	Expect(err).NotTo(HaveOccurred())
	if client != "" {
		req.Header.Set(record.HeaderClient, client)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// waitRecords waits until the server has logged n Records and returns them.
func waitRecords(srv *faultserver.Server, n int) []record.Record {
	EventuallyWithOffset(1, func() []record.Record { return srv.Records() }, 5*time.Second, 5*time.Millisecond).
		Should(HaveLen(n))
	return srv.Records()
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
