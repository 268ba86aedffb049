package record

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzRecordLine feeds arbitrary lines to the Record decoder of `chaos
// analyze`. The fast path is checked against encoding/json, the reference:
// a line it takes must be one encoding/json takes, decoded to the same
// Record, with the same answer on whether it had a t_ms. Whatever the line,
// the decoder and a Reader return a Record or an error, never panic.
func FuzzRecordLine(f *testing.F) {
	for _, seed := range []string{
		`{"t_ms":1503.25,"client":"c17","request":"c17/3","attempt":2,"method":"GET","path":"/api/orders","phase":"outage","fault":"status","status":503,"retry_after_ms":1000,"latency_ms":0.4}`,
		`{"t_ms":0,"client":"a","request":"","attempt":0,"method":"GET","path":"/","route":"r","phase":"","fault":"none","status":200,"retry_after_ms":0,"latency_ms":0,"policy":"full","outcome":"ok"}`,
		` { "t_ms" : 1.5e3 , "client" : "a" , "attempt" : 2 } `,
		`{"t_ms":12.5,"client":"c1","request":"c1/1","attempt":1,"latency_ms":1,"outcome":"ok","sent_ms":2.5,"received_ms":23.5}`,
		`{"t_ms": 1, "sent_ms": null, "received_ms": 2}`, `{"t_ms": 1, "sent_ms": 1, "sent_ms": 0.5}`,
		`{}`, `{"t_ms": -0}`, `{"t_ms": -0.5E-2, "status": -1}`, `{"t_ms": 1, "t_ms": 2}`,
		`{"t_ms": 1, "client": "a\"b"}`, "{\"t_ms\": 1, \"client\": \"a\xffb\"}", `{"t_ms": 1, "client": "é\u00e9"}`,
		`{"t_ms": 1, "client": null}`, `{"T_MS": 1}`, `{"t_ms": 1, "T_ms": 2}`, `{"t_ms": null}`,
		`{"client": "t_ms"}`, `{"client": "\"t_ms\"", "path": "\/"}`, `{"client": "t_ms", "path": "\/"}`,
		`{"t_ms": 1, "extra": {"x": 1}}`, `{"t_ms": 1, "attempt": 1.0}`, `{"t_ms": 1, "attempt": 1e2}`,
		`{"t_ms": 01}`, `{"t_ms": 1.}`, `{"t_ms": "1"}`, `{"t_ms": 1} x`, `{"t_ms": 1,}`, `{"t_ms": 1, "cli`,
		`{"t_ms": 1e400}`, `{"attempt": 99999999999999999999}`, `{"status": -9223372036854775808}`,
		`{"t_ms":1,"status":200,"latency_ms":9,"body_bytes":512,"incomplete":true}`, `{"t_ms":1,"incomplete":false}`,
		`{"t_ms":1,"incomplete":tru}`, `{"t_ms":1,"incomplete":truex}`, `{"t_ms":1,"incomplete":1}`, `{"t_ms":1,"body_bytes":1.5}`,
		`[1, 2]`, `"t_ms"`, `null`, "{\"t_ms\":1}\n{\"t_ms\":2,\"client\":\"b\"}\n{\"t_ms\":0.5", "{\"t_ms\":1}\r\n\n  \n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkFastPath(t, line)
		checkDecode(t, line)
		checkRead(t, line)
	})
}

// checkFastPath: where the fast decoder takes a line, encoding/json agrees.
func checkFastPath(t *testing.T, line []byte) {
	var d fastDecoder
	var fast Record
	ok, hasTime := d.decode(line, &fast)
	if !ok {
		return
	}
	var ref Record
	if err := json.Unmarshal(line, &ref); err != nil {
		t.Fatalf("the fast path took %q, which encoding/json refuses: %v", line, err)
	}
	if !reflect.DeepEqual(fast, ref) {
		t.Fatalf("%q: the fast path decoded\n%+v\nencoding/json\n%+v", line, fast, ref)
	}
	if hasTime != hasTimeField(line) {
		t.Fatalf("%q: the fast path says t_ms present %v, encoding/json %v", line, hasTime, !hasTime)
	}
}

// checkDecode: the decoder of one line gives encoding/json's Record, or an
// error.
func checkDecode(t *testing.T, line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	lr := &Reader{}
	if err := lr.decode(line); err != nil {
		return
	}
	var ref Record
	if err := json.Unmarshal(line, &ref); err != nil {
		t.Fatalf("the decoder took %q, which encoding/json refuses: %v", line, err)
	}
	if !reflect.DeepEqual(lr.rec, ref) {
		t.Fatalf("%q: decoded\n%+v\nencoding/json\n%+v", line, lr.rec, ref)
	}
	if !hasTimeField(line) {
		t.Fatalf("the decoder took %q, which has no t_ms", line)
	}
}

// checkRead: a log of the input as it is reads to the end or to an error.
func checkRead(t *testing.T, log []byte) {
	n := 0
	lr := NewReader(bytes.NewReader(log), "fuzz.jsonl")
	var err error
	for ok := true; ok && err == nil; {
		if ok, err = lr.Next(); ok {
			n++
		}
	}
	if err == nil && n > bytes.Count(log, []byte("\n"))+1 {
		t.Fatalf("%d Records from %d lines", n, bytes.Count(log, []byte("\n"))+1)
	}
}
