package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the live fleet's flags and failures", func() {
	scenario := filepath.Join("testdata", "scenarios", "fleet.yaml")

	It("refuses --clients and --server where they do not apply, and --fleet-shards without a scenario, with exit 2 naming the flag", func() {
		for _, c := range []struct {
			args []string
			says string
		}{
			{[]string{"run", scenario, "--engine", "live", "--clients", "0/2"}, "--clients needs --server URL"},
			{[]string{"run", scenario, "--engine", "live", "--server", "http://127.0.0.1:1"}, "--server needs --clients I/N"},
			{[]string{"run", scenario, "--server", "http://127.0.0.1:1", "--clients", "0/2"}, "--clients needs --engine live, not sim"},
			{[]string{"run", scenario, "--engine", "live", "--server", "127.0.0.1:1", "--clients", "0/2"}, `--server "127.0.0.1:1": give the server's base URL`},
			{[]string{"run", scenario, "--engine", "live", "--server", "http://127.0.0.1:1", "--clients", "2/2"}, "need 0 <= I < K"},
			{[]string{"run", scenario, "--engine", "live", "--server", "http://127.0.0.1:1", "--clients", "0/2", "--repeat", "2"}, "does not go with --repeat"},
			{[]string{"serve", "--addr", "127.0.0.1:0", "--fleet-shards", "2"}, "--fleet-shards needs --scenario"},
			{[]string{"serve", "--addr", "127.0.0.1:0", "--fleet-shards", "-1", "--scenario", scenario}, "--fleet-shards -1: must be positive"},
			{[]string{"serve", "--addr", "127.0.0.1:0", "--fleet-shards", "2", "--scenario", scenario, "--admin", "127.0.0.1:0"}, "needs the admin API on the --addr listener"},
		} {
			r := chaos(c.args...)
			Expect(r.code).To(Equal(2), "%v: %s", c.args, r.stderr)
			Expect(r.stderr).To(ContainSubstring(c.says), "%v", c.args)
		}
	})

	It("gives up at a barrier that never fills after --barrier-timeout, with exit 2 naming how many shards arrived", func() {
		sv := startServeProcess("--scenario", scenario, "--fleet-shards", "2")
		r := chaos("run", scenario, "--engine", "live", "--quiet", "--server", sv.url, "--clients", "1/2",
			"--barrier-timeout", "300ms", "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(2), r.stderr)
		// The other shard never comes: whatever the machine's speed, 1 of 2.
		Expect(r.stderr).To(ContainSubstring("the barrier at the start of policy no-retry did not fill within --barrier-timeout 300ms: 1 of 2 shards had arrived"))
	})

	It("is refused by the server with exit 2 when the shards' seed is not the server's", func() {
		sv := startServeProcess("--scenario", scenario, "--fleet-shards", "1", "--seed", "12")
		r := chaos("run", scenario, "--engine", "live", "--quiet", "--server", sv.url, "--clients", "0/1", "--seed", "11", "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(2), r.stderr)
		Expect(r.stderr).To(ContainSubstring("refused the barrier at the start of policy no-retry (409 Conflict): seed 11: this server's faults are drawn with seed 12; run the shards with --seed 12"))
	})

	It("merges a fleet's partials only with the server's log (--log), and refuses a log of another server", func() {
		tmp := GinkgoT().TempDir()
		dir := filepath.Join(tmp, "s0")
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		part := `{"partial_version":1,"kind":"fleet","scenario":"fleet","scenario_file":"f.yaml","scenario_text":"","engine":"live",` +
			`"first_seed":11,"items":0,"shards":1,"command":"chaos run f.yaml","shard":0,"fleet":{"shard":0,"shards":1,"policies":[]}}`
		Expect(os.WriteFile(filepath.Join(dir, "partial.json"), []byte(part), 0o644)).To(Succeed())
		r := chaos("merge", dir, "--out", filepath.Join(tmp, "m"))
		Expect(r.code).To(Equal(2), r.stderr)
		Expect(r.stderr).To(ContainSubstring("needs --log FILE"))

		src, err := os.ReadFile(scenario)
		Expect(err).NotTo(HaveOccurred())
		part = `{"partial_version":1,"kind":"fleet","scenario":"fleet","scenario_file":"fleet.yaml","scenario_text":` + quoteJSON(string(src)) +
			`,"engine":"live","first_seed":11,"items":0,"shards":1,"command":"chaos run fleet.yaml","shard":0,"fleet":{"shard":0,"shards":1,"policies":[{"name":"no-retry","logical_requests":0,"succeeded":0,"fallbacks":0,"gave_up":0,"unsent":0,"end_ns":0}]}}`
		Expect(os.WriteFile(filepath.Join(dir, "partial.json"), []byte(part), 0o644)).To(Succeed())
		log := filepath.Join(tmp, "plain.jsonl") // a plain serve's log: no policy on its Records
		Expect(os.WriteFile(log, []byte(`{"t_ms":1,"client":"c1","request":"c1/1","attempt":1,"method":"GET","path":"/","status":200,"retry_after_ms":0,"latency_ms":1,"body_bytes":0}`+"\n"), 0o644)).To(Succeed())
		r = chaos("merge", dir, "--log", log, "--out", filepath.Join(tmp, "m"))
		Expect(r.code).To(Equal(2), r.stderr)
		Expect(r.stderr).To(ContainSubstring("1 Records of the log were accepted outside the fleet's barriers"))
	})
})

// quoteJSON is s as a JSON string.
func quoteJSON(s string) string {
	b, err := json.Marshal(s)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
