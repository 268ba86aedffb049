package scenarios

import (
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

// recordBuffer hands pending Records to a sink in acceptance order although attempts
// finish out of order: a slot is taken when an attempt reaches the server (in
// time order, as the simulator processes events) and completed when its
// outcome is known; the head is flushed as far as it is complete. Memory is
// bounded by the attempts in flight plus those finished behind the oldest of
// them.
//
// A slot is 4 bytes; its Record is held apart, and only while it needs to
// be: from add (a Record known on arrival), or from put when it is finished
// before its turn. A slot taken by reserve holds no Record while its attempt
// is in flight (the attempt itself keeps what the Record will say), and one
// whose turn has come when put goes to the sink without being held, so a
// fleet started together (every attempt pending at once) holds a slot per
// client, not a Record.
//
// Slots and Records live in fixed blocks that are never moved, only
// recycled, so a growing buffer costs no copying. A slot is named outside by
// its number's low 32 bits (a slotRef): the slots not yet flushed span
// far fewer than 2^32 numbers, from head on, so the low bits say which.
//
// slotRef is that name.
type slotRef uint32

type recordBuffer struct {
	blocks [][]recordSlot // blocks[0] holds slots from first on
	spare  [][]recordSlot // flushed blocks, for reuse
	first  uint64         // the number of blocks[0]'s first slot
	head   uint64         // the oldest slot not yet flushed
	next   uint64         // the next slot to take
	held   recordPool     // the Records of slots that hold one
	sink   func(*pendingRecord)
	// scratch is the Record put hands to the sink when it holds none.
	scratch pendingRecord
}

// recordSlot is a slot's state: its Record's handle in recordBuffer.held
// (0: none yet), and slotDone once the Record is complete.
type recordSlot uint32

const slotDone recordSlot = 1 << 31

func (s recordSlot) record() uint32 { return uint32(s &^ slotDone) }

// pendingRecord is an attempt's Record while it waits for its turn, without
// a pointer: the garbage collector need not scan the buffer's blocks. Its
// strings are numbers here (the client's, the logical request's, indexes in
// a recordNames) and are put back when it is flushed (simulator.flush).
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

// recordBlock is the number of slots, and of held Records, per block.
const recordBlock = 1024

func newRecordBuffer(sink func(*pendingRecord)) *recordBuffer {
	return &recordBuffer{sink: sink}
}

// take takes the next slot, which holds record (0: none), and returns it.
func (b *recordBuffer) take(record uint32) slotRef {
	slot := b.next
	if slot-b.first == uint64(len(b.blocks))*recordBlock {
		b.blocks = append(b.blocks, b.newBlock())
	}
	b.next++
	*b.slot(slot) = recordSlot(record)
	return slotRef(slot)
}

// number is the slot number of ref, a slot not yet flushed.
func (b *recordBuffer) number(ref slotRef) uint64 {
	return b.head + uint64(uint32(ref)-uint32(b.head))
}

// add takes the next slot for rec, not yet finished (at gives it back to
// be completed), and returns it.
func (b *recordBuffer) add(rec *pendingRecord) slotRef {
	h, p := b.held.take()
	*p = *rec
	return b.take(h)
}

// reserve takes the next slot for a Record that put hands over once it is
// complete, and returns it.
func (b *recordBuffer) reserve() slotRef { return b.take(0) }

func (b *recordBuffer) newBlock() []recordSlot {
	if n := len(b.spare); n > 0 {
		blk := b.spare[n-1]
		b.spare = b.spare[:n-1]
		return blk
	}
	return make([]recordSlot, recordBlock)
}

func (b *recordBuffer) slot(n uint64) *recordSlot {
	i := n - b.first
	return &b.blocks[i/recordBlock][i%recordBlock]
}

// at returns the Record of a slot taken by add and not yet finished.
func (b *recordBuffer) at(ref slotRef) *pendingRecord {
	return b.held.get(b.slot(b.number(ref)).record())
}

// finish marks a slot taken by add complete and flushes every complete
// slot at the head.
func (b *recordBuffer) finish(ref slotRef) {
	*b.slot(b.number(ref)) |= slotDone
	b.flush()
}

// put completes a slot taken by reserve with rec: it goes to the sink now
// if its turn has come, else it is held until then.
func (b *recordBuffer) put(ref slotRef, rec *pendingRecord) {
	slot := b.number(ref)
	if slot == b.head {
		b.scratch = *rec // rec itself, handed to the sink, would escape
		b.sink(&b.scratch)
		b.advance()
		b.flush()
		return
	}
	h, p := b.held.take()
	*p = *rec
	*b.slot(slot) = recordSlot(h) | slotDone
}

// flush hands every complete slot at the head to the sink.
func (b *recordBuffer) flush() {
	for b.head < b.next {
		s := b.slot(b.head)
		if *s&slotDone == 0 {
			return
		}
		b.sink(b.held.get(s.record()))
		b.held.put(s.record())
		b.advance()
	}
}

// advance moves the head past a flushed slot, recycling a block all flushed.
func (b *recordBuffer) advance() {
	b.head++
	if b.head-b.first == recordBlock { // blocks[0] is all flushed: recycle it
		b.spare = append(b.spare, b.blocks[0]) // take overwrites each slot it reuses
		b.blocks = append(b.blocks[:0], b.blocks[1:]...)
		b.first += recordBlock
	}
}

// recordPool holds the Records of a recordBuffer's slots by handle
// (index+1), in blocks that never move, reused once flushed.
type recordPool struct {
	blocks [][]pendingRecord
	used   uint32   // handles handed out so far
	free   []uint32 // handles of flushed Records
}

// take returns a handle (non-zero) and its Record, to be overwritten.
func (p *recordPool) take() (uint32, *pendingRecord) {
	if n := len(p.free); n > 0 {
		h := p.free[n-1]
		p.free = p.free[:n-1]
		return h, p.get(h)
	}
	if int(p.used) == len(p.blocks)*recordBlock {
		p.blocks = append(p.blocks, make([]pendingRecord, recordBlock))
	}
	p.used++
	return p.used, p.get(p.used)
}

func (p *recordPool) get(h uint32) *pendingRecord {
	i := h - 1
	return &p.blocks[i/recordBlock][i%recordBlock]
}

func (p *recordPool) put(h uint32) { p.free = append(p.free, h) }

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

// decisionNames numbers the (route, phase, fault kind) names of the
// decisions of attempts in flight, in a recordNames, so that an attempt
// keeps one number for the three: a run meets a handful of combinations.
type decisionNames []decisionName

type decisionName struct{ route, phase, fault uint32 }

// index numbers the names of d, numbering them in names first.
func (n *decisionNames) index(names *recordNames, d *faultserver.Plan) uint32 {
	v := decisionName{names.index(d.Route), names.index(d.Phase), names.index(d.Kind)}
	for i, w := range *n {
		if w == v {
			return uint32(i)
		}
	}
	*n = append(*n, v)
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
