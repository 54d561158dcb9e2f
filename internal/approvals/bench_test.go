package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// BenchmarkRedisPing is a bare round trip on the same kind of client, the
// floor to read BenchmarkApprove against.
func BenchmarkRedisPing(b *testing.B) {
	rdb, _ := redistest.New(b)
	ctx := context.Background()
	for b.Loop() {
		if err := rdb.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApprove measures one approve transition (the one that reaches
// the threshold, so it also takes the lease and updates the indexes).
func BenchmarkApprove(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	s := e.store()
	reqs := make([]approvals.Request, b.N)
	for i := range reqs {
		reqs[i] = e.create(b, s, 1)
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := s.Approve(ctx, reqs[i].ID, approver(1), reqs[i].ParamHash)
		if err != nil || !res.Executing {
			b.Fatalf("approve: %+v, %v", res, err)
		}
	}
}

// BenchmarkList10k measures the first page of List with 10,000 stored
// requests, 5,000 of them still active.
func BenchmarkList10k(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	s := e.store()
	for i := range 10_000 {
		r := e.create(b, s, 1)
		if i%2 == 1 {
			if _, err := s.Cancel(ctx, r.ID, requester); err != nil {
				b.Fatal(err)
			}
		}
		e.clk.Advance(time.Millisecond)
	}
	for b.Loop() {
		page, total, err := s.List(ctx, 0, 20)
		if err != nil || len(page) != 20 || total != 5_000 {
			b.Fatalf("List = %d of %d, %v", len(page), total, err)
		}
	}
}
