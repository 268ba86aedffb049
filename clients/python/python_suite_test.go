package python_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// TestPythonPackage runs the Python package's pytest suite against a chaos
// binary built for the run.
func TestPythonPackage(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Python package Suite")
}
