package faultserver_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFaultserver(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Faultserver Suite")
}
