package outbox

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Doer sends one HTTP request: *http.Client, and what slack.OptionHTTPClient takes.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// HoldingClient makes every Web API call of a method wait while a
// Retry-After that Slack gave for that method runs, whichever goroutine
// was told. slack-go's own retries (slack.OptionRetry) wait out a 429 only
// in the goroutine that got it; without this hold the others would go on
// calling the method and break the limit again. Wrap the *http.Client with
// it and pass it to slack.OptionHTTPClient before slack.OptionRetryConfig,
// so each retry passes through the hold too.
type HoldingClient struct {
	next   Doer
	now    func() time.Time
	shared SharedHolds // nil: this process only

	mu    sync.Mutex
	until map[string]time.Time // method -> end of its Retry-After
}

// SharedHolds makes holds known to every replica of the bot: Slack's
// limits are per app, so a Retry-After one replica was given binds them
// all. Errors leave the caller with its own holds only.
type SharedHolds interface {
	Until(ctx context.Context, method string) (time.Time, error)
	Hold(ctx context.Context, method string, until time.Time) error
}

// sharedTimeout bounds each look at the shared holds: a slow store must
// not stall every Slack call.
const sharedTimeout = 250 * time.Millisecond

// NewHoldingClient wraps next. now is the clock (nil: time.Now); shared,
// when not nil, also holds every other replica (and is told of theirs).
func NewHoldingClient(next Doer, now func() time.Time, shared SharedHolds) *HoldingClient {
	if now == nil {
		now = time.Now
	}
	return &HoldingClient{next: next, now: now, shared: shared, until: map[string]time.Time{}}
}

// Do waits for the method's hold to end (or the request's context), sends
// the request and, on a 429, holds the method for its Retry-After.
func (c *HoldingClient) Do(r *http.Request) (*http.Response, error) {
	method := path.Base(r.URL.Path)
	if err := c.wait(r.Context(), method); err != nil {
		return nil, err
	}
	resp, err := c.next.Do(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		until := c.hold(method, retryAfter(resp.Header.Get("Retry-After")))
		if c.shared != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sharedTimeout)
			_ = c.shared.Hold(ctx, method, until) // best effort: this replica holds anyway
			cancel()
		}
	}
	return resp, err
}

// HeldFor reports how long calls of method will still wait (0: none).
func (c *HoldingClient) HeldFor(method string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(0, c.until[method].Sub(c.now()))
}

func (c *HoldingClient) wait(ctx context.Context, method string) error {
	for {
		c.readShared(ctx, method)
		d := c.HeldFor(method)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// readShared takes in a hold another replica recorded.
func (c *HoldingClient) readShared(ctx context.Context, method string) {
	if c.shared == nil {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	if until, err := c.shared.Until(sctx, method); err == nil && until.After(c.now()) {
		c.holdUntil(method, until)
	}
}

func (c *HoldingClient) hold(method string, d time.Duration) time.Time {
	until := c.now().Add(d)
	c.holdUntil(method, until)
	return until
}

func (c *HoldingClient) holdUntil(method string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.until[method]) {
		c.until[method] = until
	}
}

// retryAfter reads Slack's Retry-After (whole seconds). A missing, zero or
// malformed value means one second, slack-go's own minimum.
func retryAfter(h string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || secs < 1 {
		return time.Second
	}
	return time.Duration(secs) * time.Second
}
