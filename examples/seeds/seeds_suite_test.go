package seeds_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/clients/pyrun"
)

// TestSeeds keeps what chaos finds in the seed designs' ports as verdicts.
func TestSeeds(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Seeds Suite")
}

// chaosBin is the chaos binary built for the suite; python is an
// interpreter with requests (the seed's client library).
var chaosBin, python string

var _ = BeforeSuite(func() {
	var err error
	python, err = pyrun.Python("requests")
	Expect(err).NotTo(HaveOccurred())
	chaosBin, err = pyrun.BuildChaos(GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
})
