package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chaos-harness/chaos/record"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// lockedBuffer is an output stream that a running command writes while the
// spec reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serving is a `chaos serve` running in the background.
type serving struct {
	url    string
	out    *lockedBuffer
	errOut *lockedBuffer
	stop   context.CancelFunc
	code   chan int
}

var listeningRE = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)\n`)

// startServe runs `chaos serve args...` until the spec stops it, and waits for
// its first line.
func startServe(args ...string) *serving {
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{out: &lockedBuffer{}, errOut: &lockedBuffer{}, stop: cancel, code: make(chan int, 1)}
	go func() {
		sv.code <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), streams{out: sv.out, err: sv.errOut})
	}()
	Eventually(func() string { return sv.out.String() }, 5*time.Second, 5*time.Millisecond).
		Should(MatchRegexp(listeningRE.String()), func() string { return sv.errOut.String() })
	sv.url = listeningRE.FindStringSubmatch(sv.out.String())[1]
	DeferCleanup(func() {
		cancel()
		Eventually(sv.code, 5*time.Second).Should(Receive())
	})
	return sv
}

// shutdown stops the command as SIGTERM would and returns its exit status.
func (sv *serving) shutdown() int {
	sv.stop()
	var code int
	Eventually(sv.code, 5*time.Second).Should(Receive(&code))
	sv.code <- code // for the cleanup
	return code
}

func get(url, client string) (int, string) {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set(record.HeaderClient, client)
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func writeFile(name, content string) string {
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
	return path
}

var _ = Describe("chaos serve --log-format json", func() {
	It("writes its own messages as JSON lines on standard error, the listening line unchanged", func() {
		sv := startServe("--log-format", "json")
		Eventually(sv.errOut.String, 5*time.Second).Should(ContainSubstring(`"msg":"admin API"`))
		Expect(sv.shutdown()).To(Equal(exitOK))
		lines := strings.Split(strings.TrimSpace(sv.errOut.String()), "\n")
		Expect(lines).To(HaveLen(3))
		var events []map[string]any
		for _, l := range lines {
			var e map[string]any
			Expect(json.Unmarshal([]byte(l), &e)).To(Succeed(), l)
			events = append(events, e)
		}
		Expect(events[0]).To(And(HaveKeyWithValue("msg", "serving"), HaveKeyWithValue("url", sv.url),
			HaveKeyWithValue("seed", 1.0), HaveKeyWithValue("level", "INFO")))
		Expect(events[1]).To(HaveKeyWithValue("admin_url", sv.url+"/_chaos/"))
		Expect(events[2]).To(And(HaveKeyWithValue("msg", "stopped"), HaveKeyWithValue("requests", 0.0)))
	})

	It("refuses another format in the words of the flag", func() {
		r := chaos("serve", "--log-format", "xml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(`--log-format "xml": use text or json`))
	})
})

var _ = Describe("chaos serve", func() {
	It("explains every flag and the default script in --help", func() {
		r := chaos("serve", "--help")
		Expect(r.code).To(Equal(exitOK))
		for _, flag := range []string{"--scenario", "--addr", "--log", "--seed", "--upstream", "--admin", "--admin-token", "--log-limit", "--max-held", "--max-admin-conns", "--log-sync", "--log-format"} {
			Expect(r.stdout).To(ContainSubstring(flag))
		}
		Expect(r.stdout).To(ContainSubstring("127.0.0.1:8080"))
		Expect(r.stdout).To(ContainSubstring("default script"))
		Expect(r.stdout).To(ContainSubstring("retry_after: 1s"))
	})

	It("serves a scenario file's server section, logs every request, and flushes the log on exit", func() {
		scenario := writeFile("sc.yaml", `
name: demo
seed: 5
clients: {count: 2}
server:
  per: client
  phases:
    - {name: warm, requests: 2, fault: {status: 503}}
    - {name: fine}
`)
		logPath := filepath.Join(GinkgoT().TempDir(), "arrivals.jsonl")
		sv := startServe("--scenario", scenario, "--log", logPath)
		Eventually(sv.errOut.String, 5*time.Second).Should(ContainSubstring("seed 5")) // printed after the listening line
		var got []int
		for i := 0; i < 3; i++ {
			status, _ := get(sv.url+"/api", "c1")
			got = append(got, status)
		}
		Expect(got).To(Equal([]int{503, 503, 200}))
		status, _ := get(sv.url+"/_chaos/health", "admin")
		Expect(status).To(Equal(200))

		Expect(sv.shutdown()).To(Equal(exitOK))
		Expect(strings.Count(sv.out.String(), "\n")).To(Equal(1), "only the listening line on stdout")
		f, err := os.Open(logPath)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		var recs []record.Record
		Expect(record.Read(f, func(r record.Record) error {
			recs = append(recs, r)
			return nil
		})).To(Succeed())
		Expect(recs).To(HaveLen(3), "admin requests are not logged")
		Expect(recs[0].Phase).To(Equal("warm"))
		Expect(recs[2].Phase).To(Equal("fine"))
		Expect(recs[2].Client).To(Equal("c1"))
	})

	It("serves the default script without --scenario", func() {
		sv := startServe("--seed", "3")
		seen := map[int]bool{}
		for i := 0; i < 60; i++ {
			status, _ := get(sv.url+"/", "c")
			seen[status] = true
		}
		Expect(seen).To(HaveKey(200))
		Expect(seen).To(HaveKey(503))
		Expect(sv.shutdown()).To(Equal(exitOK))
	})

	It("serves the server section of a built-in scenario by NAME", func() {
		sv := startServe("--scenario", "fail-first")
		// serve says which script after the listening line, which startServe
		// waits for: the stderr line may still be on its way.
		Eventually(sv.errOut.String, 5*time.Second).Should(ContainSubstring("script builtin:fail-first"))
		var got []int
		for i := 0; i < 3; i++ {
			status, _ := get(sv.url+"/", "c")
			got = append(got, status)
		}
		Expect(got).To(Equal([]int{503, 503, 200}), "each client's first 2 attempts fail")
		Expect(sv.shutdown()).To(Equal(exitOK))
	})

	It("accepts a bare server script", func() {
		sv := startServe("--scenario", writeFile("s.yaml", "phases: [{fault: {status: 418}}]\n"))
		status, _ := get(sv.url+"/", "c")
		Expect(status).To(Equal(418))
	})

	It("exits 2 naming file, line and field of an invalid script", func() {
		path := writeFile("bad.yaml", "server:\n  phases:\n    - fault: {status: 503, retry_after: 1500ms}\n")
		r := chaos("serve", "--addr", "127.0.0.1:0", "--scenario", path)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(path + ":3:"))
		Expect(r.stderr).To(ContainSubstring("server.phases[0].fault.retry_after"))
		Expect(r.stdout).To(BeEmpty())
	})

	It("exits 2 on an unreadable file, an unknown name, a bad seed and a busy address", func() {
		r := chaos("serve", "--scenario", "/no/such/file.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("cannot read scenario file"))

		r = chaos("serve", "--addr", "127.0.0.1:0", "--scenario", "no-such-scenario")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(`"no-such-scenario" is neither a file nor a built-in scenario`))

		path := writeFile("seed.yaml", "seed: many\nserver: {}\n")
		r = chaos("serve", "--addr", "127.0.0.1:0", "--scenario", path)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(path + ":1:1: seed:"))

		sv := startServe()
		r = chaos("serve", "--addr", strings.TrimPrefix(sv.url, "http://"))
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("listen on"))
	})

	It("exits 2 on --max-held below -1, --max-admin-conns 0 and an --addr without a port", func() {
		r := chaos("serve", "--max-held", "-5")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("--max-held -5: must be positive, or -1 for no limit"))
		r = chaos("serve", "--max-admin-conns", "0")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("--max-admin-conns 0: must be positive, or -1 for no limit"))
		r = chaos("serve", "--addr", "localhost")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("listen on localhost: address localhost: missing port in address"))
		Expect(r.stderr).NotTo(ContainSubstring("without a token"))
	})

	It("puts the admin API on its own address or turns it off", func() {
		sv := startServe("--admin", "off", "--scenario", writeFile("ok.yaml", "{}\n"))
		status, body := get(sv.url+"/_chaos/health", "a")
		Expect([]any{status, body}).To(Equal([]any{200, "OK\n"}), "with the admin off, /_chaos/ is an ordinary path of the script")
		Expect(sv.shutdown()).To(Equal(exitOK)) // so everything it would say is said
		Expect(sv.errOut.String()).NotTo(ContainSubstring("admin API at"))

		sv = startServe("--admin", "127.0.0.1:0", "--admin-token", "t")
		Eventually(sv.errOut.String, 5*time.Second).Should(MatchRegexp(`admin API at http://127\.0\.0\.1:\d+/_chaos/`))
	})

	It("refuses to serve the admin API beyond loopback without a token, before it listens", func() {
		for _, args := range [][]string{{"--addr", "0.0.0.0:0"}, {"--addr", ":0"}, {"--addr", "127.0.0.1:0", "--admin", "0.0.0.0:0"}} {
			r := chaos(append([]string{"serve"}, args...)...)
			Expect(r.code).To(Equal(exitBadInput), "%v", args)
			Expect(r.stdout).To(BeEmpty())
			Expect(r.stderr).To(ContainSubstring("without a token"))
			Expect(r.stderr).To(ContainSubstring("--insecure-admin"))
		}
		sv := startServe("--admin", "localhost:0")
		Eventually(sv.errOut.String, 5*time.Second).Should(ContainSubstring("admin API at"))
	})

	It("answers beyond --max-held with 503 overload at once", func() {
		sv := startServe("--max-held", "1", "--scenario", writeFile("h.yaml", "phases: [{fault: {hang: 1h}}]\n"))
		go func() { _, _ = get(sv.url+"/", "held") }()
		Eventually(func() string { _, body := get(sv.url+"/_chaos/stats", "a"); return body }, 5*time.Second, 5*time.Millisecond).
			Should(ContainSubstring(`"held": 1`))
		status, body := get(sv.url+"/", "next")
		Expect(status).To(Equal(503))
		Expect(body).To(ContainSubstring("--max-held"))
		Expect(sv.shutdown()).To(Equal(exitOK))
	})

	It("says at once that the --log file cannot be written (a full disk), and exits 1", func() {
		if _, err := os.Stat("/dev/full"); err != nil {
			Skip("no /dev/full here")
		}
		sv := startServe("--log", "/dev/full", "--scenario", writeFile("ok.yaml", "{}\n"))
		get(sv.url+"/", "a")
		Eventually(sv.errOut.String, 5*time.Second, 10*time.Millisecond).Should(ContainSubstring("no space left on device"))
		get(sv.url+"/", "a")
		Expect(sv.shutdown()).To(Equal(exitFailed))
		Expect(sv.errOut.String()).To(ContainSubstring("2 Records are not in /dev/full"))
	})

	It("with --log-sync, has every answered request in the log after a SIGKILL", func() {
		logPath := filepath.Join(GinkgoT().TempDir(), "arrivals.jsonl")
		child := startServeProcess("--log", logPath, "--log-sync", "--scenario",
			writeFile("s.yaml", "phases: [{mix: [{weight: 1}, {weight: 1, fault: {status: 503}}]}]\n"))
		c := &http.Client{Timeout: 5 * time.Second}
		defer c.CloseIdleConnections()
		answered := map[string]int{}
		for i := 0; i < 300; i++ { // bounded: 300 requests on loopback
			id := "r" + strconv.Itoa(i)
			req, _ := http.NewRequest("GET", child.url+"/", nil)
			req.Header.Set(record.HeaderClient, "c")
			req.Header.Set(record.HeaderRequest, id)
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answered[id] = resp.StatusCode
		}
		// Killed at once after the last answer: nothing is flushed on exit.
		// Without --log-sync the Records of the last 200ms are missing.
		Expect(child.cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
		Eventually(child.exited, 10*time.Second).Should(BeClosed())
		data, err := os.ReadFile(logPath)
		Expect(err).NotTo(HaveOccurred())
		logged := map[string]int{}
		Expect(record.Read(bytes.NewReader(data), func(r record.Record) error {
			logged[r.Request] = r.Status
			return nil
		})).To(Succeed())
		Expect(logged).To(Equal(answered), "every answered request is logged with the status its client got")
	})

	It("exits 2 on --log-sync without --log and on a bad --log-sync value", func() {
		r := chaos("serve", "--log-sync")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("--log-sync needs --log FILE"))
		log := filepath.Join(GinkgoT().TempDir(), "a.jsonl")
		for _, v := range []string{"fast", "0s", "-1s"} {
			r = chaos("serve", "--log", log, "--log-sync="+v)
			Expect(r.code).To(Equal(exitBadInput), v)
			Expect(r.stderr).To(ContainSubstring("--log-sync=" + v + ": give line (every Record) or a positive interval"))
		}
	})

	DescribeTable("flushes every Record, held ones too, when the process gets a signal",
		func(sig syscall.Signal) {
			logPath := filepath.Join(GinkgoT().TempDir(), "arrivals.jsonl")
			child := startServeProcess("--log", logPath, "--scenario",
				writeFile("s.yaml", "routes: [{path: /hang, phases: [{fault: {hang: 1h}}]}]\n"))
			for i := 0; i < 3; i++ {
				status, _ := get(child.url+"/", "c")
				Expect(status).To(Equal(200))
			}
			go func() { _, _ = get(child.url+"/hang", "h") }()
			Eventually(func() string { _, body := get(child.url+"/_chaos/stats", "a"); return body }, 5*time.Second, 5*time.Millisecond).
				Should(ContainSubstring(`"hung": 1`))

			Expect(child.cmd.Process.Signal(sig)).To(Succeed())
			Eventually(child.exited, 10*time.Second).Should(BeClosed())
			Expect(child.cmd.ProcessState.ExitCode()).To(Equal(exitOK), child.errOut.String())
			data, err := os.ReadFile(logPath)
			Expect(err).NotTo(HaveOccurred())
			var faults []string
			Expect(record.Read(bytes.NewReader(data), func(r record.Record) error {
				faults = append(faults, r.Fault)
				return nil
			})).To(Succeed())
			Expect(faults).To(ConsistOf("none", "none", "none", "hang"))
			Expect(data).To(HaveSuffix("\n"), "no partial line")
		},
		Entry("SIGTERM", syscall.SIGTERM),
		Entry("SIGINT", syscall.SIGINT),
	)
})

// serveChildEnv makes the test binary run the command line itself (main),
// so a spec can send real signals to a `chaos serve` process.
const serveChildEnv = "CHAOS_TEST_RUN_MAIN"

func init() {
	if os.Getenv(serveChildEnv) == "1" {
		main()
	}
}

// serveProcess is `chaos serve` running as a child process.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	errOut *lockedBuffer
	exited chan struct{}
}

// startServeProcess runs `chaos serve args...` in a child process (this test
// binary, running main) and waits for its first line; the process is killed
// when the spec ends if it is still running.
func startServeProcess(args ...string) *serveProcess {
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), serveChildEnv+"=1")
	return startServeCmd(cmd, listeningRE)
}

// startServeCmd starts cmd, a `chaos serve` not yet started, as
// startServeProcess does, expecting its first line to match listening (the
// URL its first group).
func startServeCmd(cmd *exec.Cmd, listening *regexp.Regexp) *serveProcess {
	GinkgoHelper()
	p := &serveProcess{cmd: cmd, errOut: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.errOut
	out, err := cmd.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	Expect(cmd.Start()).To(Succeed())
	DeferCleanup(func() {
		_ = cmd.Process.Kill()
		Eventually(p.exited, 10*time.Second).Should(BeClosed())
	})
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		first <- line
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(p.exited)
	}()
	var line string
	Eventually(first, 30*time.Second).Should(Receive(&line), func() string { return p.errOut.String() })
	Expect(line).To(MatchRegexp(listening.String()), p.errOut.String())
	p.url = listening.FindStringSubmatch(line)[1]
	return p
}
