package scenarios

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
)

// recordPipe hands an engine's Records to one or more consumers, each on a
// goroutine of its own, in batches and in order, so that the engine and what
// becomes of its Records (the log's encoding, the streaming analysis) run
// side by side instead of taking turns on one core. Every consumer sees
// every batch; a batch is reused once all of them are done with it. The
// engine calls add from one goroutine at a time, as it calls a Sink; close
// waits until every Record added has been consumed and returns the first
// error of the first consumer that failed, in the order they were given.
type recordPipe struct {
	consumers []*pipeConsumer
	cur       *recordBatch
	free      chan *recordBatch // back from the consumers, for reuse
	failed    atomic.Bool       // a consumer has failed: add refuses
	done      sync.WaitGroup
}

// pipeStage is what a consumer does with the Records: consume each, after
// warm (when set) has seen the run of up to pipeWarm Records it belongs to
// (analysis.Accumulator.Warm, which reads ahead the states the next Records
// touch). Both may read the Records but not change them: every consumer
// sees the same ones.
type pipeStage struct {
	consume func(*record.Record) error
	warm    func([]record.Record)
}

// pipeWarm is the run of Records a stage's warm sees at once: the most
// analysis.Accumulator.Warm reads ahead.
const pipeWarm = 256

// pipeConsumer is one consumer's goroutine and what it has to do.
type pipeConsumer struct {
	pipeStage
	full chan *recordBatch // to the consumer
	err  error             // consume's first error; read after done
}

// recordBatch is Records copied out of the engine. Their SentMs and
// ReceivedMs point where the engine put them, which it never reuses.
type recordBatch struct {
	recs    []record.Record
	pending atomic.Int32 // consumers not yet done with it
}

const (
	pipeBatch    = 1024 // Records in a batch: large enough that a hand-off is rare
	pipeInFlight = 8    // batches between the engine and the slowest consumer
)

// errPipeFailed stops the engine once a consumer has failed; close returns
// the failure itself.
var errPipeFailed = errors.New("the Records' consumer failed")

func newRecordPipe(stages ...pipeStage) *recordPipe {
	p := &recordPipe{free: make(chan *recordBatch, pipeInFlight+1)}
	for range pipeInFlight + 1 {
		p.free <- &recordBatch{recs: make([]record.Record, 0, pipeBatch)}
	}
	p.cur = <-p.free
	for _, st := range stages {
		c := &pipeConsumer{pipeStage: st, full: make(chan *recordBatch, pipeInFlight)}
		p.consumers = append(p.consumers, c)
	}
	for _, c := range p.consumers {
		p.done.Go(func() { p.run(c) })
	}
	return p
}

// add copies r into the current batch, handing the batch over when it is full.
func (p *recordPipe) add(r *record.Record) error {
	if p.failed.Load() {
		return errPipeFailed
	}
	b := p.cur
	b.recs = append(b.recs, *r)
	if len(b.recs) == pipeBatch {
		p.handOver(b)
		p.cur = <-p.free
	}
	return nil
}

func (p *recordPipe) handOver(b *recordBatch) {
	b.pending.Store(int32(len(p.consumers)))
	for _, c := range p.consumers {
		c.full <- b
	}
}

// close hands over the last batch, waits for the consumers and returns the
// first one's error.
func (p *recordPipe) close() error {
	if len(p.cur.recs) > 0 {
		p.handOver(p.cur)
	}
	for _, c := range p.consumers {
		close(c.full)
	}
	p.done.Wait()
	for _, c := range p.consumers {
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

func (p *recordPipe) run(c *pipeConsumer) {
	for b := range c.full {
		if c.err == nil {
			c.consumeBatch(b.recs)
			if c.err != nil {
				p.failed.Store(true)
			}
		}
		if b.pending.Add(-1) == 0 { // the last consumer of b
			b.recs = b.recs[:0]
			p.free <- b
		}
	}
}

// consumeBatch consumes recs in order, warming each run of pipeWarm first,
// until the first error (kept in c.err).
func (c *pipeConsumer) consumeBatch(recs []record.Record) {
	for start := 0; start < len(recs); start += pipeWarm {
		run := recs[start:min(start+pipeWarm, len(recs))]
		if c.warm != nil {
			c.warm(run)
		}
		for i := range run {
			if err := c.consume(&run[i]); err != nil {
				c.err = err
				return
			}
		}
	}
}
