// Package record is the arrival-log contract (docs/DESIGN.md, "Record"): the
// Record of one attempt as the server saw it, the fault kinds and client
// outcomes it names, the X-Chaos headers that identify a client's attempts on
// the wire, the rule that groups attempts into logical requests, and the one
// reader and one writer of arrivals.jsonl, a Record a JSON line.
//
// The fault server and the simulator write Records, analysis and chaostest
// read them, and a client in any language can be checked from a log of
// `chaos serve`. The package depends on the standard library alone, so a
// program that only reads logs pulls in nothing else.
//
//	w := record.NewWriter(file, record.WriterOptions{}) // whole lines, flushed within a second
//	_ = w.Write(&rec)
//	_ = w.Close()
//
//	r := record.NewReader(file, "arrivals.jsonl")
//	for {
//		ok, err := r.Next()
//		if err != nil || !ok {
//			break // err names the file and line; r.CutShort() a torn last line
//		}
//		use(r.Record())
//	}
package record
