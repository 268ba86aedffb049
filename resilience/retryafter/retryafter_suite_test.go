package retryafter_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRetryAfter(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "retryafter Suite")
}
