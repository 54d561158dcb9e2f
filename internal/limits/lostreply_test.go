package limits_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestAdmitLostReplyIsNotADuplicate: an envelope whose admission ran but
// whose reply was lost (past the read timeout) is asked for again and
// admitted, counted once. Before, go-redis re-ran the script, which found
// its own key and dropped the command as a duplicate.
func TestAdmitLostReplyIsNotADuplicate(t *testing.T) {
	ctx := context.Background()
	o, err := redisconn.ParseURL(redistest.Server(t))
	if err != nil {
		t.Fatal(err)
	}
	p := redistest.NewProxy(t, o.Single.Addr)
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, Username: o.Single.Username, Password: o.Single.Password,
		DB: o.Single.DB, ReadTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := "{lost-admit-" + time.Now().Format("150405.000000") + "}:"
	t.Cleanup(func() { _ = redistest.DeletePrefix(context.Background(), rdb, prefix) })
	g := limits.NewGate(rdb, prefix, 2, nil)
	if v, err := g.Admit(ctx, "warm", "U1", true); err != nil || v != (limits.Verdict{}) {
		t.Fatalf("warm-up admit = %+v, %v", v, err)
	}
	p.SwallowNext("evalsha")
	v, err := g.Admit(ctx, "env-1", "U1", true)
	if err != nil || v.Duplicate || v.Limited {
		t.Fatalf("admit whose reply was lost = %+v, %v; want admitted", v, err)
	}
	if p.Swallowed() != 1 {
		t.Fatalf("the proxy swallowed %d replies, want 1", p.Swallowed())
	}
	// The warm-up and env-1 are two commands: the third is limited, and
	// would be limited already if the lost reply had counted twice.
	v, err = g.Admit(ctx, "env-2", "U1", true)
	if err != nil || !v.Limited {
		t.Errorf("third command = %+v, %v; want limited (the lost reply counted once)", v, err)
	}
	if v, err := g.Admit(ctx, "env-1", "U1", true); err != nil || !v.Duplicate {
		t.Errorf("a second delivery of env-1 = %+v, %v; want a duplicate", v, err)
	}
}
