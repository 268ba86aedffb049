package scenarios

import "github.com/chaos-harness/chaos/faultserver"

// recordBuffer hands Records to a sink in acceptance order although attempts
// finish out of order: a slot is added when an attempt reaches the server (in
// time order, as the simulator processes events) and filled when its outcome
// is known; the head is flushed as far as it is complete. Memory is bounded by
// the attempts in flight plus those finished behind the oldest of them.
//
// Slots live in fixed blocks that are never moved, only recycled once
// flushed, so a fleet started together (every attempt pending at once) costs
// no copying as the buffer grows.
type recordBuffer struct {
	blocks [][]pendingRecord // blocks[0] holds slots from first on
	spare  [][]pendingRecord // flushed blocks, for reuse
	first  uint64            // the number of blocks[0]'s first slot
	head   uint64            // the oldest slot not yet flushed
	next   uint64            // the next slot to fill
	sink   func(*faultserver.Record)
}

type pendingRecord struct {
	rec  faultserver.Record
	done bool
}

// recordBlock is the number of slots per block.
const recordBlock = 1024

func newRecordBuffer(sink func(*faultserver.Record)) *recordBuffer {
	return &recordBuffer{sink: sink}
}

// add puts rec, not yet finished, in the next slot and returns its number.
func (b *recordBuffer) add(rec *faultserver.Record) uint64 {
	slot := b.next
	if slot-b.first == uint64(len(b.blocks))*recordBlock {
		b.blocks = append(b.blocks, b.newBlock())
	}
	b.next++
	p := b.slot(slot)
	p.rec, p.done = *rec, false
	return slot
}

func (b *recordBuffer) newBlock() []pendingRecord {
	if n := len(b.spare); n > 0 {
		blk := b.spare[n-1]
		b.spare = b.spare[:n-1]
		return blk
	}
	return make([]pendingRecord, recordBlock)
}

func (b *recordBuffer) slot(n uint64) *pendingRecord {
	i := n - b.first
	return &b.blocks[i/recordBlock][i%recordBlock]
}

// at returns the Record of a slot that is not yet finished.
func (b *recordBuffer) at(slot uint64) *faultserver.Record { return &b.slot(slot).rec }

// finish marks a slot complete and flushes every complete slot at the head.
func (b *recordBuffer) finish(slot uint64) {
	b.slot(slot).done = true
	for b.head < b.next {
		p := b.slot(b.head)
		if !p.done {
			return
		}
		b.sink(&p.rec)
		b.head++
		if b.head-b.first == recordBlock { // blocks[0] is all flushed: recycle it
			b.spare = append(b.spare, b.blocks[0]) // add overwrites each slot it reuses
			b.blocks = append(b.blocks[:0], b.blocks[1:]...)
			b.first += recordBlock
		}
	}
}
