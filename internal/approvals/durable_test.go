package approvals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

func clientOf(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	o, err := redisconn.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := o.NewClient()
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestApprovalNotConfirmedIsNotActedOn: a replica that lags (replication
// held back) cannot confirm the transition to executing, so the approval
// is not acted on and the request ends as failed, not called.
func TestApprovalNotConfirmedIsNotActedOn(t *testing.T) {
	ctx := context.Background()
	d := redistest.StartSentinel(t)
	rdb := clientOf(t, d.URL())
	clk := newClock()
	// patient waits long enough for a replica in sync on a loaded machine;
	// s gives a lagging replica 300ms.
	patient := approvals.NewStore(rdb, "{durable}:", clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 5 * time.Second}))
	s := approvals.NewStore(rdb, "{durable}:", clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 300 * time.Millisecond}))
	env := &env{rdb: rdb, prefix: "{durable}:", clk: clk}

	confirmed := env.create(t, s, 1)
	res, err := patient.Approve(ctx, confirmed.ID, approver(1), confirmed.ParamHash)
	if err != nil || !res.Executing || res.NotDurable {
		t.Fatalf("approval with the replica in sync = %+v, %v; want executing", res, err)
	}

	lagging := env.create(t, s, 1)
	d.Proxy.Hold()
	start := time.Now()
	res, err = s.Approve(ctx, lagging.ID, approver(1), lagging.ParamHash)
	took := time.Since(start)
	d.Proxy.Release()
	if !errors.Is(err, approvals.ErrNotDurable) || !res.NotDurable || res.Executing {
		t.Fatalf("approval with the replica lagging = %+v, %v; want NotDurable and ErrNotDurable", res, err)
	}
	if res.Request.State != approvals.StateFailed || res.Request.Detail != approvals.NotDurableDetail {
		t.Errorf("request after an unconfirmed approval: %s %q; want failed %q", res.Request.State, res.Request.Detail, approvals.NotDurableDetail)
	}
	if took > 2*time.Second {
		t.Errorf("the unconfirmed approval took %s; the wait is bounded by 300ms", took)
	}

	// A pending click (not the threshold) is not waited for.
	two := env.create(t, s, 2)
	d.Proxy.Hold()
	res, err = s.Approve(ctx, two.ID, approver(1), two.ParamHash)
	d.Proxy.Release()
	if err != nil || res.Executing || res.NotDurable {
		t.Errorf("first of two approvals with the replica lagging = %+v, %v; want counted", res, err)
	}
}

// TestNoReplicaNoMinimumConfirmsAtOnce: a plain primary without replicas and
// a minimum of 0 (redis://) acts at once; with a minimum of 1 it never does.
func TestNoReplicaNoMinimumConfirmsAtOnce(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, false)
	rdb := srv.Client(t)
	e := &env{rdb: rdb, prefix: "{solo}:", clk: newClock()}
	for _, tt := range []struct {
		min  int
		want bool
	}{{0, true}, {1, false}} {
		s := approvals.NewStore(rdb, e.prefix, e.clk.Now,
			approvals.WithDurability(approvals.Durability{MinReplicas: tt.min, Timeout: 100 * time.Millisecond}))
		r := e.create(t, s, 1)
		res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
		if res.Executing != tt.want || (err == nil) != tt.want {
			t.Errorf("min %d: approval = executing %v, %v; want executing %v", tt.min, res.Executing, err, tt.want)
		}
	}
}

// TestClusterConfirmsOnTheKeysPrimary: in a Cluster the WAIT goes to the
// primary that owns the request's slot, whose replica confirms it.
func TestClusterConfirmsOnTheKeysPrimary(t *testing.T) {
	ctx := context.Background()
	c := redistest.StartCluster(t)
	rdb := clientOf(t, c.URL())
	e := &env{rdb: rdb, prefix: "{cluster}:", clk: newClock()}
	s := approvals.NewStore(rdb, e.prefix, e.clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 5 * time.Second}))
	r := e.create(t, s, 1)
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if err != nil || !res.Executing {
		t.Fatalf("approval in a cluster = %+v, %v; want executing, confirmed", res, err)
	}
}

// TestWaitAOFFailsClosedWithoutIt: a store told to wait for the local
// fsync (WAITAOF, Redis 7.2+) on a server that cannot do it does not act on
// the approval: it is not confirmed.
func TestWaitAOFFailsClosedWithoutIt(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, false)
	rdb := srv.Client(t)
	p, err := redisconn.ReadPersistence(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if p.WaitAOF {
		t.Skipf("%s has WAITAOF; this test needs a server without it", p)
	}
	e := &env{rdb: rdb, prefix: "{waitaof}:", clk: newClock()}
	s := approvals.NewStore(rdb, e.prefix, e.clk.Now,
		approvals.WithDurability(approvals.Durability{Timeout: 100 * time.Millisecond, WaitAOF: true}))
	r := e.create(t, s, 1)
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if !errors.Is(err, approvals.ErrNotDurable) || res.Executing {
		t.Errorf("approval with WAITAOF refused by the server = executing %v, %v; want ErrNotDurable", res.Executing, err)
	}
}
