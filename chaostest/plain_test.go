package chaostest_test

import (
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
)

// TestPlainTesting uses chaostest the way a suite without Ginkgo does: the
// server takes *testing.T and the matchers run under gomega.NewWithT.
func TestPlainTesting(t *testing.T) {
	g := gomega.NewWithT(t)
	srv := chaostest.NewServer(t, `
per: client
phases:
  - {requests: 1, fault: {status: 503}}
  - {}
`)
	fleet{clients: 3, requests: 2, retries: 2, base: time.Millisecond}.run(srv.URL)
	g.Expect(srv).To(chaostest.HaveSuccessRate(gomega.BeNumerically("==", 1)))
	g.Expect(srv).To(chaostest.HaveAttemptsPerRequest(gomega.BeNumerically("<=", 2)))
	g.Expect(srv).To(chaostest.HaveAmplification(gomega.BeNumerically("==", 1.5)))
}
