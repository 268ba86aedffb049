package grpcfault

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestGrpcfault(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Grpcfault Suite")
}
