package realclients_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRealClients(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Verdicts on real client libraries")
}
