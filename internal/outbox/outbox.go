package outbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Errors a Result may end with besides the message's own permanent error.
var (
	// ErrStopped means the outbox stopped (the bot is shutting down) before
	// the message could be sent.
	ErrStopped = errors.New("outbox: stopped before the message was sent")
	// ErrClosed means the message was given to an outbox already closing.
	ErrClosed = errors.New("outbox: closed")
)

// GaveUpError is the end of a message with a GiveUpAfter bound whose
// transient failures outlasted it.
type GaveUpError struct {
	Tried time.Duration
	Err   error // the last failure
}

func (e *GaveUpError) Error() string {
	return "gave up after " + e.Tried.Round(time.Second).String() + ": " + e.Err.Error()
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// Options configures an Outbox. Zero values take the defaults.
type Options struct {
	Log zerolog.Logger
	// Interval and Burst are the pace of paced messages in one lane: at
	// most Burst within any Burst×Interval (default 1s and 3: Slack's
	// chat.postMessage allows about one a second per channel, with short
	// bursts). A negative Interval turns pacing off (a fake without limits).
	Interval time.Duration
	Burst    int
	// QueueLen is how many messages may wait in one lane; Send blocks
	// beyond it (default 1000).
	QueueLen int
	// RetryMin and RetryMax bound the backoff between attempts after a
	// transient failure that names no wait (default 1s and 30s).
	RetryMin, RetryMax time.Duration
	// Failed is told of every failed attempt, with the message's Method
	// (e.g. for a metric); nil: not.
	Failed func(method string, err error)
}

func (o Options) withDefaults() Options {
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Burst <= 0 {
		o.Burst = 3
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 1000
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 30 * time.Second
	}
	if o.Failed == nil {
		o.Failed = func(string, error) {}
	}
	return o
}

// Message is one thing to send.
type Message struct {
	// Lane orders messages: those of one lane go out one at a time, in the
	// order given (a channel's ID, or anything naming one surface).
	Lane string
	// What says what it is, for logs ("thread reply"); Fields are added to
	// its log lines (e.g. request_id).
	What   string
	Fields map[string]string
	// Method is the Web API method Send calls, for Options.Failed.
	Method string
	// Send makes the call and returns the message's ts. It is called with
	// the outbox's context, again after each transient failure.
	Send func(ctx context.Context) (ts string, err error)
	// Paced messages count against the lane's pace (new messages); others
	// (updates of a message) only keep the order.
	Paced bool
	// Replace, when set, makes this message take the place of a waiting,
	// unsent one with the same Replace key (a newer version of one update).
	Replace string
	// GiveUpAfter bounds how long transient failures are retried from the
	// first attempt; 0: until sent or the outbox stops.
	GiveUpAfter time.Duration
}

// Result is a message's outcome once it is sent or has failed for good.
type Result struct {
	done chan struct{}
	ts   string
	err  error
}

func newResult() *Result { return &Result{done: make(chan struct{})} }

func failed(err error) *Result {
	r := newResult()
	r.resolve("", err)
	return r
}

func (r *Result) resolve(ts string, err error) {
	r.ts, r.err = ts, err
	close(r.done)
}

// Done is closed once the outcome is known.
func (r *Result) Done() <-chan struct{} { return r.done }

// Wait returns the message's ts or why it was not sent; ctx only bounds
// the waiting, the message stays queued.
func (r *Result) Wait(ctx context.Context) (string, error) {
	select {
	case <-r.done:
		return r.ts, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Outbox sends messages lane by lane: one sender goroutine per lane with
// messages waiting (it ends when the lane has been idle for a pace
// window), messages in order, paced, retried until sent or stopped.
type Outbox struct {
	o      Options
	ctx    context.Context // ends when the drain bound passes
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	lanes  map[string]*lane
	space  chan struct{} // closed and replaced when a lane takes a message
}

type item struct {
	m       Message
	results []*Result
}

type lane struct {
	key   string
	items []*item
	wake  chan struct{} // cap 1: messages were added or the outbox closes
	sent  []time.Time   // paced sends within the pace window (sender only)
}

// New starts an empty Outbox.
func New(o Options) *Outbox {
	ctx, cancel := context.WithCancel(context.Background())
	return &Outbox{o: o.withDefaults(), ctx: ctx, cancel: cancel, lanes: map[string]*lane{}, space: make(chan struct{})}
}

// Send queues m and returns its Result at once, or blocks while m's lane
// is full until there is room or ctx ends.
func (b *Outbox) Send(ctx context.Context, m Message) *Result {
	r := newResult()
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return failed(ErrClosed)
		}
		l := b.laneLocked(m.Lane)
		if old := l.findLocked(m.Replace); old != nil {
			old.m, old.results = m, append(old.results, r)
			b.mu.Unlock()
			return r
		}
		if len(l.items) < b.o.QueueLen {
			l.items = append(l.items, &item{m: m, results: []*Result{r}})
			signal(l.wake)
			b.mu.Unlock()
			return r
		}
		space := b.space
		b.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return failed(ctx.Err())
		}
	}
}

// Close stops taking messages and sends what is queued until ctx ends;
// then it stops every sender, and what is still unsent ends with
// ErrStopped (each logged). It returns when every sender has ended.
func (b *Outbox) Close(ctx context.Context) {
	b.mu.Lock()
	b.closed = true
	for _, l := range b.lanes {
		signal(l.wake)
	}
	b.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-ctx.Done():
		b.cancel()
		<-drained
	}
	b.cancel()
}

// Stop ends sending at once: what is queued, and what is given later,
// ends with ErrStopped. Close still has to be called.
func (b *Outbox) Stop() { b.cancel() }

// Waiting is how many messages wait unsent in all lanes.
func (b *Outbox) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, l := range b.lanes {
		n += len(l.items)
	}
	return n
}

func (b *Outbox) laneLocked(key string) *lane {
	if l, ok := b.lanes[key]; ok {
		return l
	}
	l := &lane{key: key, wake: make(chan struct{}, 1)}
	b.lanes[key] = l
	b.wg.Go(func() { b.serve(l) })
	return l
}

func (l *lane) findLocked(replace string) *item {
	if replace == "" {
		return nil
	}
	for _, it := range l.items {
		if it.m.Replace == replace {
			return it
		}
	}
	return nil
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
