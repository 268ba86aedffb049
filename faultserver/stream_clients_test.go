package faultserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// The streaming clients nobody here wrote (curl -N, Python's requests with
// stream=True) and Go's net/http read the same streams; what each received
// is set against the server's Record of it. The events come 20 ms apart on
// the real clock; nothing here depends on how fast.
var _ = Describe("a streamed response, read by real streaming clients", func() {
	// Four events of 21 bytes: "id: N\ndata: event N\n\n".
	const script = "phases: [{fault: {stream: {events: 4, every: 20ms%s}}}]\n"
	var whole string
	for i := 1; i <= 4; i++ {
		whole += fmt.Sprintf("id: %d\ndata: event %d\n\n", i, i)
	}

	// received is what a client got: its bytes, the data: lines among them,
	// and how it ended.
	type received struct {
		body   string
		events int
		ending string
	}
	dataLines := func(body string) int { return strings.Count(body, "data: ") }

	// curl -N: no buffering, the body to standard output. Its exit status
	// says how the stream ended: 0 whole, 18 "transfer closed with
	// outstanding read data remaining" (the chunked body ended early), 56
	// "Recv failure: Connection reset by peer".
	curl := func(url string) received {
		if _, err := exec.LookPath("curl"); err != nil {
			Fail("curl is not installed; .ci/run installs it")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "curl", "-N", "-sS", "--max-time", "20", url).Output()
		ending := "exit 0"
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			ending = fmt.Sprintf("exit %d", exit.ExitCode())
		} else {
			Expect(err).NotTo(HaveOccurred())
		}
		return received{string(out), dataLines(string(out)), ending}
	}

	// Python's requests, reading the stream line by line (iter_lines) as an
	// SSE consumer does; it prints the data: lines it had and the class of
	// the exception that ended the stream, if any.
	python := func(url string) received {
		if _, err := exec.LookPath("python3"); err != nil {
			Fail("python3 is not installed; .ci/run installs it")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		const prog = `
import sys, requests
n, err = 0, "whole"
try:
    with requests.get(sys.argv[1], stream=True, timeout=20) as r:
        for line in r.iter_lines():
            if line.startswith(b"data: "):
                n += 1
except Exception as e:
    err = type(e).__name__
print(n, err)
`
		out, err := exec.CommandContext(ctx, "python3", "-c", prog, url).Output()
		Expect(err).NotTo(HaveOccurred(), "python3 requests (python3-requests must be installed)")
		fields := strings.Fields(string(out))
		Expect(fields).To(HaveLen(2), string(out))
		n, err := strconv.Atoi(fields[0])
		Expect(err).NotTo(HaveOccurred())
		return received{"", n, fields[1]}
	}

	// gohttp reads the stream through net/http, line by line with a
	// bufio.Scanner: the body's error is what net/http reports.
	gohttp := func(url string) received {
		resp, err := freshClient(20 * time.Second).Get(url)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.Header.Get("Content-Type")).To(Equal("text/event-stream"))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal(record.FaultStream))
		Expect(resp.ContentLength).To(Equal(int64(-1)), "a chunked body")
		var body strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			body.WriteString(sc.Text() + "\n")
		}
		ending := "whole"
		switch err := sc.Err(); {
		case errors.Is(err, io.ErrUnexpectedEOF):
			ending = "unexpected EOF"
		case err != nil && strings.Contains(err.Error(), "connection reset by peer"):
			ending = "reset"
		case err != nil:
			ending = err.Error()
		}
		return received{body.String(), dataLines(body.String()), ending}
	}

	// check serves the script, lets the client read it, and sets what the
	// client received against the Record: the events, the bytes (the
	// stream's first body_bytes), and incomplete.
	check := func(extra string, read func(string) received, events int, bytes int64, incomplete bool, ending string) {
		srv := startServer(strings.Replace(script, "%s", extra, 1), faultserver.Options{})
		got := read(srv.URL() + "/events")
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Fault).To(Equal(record.FaultStream))
		Expect([]any{rec.StreamEvents, rec.BodyBytes, rec.Incomplete}).To(Equal([]any{events, bytes, incomplete}), "the Record")
		Expect(got.events).To(Equal(rec.StreamEvents), "the events the client had, as the Record counts them")
		if got.body != "" || bytes == 0 {
			Expect(got.body).To(Equal(whole[:rec.BodyBytes]), "the bytes the client had, as the Record counts them")
		}
		Expect(got.ending).To(Equal(ending))
	}

	DescribeTable("each client has the events and bytes the Record counts",
		func(read func(string) received, extra string, events int, bytes int64, incomplete bool, ending string) {
			check(extra, read, events, bytes, incomplete, ending)
		},
		Entry("curl -N, whole: 4 events, 84 bytes", curl, "", 4, int64(84), false, "exit 0"),
		Entry("curl -N, cut after 2 events: 42 bytes, the chunked body ends early", curl, ", cut_after: 2", 2, int64(42), true, "exit 18"),
		Entry("curl -N, cut after 30 bytes: 1 whole event and 9 bytes of the next", curl, ", cut_after_bytes: 30", 1, int64(30), true, "exit 18"),
		Entry("curl -N, stalled 100 ms after 3 events, then closed", curl, ", cut_after: 3, stall: 100ms", 3, int64(63), true, "exit 18"),
		Entry("curl -N, reset after 2 events", curl, ", cut_after: 2, reset: true", 2, int64(42), true, "exit 56"),
		Entry("requests (stream=True, iter_lines), whole", python, "", 4, int64(84), false, "whole"),
		Entry("requests, cut after 2 events", python, ", cut_after: 2", 2, int64(42), true, "ChunkedEncodingError"),
		Entry("requests, reset after 2 events", python, ", cut_after: 2, reset: true", 2, int64(42), true, "ChunkedEncodingError"),
		Entry("net/http, whole", gohttp, "", 4, int64(84), false, "whole"),
		Entry("net/http, cut after 2 events", gohttp, ", cut_after: 2", 2, int64(42), true, "unexpected EOF"),
		Entry("net/http, reset after 2 events", gohttp, ", cut_after: 2, reset: true", 2, int64(42), true, "reset"),
	)
})
