package record_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/chaos-harness/chaos/record"
)

// FuzzReadRecords: any bytes decode into Records or an error naming a line,
// never a panic; the Records decoded write back and read back the same.
func FuzzReadRecords(f *testing.F) {
	for _, s := range []string{
		`{"t_ms": 1503.25, "client": "c17", "request": "c17/3", "attempt": 2, "method": "GET", "path": "/api/orders", "phase": "outage", "fault": "status", "status": 503, "retry_after_ms": 1000, "latency_ms": 0.4}` + "\n",
		`{"t_ms": 1, "client": "a", "fault": "none", "status": 200}` + "\n\n" + `{"t_ms": 2, "client": "b", "fault": "reset"}` + "\n",
		`{"t_ms": "x"}` + "\n",
		`{"t_ms": 1e400}`,
		`{"t_ms": 1, "client": "\ud800", "path": "\xff\xfe"}`,
		`{"attempt": 9999999999999999999999}`,
		`{"t_ms": 1, "route": "r", "policy": "p", "outcome": "ok"}` + "\n" + `{"t_ms": 2, "cli`,
		`[1, 2]`,
		`null`,
		"\r\n{}\r\n",
		`{"t_ms": -0, "latency_ms": 5e-324}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []record.Record
		err := record.Read(bytes.NewReader(data), func(r record.Record) error {
			recs = append(recs, r)
			return nil
		})
		if err != nil && err.Error() == "" {
			t.Fatalf("an empty error")
		}
		var buf bytes.Buffer
		if err := record.WriteAll(&buf, recs); err != nil {
			t.Fatalf("Records read from a log do not write back: %v", err)
		}
		var again []record.Record
		if err := record.Read(&buf, func(r record.Record) error {
			again = append(again, r)
			return nil
		}); err != nil {
			t.Fatalf("written Records do not read back: %v", err)
		}
		if !reflect.DeepEqual(recs, again) {
			t.Fatalf("read %+v, wrote and read back %+v", recs, again)
		}
	})
}
