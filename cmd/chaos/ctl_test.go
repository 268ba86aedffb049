package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// ctlServer starts a fault server on loopback whose first two requests get
// 503 and the rest 200, its admin API behind token.
func ctlServer(token string) *faultserver.Server {
	spec, _, err := faultserver.ParseScript("script.yaml", []byte("phases:\n  - {name: down, requests: 2, fault: {status: 503}}\n  - {name: up}\n"))
	Expect(err).NotTo(HaveOccurred())
	srv, err := faultserver.NewStarted(spec, faultserver.Options{Seed: 1, Admin: faultserver.AdminOptions{Token: token}})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return srv
}

// status is the status of a GET of url.
func status(url string) int {
	code, body := get(url, "ctl")
	Expect(code).NotTo(BeZero(), body)
	return code
}

var _ = Describe("chaos ctl", func() {
	It("reads the status, the stats and the log of a running server", func() {
		srv := ctlServer("s3cret")
		Expect([]int{status(srv.URL() + "/a"), status(srv.URL() + "/a"), status(srv.URL() + "/a")}).To(Equal([]int{503, 503, 200}))

		r := chaos("ctl", "status", "--url", srv.URL(), "--token", "s3cret")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring(`"status": "ok"`))

		r = chaos("ctl", "stats", "--url", srv.URL(), "--token", "s3cret")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		var st faultserver.Stats
		Expect(json.Unmarshal([]byte(r.stdout), &st)).To(Succeed())
		Expect(st.Requests).To(Equal(int64(3)))

		r = chaos("ctl", "log", "--url", srv.URL(), "--token", "s3cret", "--offset", "1")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		var recs []record.Record
		Expect(record.Read(strings.NewReader(r.stdout), func(rec record.Record) error {
			recs = append(recs, rec)
			return nil
		})).To(Succeed())
		Expect(recs).To(HaveLen(2), "from offset 1: the second and third requests")
		Expect(recs[0].Status).To(Equal(503))
		Expect(recs[1].Status).To(Equal(200))
	})

	It("swaps the script from a file, and resets it", func() {
		srv := ctlServer("")
		file := writeFile("ok.yaml", "phases:\n  - {name: teapot, fault: {status: 418}}\n")
		r := chaos("ctl", "swap", file, "--url", srv.URL())
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(status(srv.URL() + "/a")).To(Equal(418))

		r = chaos("ctl", "script", "--url", srv.URL())
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(ContainSubstring("teapot"))

		Expect(chaos("ctl", "reset", "--url", srv.URL()).code).To(Equal(exitOK))
	})

	It("refuses a bad script with the server's problems at their line and field, exit 2", func() {
		srv := ctlServer("")
		file := writeFile("bad.yaml", "phases:\n  - {fault: {status: 999}}\n")
		r := chaos("ctl", "swap", file, "--url", srv.URL())
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("PUT /_chaos/script: 400 Bad Request"))
		Expect(r.stderr).To(ContainSubstring("phases[0].fault.status"))
		Expect(status(srv.URL()+"/a")).To(Equal(503), "the script in force is kept")
	})

	It("says what to do about a wrong token (exit 2) and an unreachable server (exit 1)", func() {
		srv := ctlServer("s3cret")
		r := chaos("ctl", "stats", "--url", srv.URL(), "--token", "wrong")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("401 Unauthorized"))
		Expect(r.stderr).To(ContainSubstring("--token or $CHAOS_ADMIN_TOKEN"))

		closed := ctlServer("")
		url := closed.URL()
		Expect(closed.Close()).To(Succeed())
		r = chaos("ctl", "status", "--url", url)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stderr).To(ContainSubstring("cannot reach the admin API at " + url))

		r = chaos("ctl", "status", "--url", "ftp://x")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(`--url "ftp://x": want the server's base URL`))
	})

	It("follows the log until interrupted, then exits 0", func() {
		srv := ctlServer("")
		Expect(status(srv.URL() + "/a")).To(Equal(503))
		ctx, cancel := context.WithCancel(context.Background())
		out := &lockedBuffer{}
		done := make(chan int)
		go func() {
			done <- run(ctx, []string{"ctl", "log", "--follow", "--url", srv.URL()}, streams{out: out, err: &bytes.Buffer{}})
		}()
		Eventually(out.String).Should(ContainSubstring(`"status":503`))
		Expect(status(srv.URL() + "/a")).To(Equal(503))
		Expect(status(srv.URL() + "/a")).To(Equal(200))
		Eventually(out.String).Should(ContainSubstring(`"status":200`), "a Record that came after the first page")
		cancel()
		Eventually(done).Should(Receive(Equal(exitOK)))
		Expect(strings.Count(out.String(), "\n")).To(Equal(3), "each Record once")
	})
})
