package hashmix_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestHashmix(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hashmix Suite")
}
