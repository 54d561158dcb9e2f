package approvals_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// TestTimesAreRedis checks that the store judges and records time by
// Redis's clock, not the replica's: the replica's clock (time.Now) is years
// away from the server's, and expiry still follows the server.
func TestTimesAreRedis(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	serverNow := time.Now().Add(9 * 365 * 24 * time.Hour).Truncate(time.Millisecond)
	m.SetTime(serverNow)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	s := approvals.NewStore(rdb, "{clock}:", time.Now)

	in := newRequest(1)
	in.ExpiresAt = time.Now().Add(time.Hour)
	r, err := s.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.CreatedAt, serverNow) {
		t.Errorf("created at %v, want the server's %v", r.CreatedAt, serverNow)
	}
	if got := r.ExpiresAt.Sub(r.CreatedAt); got != time.Hour {
		t.Errorf("expires %v after creation, want 1h", got)
	}
	if err := s.SetFreeze(ctx, "UADMIN", "x"); err != nil {
		t.Fatal(err)
	}
	at, err := strconv.ParseInt(m.HGet("{clock}:freeze", "at_ms"), 10, 64)
	if err != nil || !near(time.UnixMilli(at), serverNow) {
		t.Errorf("freeze at_ms = %d, %v; want the server's %v", at, err, serverNow)
	}
	if err := s.ClearFreeze(ctx, "UADMIN"); err != nil {
		t.Fatal(err)
	}

	m.SetTime(serverNow.Add(2 * time.Hour)) // only the server's clock moves
	if expired, err := s.ExpireDue(ctx, 10); err != nil || len(expired) != 1 || expired[0].ID != r.ID {
		t.Fatalf("ExpireDue after the server's clock passed expiry = %v, %v; want [%s]", ids(expired), err, r.ID)
	}
}
