package slackapp

import "sync"

// pool runs the work that follows an ack on a fixed number of goroutines, so
// a burst of envelopes never starts an unbounded number of them. The queue is
// deep enough for a burst of a thousand envelopes; the event loop blocks only
// when it is full, and it has acked the envelope in hand before it tries.
type pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func startPool(workers, queue int) *pool {
	p := &pool{jobs: make(chan func(), queue)}
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				job()
			}
		}()
	}
	return p
}

// submit queues job, waiting while the queue is full.
func (p *pool) submit(job func()) { p.jobs <- job }

// stop accepts no more work and returns when every queued job has finished:
// work already accepted (a request, a click, a restore submission) is
// completed, not dropped. Call
// it once, after the last submit.
func (p *pool) stop() {
	close(p.jobs)
	p.wg.Wait()
}
