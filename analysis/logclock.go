package analysis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// oneClock sets each log's shift and key prefix from the header lines of
// the logs (see MergeLogs) and notes what it did. Logs without headers are
// left as they are.
func oneClock(logs []*logReader, note func(string)) {
	var with, without []*logReader
	for _, lr := range logs {
		if lr.header() != nil {
			with = append(with, lr)
		} else {
			without = append(without, lr)
		}
	}
	if len(with) == 0 {
		return
	}
	say := func(format string, args ...any) {
		if note != nil {
			note(fmt.Sprintf(format, args...))
		}
	}
	base := with[0]
	for _, lr := range with[1:] {
		if lr.header().EpochUnixMs < base.header().EpochUnixMs {
			base = lr
		}
	}
	epoch := base.header().EpochUnixMs
	// The earliest run of each server keeps its keys; its later runs are told apart.
	firstRun := map[string]*record.LogHeader{}
	for _, lr := range with {
		h := lr.header()
		if f, ok := firstRun[h.Server]; !ok || h.EpochUnixMs < f.EpochUnixMs {
			firstRun[h.Server] = h
		}
	}
	var shifts []string
	for _, lr := range with {
		h := lr.header()
		lr.shiftMs = h.EpochUnixMs - epoch
		shifts = append(shifts, fmt.Sprintf("%s +%s ms", lr.name, strconv.FormatFloat(lr.shiftMs, 'f', -1, 64)))
		if f := firstRun[h.Server]; f.ServerRun != h.ServerRun {
			lr.prefix = h.ServerRun + "/"
			say("%s is another run of server %s (server_run %s, not %s): its client and request keys are prefixed with %q, so its logical requests are not laid over the earlier run's",
				lr.name, h.Server, h.ServerRun, f.ServerRun, lr.prefix)
		}
	}
	if len(logs) > 1 {
		start := time.UnixMicro(int64(epoch * 1000)).UTC().Format("2006-01-02T15:04:05.000Z")
		say("logs put on one clock by their epoch_unix_ms: t_ms counts from %s (the start of %s); %s", start, base.name, strings.Join(shifts, ", "))
	}
	for _, lr := range without {
		say("%s has no log header (epoch_unix_ms): its t_ms are taken as counted from the same start as the others, as before logs had one", lr.name)
	}
}

// header is the log's header line; nil without one.
func (lr *logReader) header() *record.LogHeader {
	if lr.batch == nil {
		return nil
	}
	return lr.batch.Header
}

// adjust puts the current batch's Records from lr.i on on the one clock;
// each batch is adjusted once, when it arrives (next) or, for the first,
// once oneClock has set the shift (MergeLogs).
func (lr *logReader) adjust() {
	if lr.shiftMs == 0 && lr.prefix == "" {
		return
	}
	for i := lr.i; i < len(lr.batch.Records); i++ {
		r := &lr.batch.Records[i]
		r.TMs += lr.shiftMs
		if r.SentMs != nil {
			v := *r.SentMs + lr.shiftMs
			r.SentMs = &v
		}
		if r.ReceivedMs != nil {
			v := *r.ReceivedMs + lr.shiftMs
			r.ReceivedMs = &v
		}
		if lr.prefix != "" {
			if r.Client != "" {
				r.Client = lr.prefix + r.Client
			}
			if r.Request != "" {
				r.Request = lr.prefix + r.Request
			}
		}
	}
}
