package python_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/clients/pyrun"
)

// testFunc counts the pytest tests written in tests/ (a parametrized one
// runs once per parameter, so a run reports at least this many).
var testFunc = regexp.MustCompile(`(?m)^def test_`)

// summary is pytest -q's last line when every test passed: "22 passed in 2.23s".
var summary = regexp.MustCompile(`(?m)^=*\s*(\d+) passed in [\d.]+s`)

var _ = Describe("the pytest suite of clients/python", Ordered, func() {
	var python, bin, here string
	var written int

	BeforeAll(func() {
		var err error
		python, err = pyrun.Python("pytest")
		Expect(err).NotTo(HaveOccurred())
		bin, err = pyrun.BuildChaos(GinkgoT().TempDir())
		Expect(err).NotTo(HaveOccurred())
		here, err = filepath.Abs(".")
		Expect(err).NotTo(HaveOccurred())

		files, err := filepath.Glob("tests/test_*.py")
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			src, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			written += len(testFunc.FindAll(src, -1))
		}
		Expect(written).To(BeNumerically(">=", 20), "tests/ lost its tests")
	})

	// expectAllPassed asserts pytest exited 0 and ran every test written.
	expectAllPassed := func(out []byte, err error) {
		Expect(err).NotTo(HaveOccurred(), "pytest failed:\n%s", out)
		m := summary.FindSubmatch(out)
		Expect(m).NotTo(BeNil(), "no all-passed summary line (some failed, errored or skipped?) in:\n%s", out)
		passed, _ := strconv.Atoi(string(m[1]))
		Expect(passed).To(BeNumerically(">=", written), "%s", out)
	}

	It("passes from the source tree, the package on PYTHONPATH and the plugin given with -p", func() {
		// Autoload off, so no other installed plugin takes part.
		cmd := exec.Command(python, "-m", "pytest", "-q", "-p", "chaos_harness.pytest_plugin",
			"-p", "no:cacheprovider", "tests")
		cmd.Env = pyrun.Env("CHAOS_BIN="+bin, "PYTHONPATH="+here,
			"PYTHONDONTWRITEBYTECODE=1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1")
		out, err := cmd.CombinedOutput()
		expectAllPassed(out, err)
	})

	It("installs with pip offline, and pytest then loads the plugin from its entry point", func() {
		pip, err := pyrun.Python("pip")
		Expect(err).NotTo(HaveOccurred())
		target := GinkgoT().TempDir()
		install := exec.Command(pip, "-m", "pip", "install", "--no-index", "--no-deps",
			"--disable-pip-version-check", "--target", target, here)
		install.Env = pyrun.Env("PYTHONDONTWRITEBYTECODE=1", "PIP_NO_CACHE_DIR=1")
		out, err := install.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "pip install --no-index failed:\n%s", out)
		Expect(filepath.Join(target, "chaos_harness-0.1.0.dist-info", "entry_points.txt")).To(BeARegularFile())

		// No -p: the pytest11 entry point of the installed package loads it.
		cmd := exec.Command(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
		cmd.Env = pyrun.Env("CHAOS_BIN="+bin, "PYTHONPATH="+target, "PYTHONDONTWRITEBYTECODE=1",
			"PYTEST_DISABLE_PLUGIN_AUTOLOAD=") // empty: autoload on
		out, err = cmd.CombinedOutput()
		expectAllPassed(out, err)
	})
})
