package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("serve --log --log-header on one clock", func() {
	// serveLogged runs a serve process with --log, sends it one request as
	// client c1, stops it with SIGTERM and returns the log's path.
	serveLogged := func(dir, name string) string {
		logPath := filepath.Join(dir, name)
		child := startServeProcess("--log", logPath, "--log-header", "--server-name", "api")
		c := &http.Client{Timeout: 5 * time.Second}
		defer c.CloseIdleConnections()
		req, _ := http.NewRequest("GET", child.url+"/", nil)
		req.Header.Set(record.HeaderClient, "c1")
		req.Header.Set(record.HeaderRequest, "c1/1")
		req.Header.Set(record.HeaderAttempt, "1")
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		Expect(child.cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
		Eventually(child.exited, 10*time.Second).Should(BeClosed())
		return logPath
	}

	It("writes the epoch and a server run as the log's first line, and analyze tells two runs of one server apart", func() {
		dir := GinkgoT().TempDir()
		a := serveLogged(dir, "a.jsonl")
		b := serveLogged(dir, "b.jsonl")
		var headers []record.LogHeader
		for _, path := range []string{a, b} {
			data, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			first, _, _ := bytes.Cut(data, []byte("\n"))
			var h struct {
				Version int `json:"chaos_log"`
				record.LogHeader
			}
			Expect(json.Unmarshal(first, &h)).To(Succeed())
			Expect(h.Version).To(Equal(1))
			Expect(h.EpochUnixMs).To(BeNumerically(">", 1.7e12)) // after 2023: the wall clock
			Expect(h.ServerRun).To(HaveLen(16))
			headers = append(headers, h.LogHeader)
		}
		Expect(headers[1].EpochUnixMs).To(BeNumerically(">", headers[0].EpochUnixMs), "b started after a")
		Expect(headers[1].ServerRun).NotTo(Equal(headers[0].ServerRun))

		out := filepath.Join(dir, "report")
		r := chaos("analyze", a, b, "--out", out, "--quiet")
		Expect(r.code).To(Equal(0), r.stderr)
		var res struct {
			Notes    []string `json:"notes"`
			Policies []struct {
				LogicalRequests int `json:"logical_requests"`
			} `json:"policies"`
		}
		data, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(data, &res)).To(Succeed())
		Expect(res.Notes).To(ContainElement(ContainSubstring("logs put on one clock by their epoch_unix_ms")))
		Expect(headers[0].Server).To(Equal("api"))
		Expect(res.Notes).To(ContainElement(ContainSubstring("b.jsonl is another run of server api")))
		// c1/1 of each run stays a logical request of its own: the second's key is prefixed.
		Expect(res.Policies[0].LogicalRequests).To(Equal(2))
	})
})
