package approvals_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// lossyEnv is an env whose client reaches Redis through a proxy that can
// lose one script's reply. The client keeps go-redis's default MaxRetries
// (3), which re-sent a script whose reply timed out.
func lossyEnv(t *testing.T) (*env, *redistest.Proxy) {
	t.Helper()
	o, err := redisconn.ParseURL(redistest.Server(t))
	if err != nil {
		t.Fatal(err)
	}
	p := redistest.NewProxy(t, o.Single.Addr)
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, Username: o.Single.Username, Password: o.Single.Password,
		DB: o.Single.DB, ReadTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := fmt.Sprintf("{lost-%d}:", time.Now().UnixNano())
	t.Cleanup(func() { _ = redistest.DeletePrefix(context.Background(), rdb, prefix) })
	return &env{rdb: rdb, prefix: prefix, clk: newClock()}, p
}

// TestLostScriptReplyActsOnce: a script that ran but whose reply was lost
// (past the read timeout) is asked for again with its operation token, and
// answers what its first run did. Before, go-redis re-ran it: Create left
// an orphan pending request, Approve's threshold click read as "already
// approved", and MarkUnknown was refused as not executing.
func TestLostScriptReplyActsOnce(t *testing.T) {
	ctx := context.Background()
	e, p := lossyEnv(t)
	s := e.store()
	warm := e.create(t, s, 1) // loads the scripts, so the next run is an EVALSHA
	if _, err := s.Approve(ctx, warm.ID, approver(1), warm.ParamHash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkUnknown(ctx, warm.ID, "warm"); err != nil {
		t.Fatal(err)
	}

	p.SwallowNext("evalsha")
	r := e.create(t, s, 1)
	if p.Swallowed() != 1 {
		t.Fatalf("the proxy swallowed %d replies, want 1", p.Swallowed())
	}
	mine, err := s.ByRequester(ctx, requester, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 2 {
		t.Errorf("requests after a create whose reply was lost: %d, want 2 (the warm-up and this one, no orphan): %+v", len(mine), mine)
	}

	p.SwallowNext("evalsha")
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if err != nil || !res.Executing {
		t.Fatalf("threshold approval whose reply was lost = %+v, %v; want executing", res, err)
	}

	p.SwallowNext("evalsha")
	got, err := s.MarkUnknown(ctx, r.ID, "timeout")
	if err != nil || got.State != approvals.StateUnknown {
		t.Fatalf("MarkUnknown whose reply was lost = %s, %v; want outcome_unknown, no error", got.State, err)
	}
	events, err := s.History(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var unknown, approved int
	for _, ev := range events {
		switch ev.Action {
		case "outcome_unknown":
			unknown++
		case "approved":
			approved++
		}
	}
	if unknown != 1 || approved != 1 {
		t.Errorf("audit: %d approved, %d outcome_unknown; want one each", approved, unknown)
	}
	if p.Swallowed() != 3 {
		t.Errorf("the proxy swallowed %d replies, want 3", p.Swallowed())
	}
}

// TestLostReplyOnTheDurablePath: the threshold click goes through the
// dedicated connection that WAIT confirms on; a lost reply there is asked
// for again on a new connection and still reaches executing once.
func TestLostReplyOnTheDurablePath(t *testing.T) {
	ctx := context.Background()
	e, p := lossyEnv(t)
	s := e.store(approvals.WithDurability(approvals.Durability{Timeout: time.Second}))
	warm := e.create(t, s, 1)
	if _, err := s.Approve(ctx, warm.ID, approver(1), warm.ParamHash); err != nil {
		t.Fatal(err)
	}
	r := e.create(t, s, 1)
	p.SwallowNext("evalsha")
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if err != nil || !res.Executing {
		t.Fatalf("durable threshold approval whose reply was lost = executing %v, %v; want executing", res.Executing, err)
	}
	if p.Swallowed() != 1 {
		t.Errorf("the proxy swallowed %d replies, want 1", p.Swallowed())
	}
}
