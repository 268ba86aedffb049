package logfile_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLogfile(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Logfile Suite")
}
