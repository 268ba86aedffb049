package scenarios

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
)

// recordPipe hands an engine's Records to one or more stages (the log's
// encoding, the streaming analysis) on consumer goroutines beside the
// engine, in batches and in order, so that the engine and what becomes of
// its Records run side by side instead of taking turns on one core. Every
// stage sees every batch; a batch is reused once every consumer is done
// with it. The engine calls add from one goroutine at a time, as it calls a
// Sink; close waits until every Record added has been consumed and returns
// the first error of the first stage that failed, in the order they were
// given. A stage that fails sees no more Records, and the engine is stopped.
type recordPipe struct {
	stages    []*stageRun // in the order given
	consumers []*pipeConsumer
	cur       *recordBatch
	free      chan *recordBatch // back from the consumers, for reuse
	made      int               // batches made so far, at most pipeInFlight+1
	failed    atomic.Bool       // a stage has failed: add refuses
	done      sync.WaitGroup
}

// pipeStage is what a stage does with the Records: consume each, after warm
// (when set) has seen the run of up to pipeWarm Records it belongs to
// (analysis.Accumulator.Warm, which reads ahead the states the next Records
// touch). Both may read the Records but not change them: every stage sees
// the same ones.
type pipeStage struct {
	consume func(*record.Record) error
	warm    func([]record.Record)
}

// pipeWarm is the run of Records a stage's warm sees at once: the most
// analysis.Accumulator.Warm reads ahead.
const pipeWarm = 256

// stageRun is a stage and its first error, read after the consumers are
// done.
type stageRun struct {
	pipeStage
	err error
}

// pipeConsumer is one consumer goroutine and the stages it runs, in order,
// on each batch.
type pipeConsumer struct {
	stages []*stageRun
	full   chan *recordBatch // to the consumer
}

// recordBatch is Records copied out of the engine. Their SentMs and
// ReceivedMs point where the engine put them, which it never reuses.
type recordBatch struct {
	recs    []record.Record
	pending atomic.Int32 // consumers not yet done with it
}

const (
	// pipeBatch is the Records in a batch. A hand-off may wake a consumer,
	// which then runs in the engine's place until a core is free for it:
	// the herd's 220 hand-offs of 4,096 Records cost the engine 40 ms of
	// waiting for a core, where 880 of 1,024 cost it 90 ms.
	pipeBatch = 4096
	// pipeInFlight is the most batches between the engine and the slowest
	// consumer, made only as a burst needs them (the herd's first attempts,
	// 100,000 Records all at time 0). The engine waits for a consumer only
	// beyond it.
	pipeInFlight = 32
)

// errPipeFailed stops the engine once a stage has failed; close returns the
// failure itself.
var errPipeFailed = errors.New("the Records' consumer failed")

// newRecordPipe starts the consumers of the stages: a goroutine per stage
// when the process has a core for each beside the engine's, else one per
// core it has beside the engine's (at least one), the stages dealt among
// them in order. The engine is the run's critical path: on two cores, a
// third busy goroutine would take turns with it, and the herd's engine
// waited runnable for a core 0.44 s of its 1.0 s so, while one goroutine
// running both stages keeps up with it (docs/PERFORMANCE.md).
func newRecordPipe(stages ...pipeStage) *recordPipe {
	return newRecordPipeOn(runtime.GOMAXPROCS(0)-1, stages...)
}

// newRecordPipeOn is newRecordPipe with at most lanes consumer goroutines
// (at least one).
func newRecordPipeOn(lanes int, stages ...pipeStage) *recordPipe {
	p := &recordPipe{free: make(chan *recordBatch, pipeInFlight+1)}
	p.cur = p.next()
	for _, st := range stages {
		p.stages = append(p.stages, &stageRun{pipeStage: st})
	}
	lanes = max(1, min(lanes, len(stages)))
	for i := range lanes {
		c := &pipeConsumer{full: make(chan *recordBatch, pipeInFlight)}
		for j := i; j < len(p.stages); j += lanes {
			c.stages = append(c.stages, p.stages[j])
		}
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
		p.cur = p.next()
	}
	return nil
}

// next is an empty batch: one the consumers are done with, else a new one
// while fewer than pipeInFlight+1 exist, else the next to come back. Batches
// are made as they are needed, so only a burst of Records (the herd's first
// attempts, all at time 0) holds many.
func (p *recordPipe) next() *recordBatch {
	select {
	case b := <-p.free:
		return b
	default:
	}
	if p.made < pipeInFlight+1 {
		p.made++
		return &recordBatch{recs: make([]record.Record, 0, pipeBatch)}
	}
	return <-p.free
}

func (p *recordPipe) handOver(b *recordBatch) {
	b.pending.Store(int32(len(p.consumers)))
	for _, c := range p.consumers {
		c.full <- b
	}
}

// close hands over the last batch, waits for the consumers and returns the
// first stage's error.
func (p *recordPipe) close() error {
	if len(p.cur.recs) > 0 {
		p.handOver(p.cur)
	}
	for _, c := range p.consumers {
		close(c.full)
	}
	p.done.Wait()
	for _, st := range p.stages {
		if st.err != nil {
			return st.err
		}
	}
	return nil
}

func (p *recordPipe) run(c *pipeConsumer) {
	for b := range c.full {
		for _, st := range c.stages {
			if st.err == nil {
				if st.err = st.consumeBatch(b.recs); st.err != nil {
					p.failed.Store(true)
				}
			}
		}
		if b.pending.Add(-1) == 0 { // the last consumer of b
			b.recs = b.recs[:0]
			p.free <- b
		}
	}
}

// consumeBatch consumes recs in order, warming each run of pipeWarm first,
// until the first error, which it returns.
func (st *pipeStage) consumeBatch(recs []record.Record) error {
	for start := 0; start < len(recs); start += pipeWarm {
		run := recs[start:min(start+pipeWarm, len(recs))]
		if st.warm != nil {
			st.warm(run)
		}
		for i := range run {
			if err := st.consume(&run[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
