package slackapp

import "sync"

// lane says which queue a piece of work waits in.
type lane int

const (
	// laneWork is everything else an envelope asks for: requests, forms,
	// lists, status, freeze, policy.
	laneWork lane = iota
	// laneDecision is Approve, Deny and Cancel: short, and what people
	// wait for. It never waits behind request work.
	laneDecision
)

// pool runs the work that follows an ack on a fixed number of goroutines,
// from two bounded queues, so that a burst of envelopes never starts an
// unbounded number of goroutines and a flood of requests never delays a
// click. Some workers take decisions only; the others take a waiting
// decision before any other work. Nothing ever waits to enqueue: when a
// queue is full, tryQueue says so and the envelope is acked "busy".
type pool struct {
	decisions chan func()
	work      chan func()
	wg        sync.WaitGroup
}

// startPool starts deciders workers that take decisions only and workers
// that take both, decisions first.
func startPool(deciders, workers, decisionQueue, workQueue int) *pool {
	p := &pool{decisions: make(chan func(), decisionQueue), work: make(chan func(), workQueue)}
	for range deciders {
		p.wg.Go(func() {
			for job := range p.decisions {
				job()
			}
		})
	}
	for range workers {
		p.wg.Go(p.serveBoth)
	}
	return p
}

// serveBoth runs jobs from both queues, a waiting decision first, until both
// are closed and drained.
func (p *pool) serveBoth() {
	decisions, work := p.decisions, p.work
	for decisions != nil || work != nil {
		select {
		case job, ok := <-decisions:
			if ok {
				job()
				continue
			}
			decisions = nil
		default:
		}
		select {
		case job, ok := <-decisions:
			if !ok {
				decisions = nil
				continue
			}
			job()
		case job, ok := <-work:
			if !ok {
				work = nil
				continue
			}
			job()
		}
	}
}

// tryQueue queues job in its lane and reports whether there was room. It
// never blocks: the event loop must keep reading envelopes.
func (p *pool) tryQueue(l lane, job func()) bool {
	q := p.work
	if l == laneDecision {
		q = p.decisions
	}
	select {
	case q <- job:
		return true
	default:
		return false
	}
}

// stop accepts no more work and returns when every queued job has finished:
// work already accepted (a request, a click, a restore submission) is
// completed, not dropped. Call it once, after the last tryQueue.
func (p *pool) stop() {
	close(p.decisions)
	close(p.work)
	p.wg.Wait()
}
