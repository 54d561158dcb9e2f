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
	next Doer
	now  func() time.Time

	mu    sync.Mutex
	until map[string]time.Time // method -> end of its Retry-After
}

// NewHoldingClient wraps next. now is the clock (nil: time.Now).
func NewHoldingClient(next Doer, now func() time.Time) *HoldingClient {
	if now == nil {
		now = time.Now
	}
	return &HoldingClient{next: next, now: now, until: map[string]time.Time{}}
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
		c.hold(method, retryAfter(resp.Header.Get("Retry-After")))
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

func (c *HoldingClient) hold(method string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until := c.now().Add(d); until.After(c.until[method]) {
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
