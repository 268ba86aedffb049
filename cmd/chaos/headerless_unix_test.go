//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("chaos analyze of a header-less log it cannot read twice", func() {
	It("is bad input naming the log, as the first pass needs a second", func() {
		fifo := filepath.Join(GinkgoT().TempDir(), "arrivals.fifo")
		Expect(syscall.Mkfifo(fifo, 0o600)).To(Succeed())
		go func() {
			defer GinkgoRecover()
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			Expect(err).NotTo(HaveOccurred())
			_, _ = w.WriteString(`{"t_ms":0,"client":"127.0.0.1 curl/7.88.1","conn":1,"method":"GET","path":"/x","fault":"none","status":200}` + "\n")
			_ = w.Close()
		}()
		r := chaos("analyze", fifo, "--out", filepath.Join(GinkgoT().TempDir(), "report"))
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(fifo + ": its clients sent no X-Chaos-* headers, so the log is read twice to count their connections, and it cannot be"))
	})
})
