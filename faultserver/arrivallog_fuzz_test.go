package faultserver_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// FuzzLogTear: whatever the Records hold and wherever the disk fills up, the
// file is the log's first Records as whole lines, then at most one partial
// line; every Record is in it or counted as dropped.
func FuzzLogTear(f *testing.F) {
	f.Add("c1", "/api/orders", 200, uint16(300), uint16(1000))
	f.Add("\x00\xff\"\\", "/\u2028\n\r", 0, uint16(0), uint16(65535))
	f.Add("", "", 7, uint16(1), uint16(70000%65536))
	f.Fuzz(func(t *testing.T, client, path string, n int, capacity, count uint16) {
		count %= 3000 // enough for several chunks, few enough to fuzz fast
		w := &chunkWriter{capacity: int(capacity) * 64}
		log := faultserver.NewArrivalLog(10, 0, w, nil)
		for i := 0; i < int(count); i++ {
			r := rec(i, 0)
			r.Client, r.Path, r.Status = client, path+r.Path, n
			log.Add(r)
		}
		_ = log.Close()
		written, dropped, _ := log.Status()
		if written+dropped != int64(count) {
			t.Fatalf("written %d + dropped %d != %d", written, dropped, count)
		}
		lines, partial := wholeLines(w.bytes())
		if int64(len(lines)) != written {
			t.Fatalf("%d whole lines in the file, %d written", len(lines), written)
		}
		var got int64
		err := record.Read(strings.NewReader(strings.Join(lines, "\n")), func(r record.Record) error {
			if want := rec(int(got), 0).Request; r.Request != want {
				t.Fatalf("line %d is %s, want %s", got, r.Request, want)
			}
			got++
			return nil
		})
		if err != nil || got != written {
			t.Fatalf("the whole lines do not read back: %d of %d, %v", got, written, err)
		}
		if bytes.ContainsRune([]byte(partial), '\n') {
			t.Fatalf("more than one partial line")
		}
	})
}
