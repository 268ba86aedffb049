// Package pyrun is what the Go specs that drive Python code share: it builds
// the chaos binary the Python side runs, and finds a Python interpreter that
// has the modules a suite needs (Debian's python3-pytest, python3-requests).
package pyrun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// chaosPackage is the command the Python side drives.
const chaosPackage = "github.com/chaos-harness/chaos/cmd/chaos"

// BuildChaos builds cmd/chaos into dir and returns the binary's path.
func BuildChaos(dir string) (string, error) {
	bin := filepath.Join(dir, "chaos")
	out, err := exec.Command("go", "build", "-o", bin, chaosPackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build -o %s %s: %v\n%s", bin, chaosPackage, err, out)
	}
	return bin, nil
}

// Python returns the first of python3 on PATH and /usr/bin/python3 that
// imports every module, with the Debian packages to install when none does
// (module "requests" is package python3-requests).
func Python(modules ...string) (string, error) {
	script := "import " + strings.Join(modules, ", ")
	var tried []string
	for _, candidate := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(candidate)
		if err != nil {
			tried = append(tried, candidate+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", script).CombinedOutput()
		if err == nil {
			return path, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %s", path, lastLine(out)))
	}
	pkgs := make([]string, len(modules))
	for i, m := range modules {
		pkgs[i] = "python3-" + m
	}
	return "", fmt.Errorf("no python3 that can %q (%s): apt-get install %s",
		script, strings.Join(tried, "; "), strings.Join(pkgs, " "))
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// Env is os.Environ with the pairs given ("KEY=value") put in place of any
// of the same key.
func Env(pairs ...string) []string {
	env := os.Environ()
	for _, pair := range pairs {
		key, _, _ := strings.Cut(pair, "=")
		env = removeKey(env, key)
	}
	return append(env, pairs...)
}

func removeKey(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
