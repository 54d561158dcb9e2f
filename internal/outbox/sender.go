package outbox

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// serve is one lane's sender: it sends the lane's messages in order and
// ends once the lane has been idle for a pace window (by then nothing
// sent earlier counts against the pace), or once the outbox is closed and
// the lane is empty, or when the outbox stops.
func (b *Outbox) serve(l *lane) {
	idle := time.NewTimer(b.window())
	defer idle.Stop()
	for {
		b.mu.Lock()
		if len(l.items) > 0 {
			it := l.items[0]
			l.items = l.items[1:]
			close(b.space)
			b.space = make(chan struct{})
			b.mu.Unlock()
			b.deliver(l, it)
			idle.Reset(b.window())
			continue
		}
		if b.closed || b.ctx.Err() != nil {
			delete(b.lanes, l.key)
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		select {
		case <-l.wake:
		case <-b.ctx.Done():
		case <-idle.C:
			b.mu.Lock()
			if len(l.items) == 0 {
				delete(b.lanes, l.key)
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
		}
	}
}

// window is the pace window: Burst×Interval.
func (b *Outbox) window() time.Duration {
	return max(time.Duration(b.o.Burst)*b.o.Interval, time.Millisecond)
}

// deliver sends one message until it is sent, fails for good, outlasts
// its GiveUpAfter, or the outbox stops.
func (b *Outbox) deliver(l *lane, it *item) {
	log := b.logger(it.m)
	var first time.Time
	backoff := b.o.RetryMin
	for attempt := 1; ; attempt++ {
		if it.m.Paced && !b.pace(l) {
			b.finish(log, it, "", ErrStopped)
			return
		}
		if b.ctx.Err() != nil {
			b.finish(log, it, "", ErrStopped)
			return
		}
		if first.IsZero() {
			first = time.Now()
		}
		ts, err := it.m.Send(b.ctx)
		wait, permanent := classify(err)
		if it.m.Paced && wait == 0 {
			l.sent = append(l.sent, time.Now()) // Slack may have counted it, even if it failed
		}
		if err == nil {
			if attempt > 1 {
				log.Info().Int("attempt", attempt).Msg("sent after retrying")
			}
			b.finish(log, it, ts, nil)
			return
		}
		b.o.Failed(it.m.Method, err)
		if permanent {
			b.finish(log, it, "", err)
			return
		}
		if wait == 0 {
			wait, backoff = backoff, min(2*backoff, b.o.RetryMax)
		}
		if tried := time.Since(first); it.m.GiveUpAfter > 0 && tried+wait > it.m.GiveUpAfter {
			b.finish(log, it, "", &GaveUpError{Tried: tried, Err: err})
			return
		}
		log.Info().Err(err).Int("attempt", attempt).Dur("retry_in", wait).Msg("not sent yet; retrying")
		if !sleep(b.ctx, wait) {
			b.finish(log, it, "", ErrStopped)
			return
		}
	}
}

// finish resolves every Result of the message; a failure is logged once.
func (b *Outbox) finish(log zerolog.Logger, it *item, ts string, err error) {
	if err != nil {
		log.Warn().Err(err).Msg("message not sent")
	}
	for _, r := range it.results {
		r.resolve(ts, err)
	}
}

func (b *Outbox) logger(m Message) zerolog.Logger {
	c := b.o.Log.With().Str("message", m.What).Str("lane", m.Lane)
	for k, v := range m.Fields {
		c = c.Str(k, v)
	}
	return c.Logger()
}

// pace waits until one more paced message fits the lane's window; false
// when the outbox stopped meanwhile.
func (b *Outbox) pace(l *lane) bool {
	if b.o.Interval < 0 {
		return true
	}
	win := b.window()
	now := time.Now()
	keep := l.sent[:0]
	for _, t := range l.sent {
		if now.Sub(t) < win {
			keep = append(keep, t)
		}
	}
	l.sent = keep
	if len(keep) < b.o.Burst {
		return true
	}
	return sleep(b.ctx, win-now.Sub(keep[len(keep)-b.o.Burst]))
}

// classify says how to treat a failed call: wait > 0 is Slack's
// Retry-After; permanent means retrying cannot help (channel_not_found,
// invalid_blocks, …). Everything else (a 5xx, a broken connection, a
// timeout, Slack's internal_error) is transient.
func classify(err error) (wait time.Duration, permanent bool) {
	if err == nil {
		return 0, false
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return max(rl.RetryAfter, time.Second), false
	}
	if errors.Is(err, context.Canceled) {
		return 0, false
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return 0, !transientCodes[se.Err]
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return 0, sc.Code < http.StatusInternalServerError && sc.Code != http.StatusRequestTimeout
	}
	return 0, false
}

// transientCodes are Slack error codes worth retrying.
var transientCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "ratelimited": true, "team_added_to_org": true,
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
