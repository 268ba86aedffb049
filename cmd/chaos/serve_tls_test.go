package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

var listeningTLSRE = regexp.MustCompile(`^listening on (https://127\.0\.0\.1:\d+)\nca certificate: (.+)\n`)

// startServeTLS runs `chaos serve --tls args...` with its CA in a temporary
// directory, and returns the URL, the CA's path and the serve.
func startServeTLS(args ...string) (*serving, string) {
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{out: &lockedBuffer{}, errOut: &lockedBuffer{}, stop: cancel, code: make(chan int, 1)}
	dir := GinkgoT().TempDir()
	go func() {
		sv.code <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--tls", "--tls-dir", dir}, args...),
			streams{out: sv.out, err: sv.errOut})
	}()
	Eventually(sv.out.String, 5*time.Second, 5*time.Millisecond).Should(MatchRegexp(listeningTLSRE.String()), sv.errOut.String)
	m := listeningTLSRE.FindStringSubmatch(sv.out.String())
	sv.url = m[1]
	Expect(m[2]).To(Equal(filepath.Join(dir, "ca.pem")))
	DeferCleanup(func() {
		cancel()
		Eventually(sv.code, 5*time.Second).Should(Receive())
	})
	return sv, m[2]
}

// needCurl skips a spec when curl is not installed.
func needCurl() {
	if _, err := exec.LookPath("curl"); err != nil {
		Skip("curl is not installed: the checks against curl need it on PATH")
	}
}

// curlExit runs curl with args (and a 1s limit) and returns its exit status
// and what it wrote.
func curlExit(args ...string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--max-time", "1", "-o", "/dev/null",
		"-w", "%{http_version} %{http_code}"}, args...)...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	Expect(err).NotTo(HaveOccurred())
	return 0, string(out)
}

// readLog reads a --log file.
func readLog(path string) []record.Record {
	f, err := os.Open(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	var recs []record.Record
	Expect(record.Read(f, func(r record.Record) error { recs = append(recs, r); return nil })).To(Succeed())
	return recs
}

var _ = Describe("chaos serve --tls", func() {
	It("prints the https URL, then the CA certificate's path, which Go's client trusts for HTTP/2", func() {
		log := filepath.Join(GinkgoT().TempDir(), "a.jsonl")
		sv, ca := startServeTLS("--scenario", writeFile("ok.yaml", "response: {status: 200}\n"), "--log", log)
		pem, err := os.ReadFile(ca)
		Expect(err).NotTo(HaveOccurred())
		pool := x509.NewCertPool()
		Expect(pool.AppendCertsFromPEM(pem)).To(BeTrue())
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(sv.url + "/x")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.Proto).To(Equal("HTTP/2.0"))
		Expect(sv.shutdown()).To(Equal(exitOK))
		Expect(readLog(log)).To(ConsistOf(And(HaveField("Protocol", "HTTP/2.0"), HaveField("TLS", true), HaveField("Status", 200))))
	})

	It("speaks HTTP/2 and HTTP/1.1 to curl --cacert, and curl without it refuses the certificate", func() {
		needCurl()
		sv, ca := startServeTLS("--scenario", writeFile("ok.yaml", "response: {status: 200}\n"))
		code, out := curlExit("--http2", "--cacert", ca, sv.url+"/x")
		Expect(code).To(Equal(0), out)
		Expect(out).To(Equal("2 200"))
		_, out = curlExit("--http1.1", "--cacert", ca, sv.url+"/x")
		Expect(out).To(Equal("1.1 200"))
		code, _ = curlExit(sv.url + "/x")
		Expect(code).To(Equal(60), "curl: SSL certificate problem")
	})

	// What curl makes of each fault before the request and HTTP/2 fault,
	// as docs/SCENARIOS.md tells it: its exit status, and the Records.
	DescribeTable("each fault before the request and HTTP/2 fault, as curl --http2 sees it",
		func(fault string, exit int, output string, faults []string) {
			needCurl()
			log := filepath.Join(GinkgoT().TempDir(), "a.jsonl")
			sv, ca := startServeTLS("--scenario", writeFile("s.yaml", "phases: [{requests: 1, fault: "+fault+"}, {}]\n"), "--log", log)
			code, out := curlExit("--http2", "--cacert", ca, sv.url+"/x")
			Expect(code).To(Equal(exit), out)
			Expect(out).To(ContainSubstring(output))
			Expect(sv.shutdown()).To(Equal(exitOK))
			var got []string
			for _, r := range readLog(log) {
				got = append(got, r.Fault)
			}
			Expect(got).To(ConsistOf(faults))
		},
		Entry("tls_bad_cert: 60, certificate problem", "{tls_bad_cert: true}", 60, "SSL certificate problem", []string{record.FaultTLSBadCert}),
		Entry("tls_close: 35, SSL connect error", "{tls_close: true}", 35, "SSL_connect", []string{record.FaultTLSClose}),
		Entry("tls_stall: 28, timed out", "{tls_stall: 1h}", 28, "timed out", []string{record.FaultTLSStall}),
		Entry("accept_stall: 28, timed out", "{accept_stall: 1h}", 28, "timed out", []string{record.FaultAcceptStall}),
		Entry("rst_stream REFUSED_STREAM: curl retries it on a new connection by itself", "{rst_stream: REFUSED_STREAM}", 0, "2 200",
			[]string{record.FaultRSTStream, record.FaultNone}),
		Entry("rst_stream CANCEL: 92, stream not closed cleanly", "{rst_stream: CANCEL}", 92, "CANCEL", []string{record.FaultRSTStream}),
		Entry("rst_stream ENHANCE_YOUR_CALM: 92", "{rst_stream: ENHANCE_YOUR_CALM}", 92, "ENHANCE_YOUR_CALM", []string{record.FaultRSTStream}),
		Entry("a graceful goaway: answered", "{goaway: true}", 0, "2 200", []string{record.FaultGoAway}),
		Entry("a goaway with a code: 16, HTTP/2 framing layer", "{goaway: {code: ENHANCE_YOUR_CALM}}", 16, "HTTP2 framing layer", []string{record.FaultGoAway}),
	)

	It("serves cleartext HTTP/2 to curl --http2-prior-knowledge with --h2c", func() {
		needCurl()
		sv := startServe("--h2c", "--scenario", writeFile("ok.yaml", "response: {status: 200}\n"))
		_, out := curlExit("--http2-prior-knowledge", sv.url+"/x")
		Expect(out).To(Equal("2 200"))
		_, out = curlExit(sv.url + "/x")
		Expect(out).To(Equal("1.1 200"))
	})

	It("serves a script with tls: true (or protocol: h2) as --tls, its CA in a new temporary directory", func() {
		tmp := GinkgoT().TempDir()
		GinkgoT().Setenv("TMPDIR", tmp)
		ctx, cancel := context.WithCancel(context.Background())
		sv := &serving{out: &lockedBuffer{}, errOut: &lockedBuffer{}, stop: cancel, code: make(chan int, 1)}
		go func() {
			sv.code <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--scenario", writeFile("h2.yaml", "protocol: h2\n")},
				streams{out: sv.out, err: sv.errOut})
		}()
		Eventually(sv.out.String, 5*time.Second, 5*time.Millisecond).Should(MatchRegexp(listeningTLSRE.String()), sv.errOut.String)
		ca := listeningTLSRE.FindStringSubmatch(sv.out.String())[2]
		Expect(filepath.Dir(filepath.Dir(ca))).To(Equal(tmp))
		Expect(sv.shutdown()).To(Equal(exitOK))
	})

	DescribeTable("refuses flags that do not go together, exit 2",
		func(msg string, args ...string) {
			r := chaos(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(msg))
		},
		Entry("h2c over TLS", "--h2c is cleartext HTTP/2", "--h2c", "--tls"),
		Entry("tls-dir alone", "give --tls with it", "--tls-dir", "/tmp/x"),
		Entry("cert without key", "--cert and --key go together", "--cert", "/tmp/x.pem"),
		Entry("tls and cert", "give one or the other", "--tls", "--cert", "a", "--key", "b"),
		Entry("a cert that is not one", "--cert /nonexistent.pem --key /nonexistent.key", "--cert", "/nonexistent.pem", "--key", "/nonexistent.key"),
	)
})
