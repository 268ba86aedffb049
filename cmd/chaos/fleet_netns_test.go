package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

// fleetHosts places the fleet's processes: the server's and each client
// shard's command is run through wrap, and the server listens on addr.
type fleetHosts struct {
	addr string
	wrap func(host string, args []string) []string // host: "server" or "shard-I"
}

// onLoopback runs every process on this host's loopback.
var onLoopback = fleetHosts{addr: "127.0.0.1:0", wrap: func(_ string, args []string) []string { return args }}

// netnsFleet makes a network namespace for the server and one for each of
// shards client shards, joined by veth pairs to a bridge in the server's
// namespace (10.77.0.1/24 the server, 10.77.0.2+I shard I), and removes them
// when the spec ends, whatever happened. It skips the spec where it cannot
// be made: not root, no ip(8), or a kernel that refuses namespaces.
func netnsFleet(shards int) fleetHosts {
	GinkgoHelper()
	if os.Geteuid() != 0 {
		Skip("the live fleet across network namespaces needs root (ip netns add): run the suite as root, as CI does")
	}
	ipPath, err := exec.LookPath("ip")
	if err != nil {
		Skip("the live fleet across network namespaces needs ip(8) from iproute2, which is not installed")
	}
	id := fmt.Sprintf("%d", os.Getpid()%100000)
	ns := func(host string) string { return "chaosfl-" + id + "-" + host }
	ip := func(args ...string) error {
		out, err := exec.Command(ipPath, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	must := func(args ...string) {
		GinkgoHelper()
		Expect(ip(args...)).To(Succeed())
	}
	srv := ns("server")
	if err := ip("netns", "add", srv); err != nil {
		Skip("cannot make a network namespace here (" + err.Error() + ")")
	}
	DeferCleanup(func() { _ = ip("netns", "del", srv) })
	must("-n", srv, "link", "set", "lo", "up")
	must("-n", srv, "link", "add", "br0", "type", "bridge")
	must("-n", srv, "addr", "add", "10.77.0.1/24", "dev", "br0")
	must("-n", srv, "link", "set", "br0", "up")
	for i := range shards {
		host := fmt.Sprintf("shard-%d", i)
		name := ns(host)
		must("netns", "add", name)
		DeferCleanup(func() { _ = ip("netns", "del", name) }) // takes its veth end, and so the pair, with it
		client, server := fmt.Sprintf("fc%s%d", id, i), fmt.Sprintf("fs%s%d", id, i)
		must("link", "add", client, "type", "veth", "peer", "name", server)
		must("link", "set", client, "netns", name)
		must("link", "set", server, "netns", srv)
		must("-n", srv, "link", "set", server, "master", "br0")
		must("-n", srv, "link", "set", server, "up")
		must("-n", name, "link", "set", "lo", "up")
		must("-n", name, "addr", "add", fmt.Sprintf("10.77.0.%d/24", 2+i), "dev", client)
		must("-n", name, "link", "set", client, "up")
	}
	return fleetHosts{addr: "10.77.0.1:0", wrap: func(host string, args []string) []string {
		return append([]string{ipPath, "netns", "exec", ns(host)}, args...)
	}}
}

// fleetCommand is this test binary running main with args on host.
func (h fleetHosts) command(host string, args ...string) *exec.Cmd {
	argv := h.wrap(host, append([]string{os.Args[0]}, args...))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), serveChildEnv+"=1", "CHAOS_ADMIN_TOKEN=fleet-token")
	return cmd
}

// runFleet runs scenario on hosts: chaos serve --fleet-shards shards, the
// shards, each a process, and chaos merge of their partials with the
// server's log into the returned directory.
func runFleet(hosts fleetHosts, tmp, scenario string, shards int, seed string) string {
	GinkgoHelper()
	logPath := filepath.Join(tmp, "server.jsonl")
	serve := hosts.command("server", "serve", "--scenario", scenario, "--addr", hosts.addr, "--fleet-shards", fmt.Sprint(shards),
		"--seed", seed, "--log", logPath, "--admin-token", "fleet-token")
	host := regexp.QuoteMeta(strings.TrimSuffix(hosts.addr, ":0"))
	p := startServeCmd(serve, regexp.MustCompile(`^listening on (http://`+host+`:\d+)\n`)) // on the namespace's address only
	url := p.url

	var dirs []string
	done := make(chan error, shards)
	outs := make([]*lockedBuffer, shards)
	for i := range shards {
		dir := filepath.Join(tmp, fmt.Sprintf("shard-%d", i))
		dirs = append(dirs, dir)
		shard := hosts.command(fmt.Sprintf("shard-%d", i), "run", scenario, "--engine", "live", "--seed", seed, "--quiet",
			"--server", url, "--clients", fmt.Sprintf("%d/%d", i, shards), "--barrier-timeout", "2m", "--out", dir)
		outs[i] = &lockedBuffer{}
		shard.Stdout, shard.Stderr = outs[i], outs[i]
		Expect(shard.Start()).To(Succeed())
		DeferCleanup(func() { _ = shard.Process.Kill() })
		go func() { done <- shard.Wait() }()
	}
	for range shards {
		var err error
		Eventually(done, 3*time.Minute).Should(Receive(&err))
		Expect(err).NotTo(HaveOccurred(), "a shard failed:\n%s\n%s", outs[0], outs[len(outs)-1])
	}
	// The log is flushed when serve exits on a signal.
	Expect(serve.Process.Signal(os.Interrupt)).To(Succeed())
	Eventually(p.exited, 30*time.Second).Should(BeClosed())
	Expect(serve.ProcessState.ExitCode()).To(Equal(0), "serve: %s", p.errOut)

	merged := filepath.Join(tmp, "merged")
	r := chaos(append(append([]string{"merge"}, dirs...), "--log", logPath, "--out", merged)...)
	Expect(r.code).To(Equal(0), "merge: %s", r.stderr)
	return merged
}

// fleetCounts are the counts of each policy in dir's result.json: what a
// fleet's merge must give as a single-host run does.
func fleetCounts(dir string) map[string]map[string]any {
	GinkgoHelper()
	res := resultOf(dir)
	out := map[string]map[string]any{}
	for _, p := range res["policies"].([]any) {
		pol := p.(map[string]any)
		counts := map[string]any{}
		for _, k := range []string{"logical_requests", "attempts", "succeeded", "unsent", "unreached", "fallback_served"} {
			Expect(pol).To(HaveKey(k))
			counts[k] = pol[k]
		}
		out[pol["name"].(string)] = counts
	}
	return out
}

var _ = Describe("a live fleet across hosts (serve --fleet-shards, run --clients, merge --log)", func() {
	scenario := filepath.Join("testdata", "scenarios", "fleet.yaml")
	// The counts of testdata/scenarios/fleet.yaml, by hand: 12 clients of 5
	// requests, and each client's first 3 attempts fail (503).
	//   no-retry: 60 logical, 60 attempts; requests 4 and 5 succeed: 24.
	//   retry: the first request takes 4 attempts, the rest 1: 12·8 = 96
	//     attempts, all 60 succeed.
	//   breaker-fallback: requests 1 and 2 fail (24 attempts) and trip the
	//     breaker (2 failures), open for 30s: requests 3..5 are unsent
	//     (36); the fallback answers all 60, none succeeds.
	want := map[string]map[string]any{
		"no-retry":         {"logical_requests": 60.0, "attempts": 60.0, "succeeded": 24.0, "unsent": 0.0, "unreached": 0.0, "fallback_served": 0.0},
		"retry":            {"logical_requests": 60.0, "attempts": 96.0, "succeeded": 60.0, "unsent": 0.0, "unreached": 0.0, "fallback_served": 0.0},
		"breaker-fallback": {"logical_requests": 60.0, "attempts": 24.0, "succeeded": 0.0, "unsent": 36.0, "unreached": 0.0, "fallback_served": 60.0},
	}

	single := func(tmp string) map[string]map[string]any {
		GinkgoHelper()
		dir := filepath.Join(tmp, "single")
		r := chaos("run", scenario, "--engine", "live", "--seed", "11", "--quiet", "--out", dir)
		Expect(r.code).To(Equal(0), r.stderr)
		return fleetCounts(dir)
	}

	It("with the server and two shards each in a network namespace of its own, merges to the single-host run's counts", func() {
		hosts := netnsFleet(2)
		tmp := GinkgoT().TempDir()
		merged := runFleet(hosts, tmp, scenario, 2, "11")
		Expect(fleetCounts(merged)).To(Equal(want))
		Expect(single(tmp)).To(Equal(want))
		// Every Record of the merged log is one a shard's client made, under
		// its global key, with what that client saw.
		b, err := os.ReadFile(filepath.Join(merged, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		Expect(lines).To(HaveLen(60 + 96 + 24))
		for _, l := range lines {
			var r record.Record
			Expect(json.Unmarshal([]byte(l), &r)).To(Succeed())
			Expect(r.Client).To(MatchRegexp(`^c([1-9]|1[0-2])$`))
			Expect(r.Outcome).NotTo(BeEmpty(), l)
			// Each policy's t_ms from its release, the clients' clocks set to
			// the server's there: on this one machine a client's clock is
			// behind the server's by the release's trip, so an attempt is sent
			// before the server accepts it, on the one clock.
			Expect(r.TMs).To(BeNumerically(">=", 0), l)
			Expect(*r.SentMs).To(BeNumerically("<=", r.TMs+1e-3), l)
		}
	})

	It("on loopback with three shard processes, merges to the single-host run's counts", func() {
		tmp := GinkgoT().TempDir()
		Expect(fleetCounts(runFleet(onLoopback, tmp, scenario, 3, "11"))).To(Equal(want))
	})
})
