package scenarios

import (
	"errors"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
)

// recordPipe hands an engine's Records to consume on a goroutine of its own,
// in batches and in order, so that the engine and what becomes of its
// Records (the log's encoding, the streaming analysis) run on two cores
// instead of taking turns on one. The engine calls add from one goroutine
// at a time, as it calls a Sink; close waits until every Record added has
// been consumed and returns consume's first error.
type recordPipe struct {
	consume func(*record.Record) error
	cur     *recordBatch
	full    chan *recordBatch // to the consumer
	free    chan *recordBatch // back from it, for reuse
	failed  atomic.Bool       // consume has failed: add refuses
	err     error             // consume's first error; read after done
	done    chan struct{}
}

// recordBatch is Records copied out of the engine. Their SentMs and
// ReceivedMs point where the engine put them, which it never reuses.
type recordBatch struct{ recs []record.Record }

const (
	pipeBatch    = 1024 // Records in a batch: large enough that a hand-off is rare
	pipeInFlight = 4    // batches between the engine and the consumer
)

// errPipeFailed stops the engine once consume has failed; close returns the
// failure itself.
var errPipeFailed = errors.New("the Records' consumer failed")

func newRecordPipe(consume func(*record.Record) error) *recordPipe {
	p := &recordPipe{
		consume: consume,
		full:    make(chan *recordBatch, pipeInFlight),
		free:    make(chan *recordBatch, pipeInFlight+1),
		done:    make(chan struct{}),
	}
	for range pipeInFlight + 1 {
		p.free <- &recordBatch{recs: make([]record.Record, 0, pipeBatch)}
	}
	p.cur = <-p.free
	go p.run()
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
		p.full <- b
		p.cur = <-p.free
	}
	return nil
}

// close hands over the last batch, waits for the consumer and returns its
// first error.
func (p *recordPipe) close() error {
	if len(p.cur.recs) > 0 {
		p.full <- p.cur
	}
	close(p.full)
	<-p.done
	return p.err
}

func (p *recordPipe) run() {
	defer close(p.done)
	for b := range p.full {
		if p.err == nil {
			for i := range b.recs {
				if err := p.consume(&b.recs[i]); err != nil {
					p.err = err
					p.failed.Store(true)
					break
				}
			}
		}
		b.recs = b.recs[:0]
		p.free <- b
	}
}
