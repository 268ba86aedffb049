package scenarios

import "github.com/chaos-harness/chaos/faultserver"

// recordBuffer hands Records to a sink in acceptance order although attempts
// finish out of order: a slot is taken when an attempt reaches the server (in
// time order, as the simulator processes events) and filled when its outcome
// is known; the head is flushed as far as it is complete. Memory is bounded by
// the attempts in flight plus those finished behind the oldest of them.
type recordBuffer struct {
	ring  []faultserver.Record
	done  []bool
	head  int // index of the oldest slot
	count int // slots in use
	sink  func(*faultserver.Record)
	// base is the absolute number of the slot at head, so a slot number stays
	// valid while the ring grows and wraps.
	base uint64
}

func newRecordBuffer(sink func(*faultserver.Record)) *recordBuffer {
	return &recordBuffer{ring: make([]faultserver.Record, 1024), done: make([]bool, 1024), sink: sink}
}

// take reserves the next slot and returns its number and Record to fill.
func (b *recordBuffer) take() (uint64, *faultserver.Record) {
	if b.count == len(b.ring) {
		b.grow()
	}
	i := (b.head + b.count) % len(b.ring)
	b.count++
	b.ring[i] = faultserver.Record{}
	b.done[i] = false
	return b.base + uint64(b.count-1), &b.ring[i]
}

// at returns the Record of a slot that is not yet finished.
func (b *recordBuffer) at(slot uint64) *faultserver.Record {
	return &b.ring[(b.head+int(slot-b.base))%len(b.ring)]
}

// finish marks a slot complete and flushes every complete slot at the head.
func (b *recordBuffer) finish(slot uint64) {
	b.done[(b.head+int(slot-b.base))%len(b.ring)] = true
	for b.count > 0 && b.done[b.head] {
		b.sink(&b.ring[b.head])
		b.head = (b.head + 1) % len(b.ring)
		b.count--
		b.base++
	}
}

// pending is the number of slots taken and not yet flushed.
func (b *recordBuffer) pending() int { return b.count }

func (b *recordBuffer) grow() {
	n := len(b.ring)
	ring := make([]faultserver.Record, 2*n)
	done := make([]bool, 2*n)
	for k := 0; k < b.count; k++ {
		ring[k] = b.ring[(b.head+k)%n]
		done[k] = b.done[(b.head+k)%n]
	}
	b.ring, b.done, b.head = ring, done, 0
}
