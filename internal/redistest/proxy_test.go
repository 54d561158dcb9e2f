package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestProxy: Hold keeps the server's replies back until Release;
// SwallowNext loses one command's reply (the command still runs) and that
// connection's later replies.
func TestProxy(t *testing.T) {
	s := Start(t, false)
	p := NewProxy(t, s.Addr)
	c := redis.NewClient(&redis.Options{Addr: p.Addr, MaxRetries: -1, PoolSize: 1, ReadTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()

	p.Hold()
	done := make(chan error, 1)
	go func() { done <- c.Do(context.Background(), "PING").Err() }()
	select {
	case err := <-done:
		t.Fatalf("a reply came through a held proxy: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	p.Release()
	if err := <-done; err != nil {
		t.Fatalf("the held reply after Release: %v", err)
	}

	p.SwallowNext("incr")
	if err := c.Incr(ctx, "{proxy}:n").Err(); err == nil {
		t.Fatal("INCR answered through a proxy armed to swallow its reply")
	}
	if got := p.Swallowed(); got != 1 {
		t.Errorf("Swallowed = %d, want 1", got)
	}
	if got := s.Do(t, "GET", "{proxy}:n"); got != "1" {
		t.Errorf("the swallowed INCR left %v, want 1: the command must still run", got)
	}
	s.Do(t, "DEL", "{proxy}:n")
	if err := c.Ping(ctx).Err(); err != nil { // a new connection answers again
		t.Errorf("PING on a fresh connection after the swallow: %v", err)
	}
}
