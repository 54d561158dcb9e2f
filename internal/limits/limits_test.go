package limits_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/redistest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestAdmitOnceAndLimitAcrossReplicas: two gates (replicas) on one Redis
// admit each key once, count a user's commands together, refuse past the
// limit with the window's remaining time, and leave other users alone.
func TestAdmitOnceAndLimitAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	clk := &clock{t: time.Unix(1_900_000_000, 0)}
	a, b := limits.NewGate(rdb, prefix, 3, clk.Now), limits.NewGate(rdb, prefix, 3, clk.Now)

	steps := []struct {
		gate               *limits.Gate
		key, user          string
		counted            bool
		duplicate, limited bool
	}{
		{a, "cmd:1", "U1", true, false, false},
		{b, "cmd:1", "U1", true, true, false}, // redelivered to the other replica
		{b, "cmd:2", "U1", true, false, false},
		{a, "view:V1:h1", "U1", false, false, false}, // not counted
		{a, "cmd:3", "U1", true, false, false},
		{b, "cmd:4", "U1", true, false, true}, // the fourth command
		{b, "cmd:4", "U1", true, true, false}, // its redelivery is only a duplicate
		{a, "cmd:5", "U2", true, false, false},
	}
	for i, s := range steps {
		v, err := s.gate.Admit(ctx, s.key, s.user, s.counted)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v.Duplicate != s.duplicate || v.Limited != s.limited {
			t.Fatalf("step %d (%s by %s): got %+v, want duplicate=%v limited=%v", i, s.key, s.user, v, s.duplicate, s.limited)
		}
		if v.Limited && (v.RetryAfter <= 0 || v.RetryAfter > limits.Window) {
			t.Errorf("step %d: retry after %s, want within the window", i, v.RetryAfter)
		}
	}

	off := limits.NewGate(rdb, prefix, 0, clk.Now)
	for i := range 10 {
		if v, err := off.Admit(ctx, "off:"+string(rune('a'+i)), "U3", true); err != nil || v.Limited {
			t.Fatalf("limit 0 must not limit: %+v %v", v, err)
		}
	}
}

// TestEarlyCountsThisReplica: the in-memory count refuses past the limit,
// says when the window ends, and forgets the window after a minute.
func TestEarlyCountsThisReplica(t *testing.T) {
	clk := &clock{t: time.Unix(1_900_000_000, 0)}
	g := limits.NewGate(nil, "", 2, clk.Now)
	for i := range 2 {
		if _, limited := g.Early("U1"); limited {
			t.Fatalf("command %d refused under the limit", i+1)
		}
	}
	clk.Advance(20 * time.Second)
	retry, limited := g.Early("U1")
	if !limited || retry != 40*time.Second {
		t.Fatalf("third command: limited=%v retry=%s, want refused with 40s left", limited, retry)
	}
	if limits.Seconds(retry) != "40" || limits.Seconds(10*time.Millisecond) != "1" {
		t.Errorf("Seconds: %s, %s", limits.Seconds(retry), limits.Seconds(10*time.Millisecond))
	}
	if _, limited := g.Early("U2"); limited {
		t.Error("another user refused")
	}
	clk.Advance(40 * time.Second)
	if _, limited := g.Early("U1"); limited {
		t.Error("refused after the window ended")
	}
	if _, limited := limits.NewGate(nil, "", 0, clk.Now).Early("U1"); limited {
		t.Error("limit 0 refused")
	}
}
