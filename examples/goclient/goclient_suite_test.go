package goclient_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestGoclient(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Orders client resilience Suite")
}
