package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the fast Record decoder", func() {
	// agrees checks the fast decoder against encoding/json, the reference:
	// where it decodes a line, it must decode it to the same Record.
	agrees := func(line string) (decoded bool) {
		GinkgoHelper()
		var d fastDecoder
		var fast Record
		ok, _ := d.decode([]byte(line), &fast)
		if !ok {
			return false
		}
		var ref Record
		Expect(json.Unmarshal([]byte(line), &ref)).To(Succeed(), "the fast decoder took a line encoding/json refuses: %s", line)
		Expect(fast).To(Equal(ref), line)
		return true
	}

	It("decodes what WriteRecords writes, exactly", func() {
		rng := rand.New(rand.NewPCG(9, 9))
		recs := make([]Record, 500)
		for i := range recs {
			recs[i] = Record{
				TMs: rng.Float64() * 1e6, Client: fmt.Sprintf("c%d é", i), Request: fmt.Sprintf("c%d/%d", i, rng.IntN(9)),
				Attempt: rng.IntN(5), Conn: uint64(rng.IntN(3)) * rng.Uint64(), Method: "GET", Path: "/api/ü", Route: "orders", Phase: "outage", Fault: "status",
				Status: 500 + rng.IntN(5), RetryAfterMs: float64(rng.IntN(3)) * 1000, LatencyMs: rng.ExpFloat64(),
				Policy: []string{"", "full"}[i%2], Outcome: []string{"", "ok", "timeout"}[i%3],
				GRPCCode: []string{"", "", "", "UNAVAILABLE"}[i%4],
			}
			if i%2 == 1 { // a harness run's Record: the client's times too
				recs[i].SentMs, recs[i].ReceivedMs = new(recs[i].TMs-rng.Float64()), new(recs[i].TMs+rng.Float64()*20)
			}
		}
		var buf bytes.Buffer
		Expect(WriteAll(&buf, recs)).To(Succeed())
		for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			Expect(agrees(string(line))).To(BeTrue(), string(line))
		}
	})

	It("decodes line after line right as their keys and values come and go, one decoder for all", func() {
		rng := rand.New(rand.NewPCG(7, 8))
		keys := []string{`"t_ms":1.5`, `"client":"c"`, `"request":"c/1"`, `"attempt":2`, `"method":"GET"`,
			`"path":"/"`, `"route":"r"`, `"phase":"p"`, `"fault":"none"`, `"status":200`, `"latency_ms":3`,
			`"sent_ms":1`, `"received_ms":4.5`, `"policy":"full"`, `"outcome":"ok"`, `"conn":7`, `"layer":1`,
			`"tls":true`, `"t_ms" : 2`, `"t_msx":1`, `"t_m":1`, `"T_ms":1`}
		// Values of the interned fields that are each other's prefixes, or
		// empty, or have an escape.
		values := map[string][]string{
			"method": {`"GET"`, `"GE"`, `"GETX"`, `""`, `"G\"T"`, `"POST"`},
			"path":   {`"/"`, `""`, `"/a"`, `"/\/"`, `"/é"`},
			"phase":  {`"p"`, `"pp"`, `""`, `"p\u0070"`},
		}
		var d fastDecoder
		taken := 0
		for range 5_000 {
			// The keys of the line before, mostly, with one more, one fewer or
			// two swapped now and then.
			n := 1 + rng.IntN(len(keys))
			perm := rng.Perm(len(keys))[:n]
			if rng.IntN(3) > 0 {
				slices.Sort(perm)
			}
			parts := make([]string, n)
			for i, k := range perm {
				parts[i] = keys[k]
				name, _, _ := strings.Cut(strings.Trim(keys[k], `"`), `"`)
				if vs := values[name]; vs != nil && rng.IntN(3) == 0 {
					parts[i] = `"` + name + `":` + vs[rng.IntN(len(vs))]
				}
			}
			line := "{" + strings.Join(parts, ",") + "}"
			var fast Record
			ok, hasTime := d.decode([]byte(line), &fast)
			var ref Record
			refErr := json.Unmarshal([]byte(line), &ref)
			if ok {
				taken++
				Expect(refErr).NotTo(HaveOccurred(), line)
				Expect(fast).To(Equal(ref), line)
				Expect(hasTime).To(Equal(hasTimeField([]byte(line))), line)
			}
		}
		Expect(taken).To(BeNumerically(">", 1_000))
	})

	It("reads numbers to the float64 and int encoding/json reads", func() {
		rng := rand.New(rand.NewPCG(3, 4))
		var lines []string
		for range 20_000 {
			f := rng.Float64() * math.Pow(10, float64(rng.IntN(30)-12))
			if rng.IntN(4) == 0 {
				f = math.Round(f*1000) / 1000 // few digits, as a simulated run's times
			}
			if rng.IntN(5) == 0 {
				f = -f
			}
			i := rng.Int64() >> rng.IntN(64)
			if rng.IntN(2) == 0 {
				i = -i
			}
			lines = append(lines, fmt.Sprintf(`{"t_ms":%s,"latency_ms":%s,"sent_ms":%s,"status":%d,"body_bytes":%d,"conn":%d}`,
				strconv.FormatFloat(f, 'f', -1, 64), strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'f', rng.IntN(25), 64),
				i, i>>1, uint64(i)>>rng.IntN(64)))
		}
		lines = append(lines, `{"t_ms":-0,"latency_ms":0.000000000000000000001,"status":-9223372036854775808,"body_bytes":999999999999999999,"conn":18446744073709551615}`,
			`{"t_ms":1,"status":-9999999999999999999}`, `{"t_ms":1,"status":9999999999999999999}`, `{"t_ms":1,"conn":99999999999999999999}`,
			`{"t_ms":9007199254740993,"latency_ms":123456789012345.6,"sent_ms":0.1234567890123456789}`)
		taken := 0
		for _, line := range lines {
			if agrees(line) {
				taken++
			}
		}
		Expect(taken).To(BeNumerically(">", len(lines)/2), "the fast path takes most of them")
	})

	DescribeTable("takes plain lines and declines the rest to encoding/json",
		func(line string, takes bool) { Expect(agrees(line)).To(Equal(takes)) },
		Entry("spaces everywhere", ` { "t_ms" : 1.5e3 , "client" : "a" , "attempt" : 2 } `, true),
		Entry("empty object", `{}`, true),
		Entry("negative and exponent", `{"t_ms": -0.5E-2, "status": -1}`, true),
		Entry("duplicate key: the last wins", `{"t_ms": 1, "t_ms": 2}`, true),
		Entry("an escape", `{"t_ms": 1, "client": "a\"b"}`, false),
		Entry("invalid UTF-8", "{\"t_ms\": 1, \"client\": \"a\xffb\"}", false),
		Entry("null", `{"t_ms": 1, "client": null}`, false),
		Entry("the client's times", `{"t_ms": 10, "sent_ms": 0.5, "received_ms": 25.25}`, true),
		Entry("a stream and an upstream's answer", `{"t_ms": 10, "fault": "stream", "stream_events": 7, "upstream_status": 503, "idempotency_key": true}`, true),
		Entry("a fractional stream count", `{"t_ms": 10, "stream_events": 1.5}`, false),
		Entry("a null client time", `{"t_ms": 10, "sent_ms": null}`, false),
		Entry("a differently-cased key", `{"T_MS": 1}`, false),
		Entry("an unknown key", `{"t_ms": 1, "extra": {"x": 1}}`, false),
		Entry("a fractional attempt", `{"t_ms": 1, "attempt": 1.0}`, false),
		Entry("a gRPC status", `{"t_ms": 1, "status": 503, "grpc_code": "UNAVAILABLE"}`, true),
		Entry("the protocol over TLS", `{"t_ms": 1, "protocol": "HTTP/2.0", "tls": true}`, true),
		Entry("a downstream layer's attempt", `{"t_ms": 1, "client": "layer0", "layer": 2}`, true),
		Entry("a fractional layer", `{"t_ms": 1, "layer": 1.5}`, false),
		Entry("a connection number", `{"t_ms": 1, "conn": 18446744073709551615}`, true),
		Entry("a negative connection number", `{"t_ms": 1, "conn": -1}`, false),
		Entry("a leading zero", `{"t_ms": 01}`, false),
		Entry("a bare dot", `{"t_ms": 1.}`, false),
		Entry("a quoted number", `{"t_ms": "1"}`, false),
		Entry("trailing bytes", `{"t_ms": 1} x`, false),
		Entry("a trailing comma", `{"t_ms": 1,}`, false),
		Entry("cut short", `{"t_ms": 1, "cli`, false),
	)

	It("reports whether the line had a time", func() {
		var d fastDecoder
		var rec Record
		ok, hasTime := d.decode([]byte(`{"client": "a"}`), &rec)
		Expect(ok).To(BeTrue())
		Expect(hasTime).To(BeFalse())
	})
})
