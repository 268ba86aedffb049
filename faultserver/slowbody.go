package faultserver

import (
	"math/bits"
	"time"
)

// slowTick is how often a slow body is topped up: small enough that the
// pacing is smooth, large enough that writes are not one byte each.
const slowTick = 10 * time.Millisecond

// The pacing of a slow body, the one schedule of the playout (fault_slow.go),
// which the HTTP server and the simulator both follow: the body goes out in chunks of
// SlowChunk bytes, the chunk that starts at byte k written SlowDue(k) after
// the first, so that the k-th byte is due k/bandwidth after the first and
// the pacing does not drift with scheduling delays.

// SlowChunk is how many bytes of a slow body are written at a time: one
// slowTick's worth at the bandwidth, at least one.
func SlowChunk(b Bandwidth) int64 {
	return max(1, int64(b)/int64(time.Second/slowTick))
}

// SlowDue is when the write of a slow body's bytes from offset k on is due,
// after the first write: k/bandwidth seconds, rounded down to the
// nanosecond (computed in 128 bits, so no body size overflows it).
func SlowDue(b Bandwidth, k int64) time.Duration {
	if k <= 0 || b <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(k), uint64(time.Second))
	if hi >= uint64(b) {
		return time.Duration(1<<63 - 1) // the quotient would not fit
	}
	q, _ := bits.Div64(hi, lo, uint64(b))
	return time.Duration(min(q, 1<<63-1))
}
