package scenarios

import "time"

// recordBuffer hands pending Records to a sink in acceptance order although attempts
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
	sink   func(*pendingRecord)
}

// pendingRecord is an attempt's Record while it waits for its turn, without
// a pointer: a fleet in flight at once holds one per client, which the
// garbage collector then need not scan. Its strings are numbers here (the
// client's, the logical request's, indexes in a recordNames) and are put
// back when it is flushed (simulator.flush).
type pendingRecord struct {
	accepted, end time.Duration
	retryAfter    time.Duration // the wait the Retry-After sent asks for; 0 for none
	// sent and received are the client's side: when it sent the attempt and
	// when it had the response or gave up on it (Record.SentMs, ReceivedMs).
	sent, received time.Duration
	client         int32
	logical        int32
	attempt        int32
	status         int32
	route, phase   uint32 // in recordNames
	fault          uint32
	outcome        uint32
	rowRead        bool // a failed read before a row write, logged as a GET
	done           bool
	// What reached the wire.
	incomplete bool   // a response begun did not reach its end
	bodyBytes  uint32 // the body bytes the server wrote (see bodyCount)
	// streamEvents is how many whole events of a stream were written.
	streamEvents uint32
	// Layers (issue 14): the depth of the layer whose server saw the
	// attempt; 0 for the fleet's server. A layer's Record has its call's
	// number in logical, and no client.
	layer int32
	// grpcCode is the gRPC code the call ended with, in recordNames; 0
	// ("") over HTTP (server.protocol: grpc, sim_grpc.go).
	grpcCode uint32
}

// recordBlock is the number of slots per block.
const recordBlock = 1024

func newRecordBuffer(sink func(*pendingRecord)) *recordBuffer {
	return &recordBuffer{sink: sink}
}

// add puts rec, not yet finished, in the next slot and returns its number.
func (b *recordBuffer) add(rec *pendingRecord) uint64 {
	slot := b.next
	if slot-b.first == uint64(len(b.blocks))*recordBlock {
		b.blocks = append(b.blocks, b.newBlock())
	}
	b.next++
	p := b.slot(slot)
	*p = *rec
	p.done = false
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
func (b *recordBuffer) at(slot uint64) *pendingRecord { return b.slot(slot) }

// finish marks a slot complete and flushes every complete slot at the head.
func (b *recordBuffer) finish(slot uint64) {
	b.slot(slot).done = true
	for b.head < b.next {
		p := b.slot(b.head)
		if !p.done {
			return
		}
		b.sink(p)
		b.head++
		if b.head-b.first == recordBlock { // blocks[0] is all flushed: recycle it
			b.spare = append(b.spare, b.blocks[0]) // add overwrites each slot it reuses
			b.blocks = append(b.blocks[:0], b.blocks[1:]...)
			b.first += recordBlock
		}
	}
}

// recordNames numbers the strings of pending Records (route, phase, fault
// and outcome names): a run meets a handful, so a scan finds them faster
// than a map, and comparing a string with itself is a pointer comparison.
type recordNames []string

func (n *recordNames) index(name string) uint32 {
	for i, v := range *n {
		if v == name {
			return uint32(i)
		}
	}
	*n = append(*n, name)
	return uint32(len(*n) - 1)
}

// timeSlab hands out the float64s a Record's optional times point to, carved
// from blocks: one allocation per timeBlock Records instead of one per
// Record. The sink may keep a Record, so they never point into anything the
// simulator reuses; a block lives as long as any Record pointing into it.
type timeSlab struct {
	block []float64
}

// timeBlock is the number of float64s per block.
const timeBlock = 2048

// pair returns pointers to two new float64s holding a and b.
func (s *timeSlab) pair(a, b float64) (*float64, *float64) {
	if len(s.block) < 2 {
		s.block = make([]float64, timeBlock)
	}
	p := s.block[:2:2]
	s.block = s.block[2:]
	p[0], p[1] = a, b
	return &p[0], &p[1]
}
