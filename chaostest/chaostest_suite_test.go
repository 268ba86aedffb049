package chaostest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestChaostest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Chaostest Suite")
}
