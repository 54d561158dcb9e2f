package approvals_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// TestMaxOpenPerUserAcrossReplicas has 30 creates by one requester race on
// three stores (replicas) with a limit of 3: exactly 3 are stored, the rest
// are refused naming the open ones; another requester is not affected; a
// request that ends frees a place.
func TestMaxOpenPerUserAcrossReplicas(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			stores := []*approvals.Store{
				e.store(approvals.WithMaxOpenPerUser(3)), e.store(approvals.WithMaxOpenPerUser(3)), e.store(approvals.WithMaxOpenPerUser(3)),
			}
			const n = 30
			created := make([]approvals.Request, n)
			errs := make([]error, n)
			concurrently(n, func(i int) {
				in := newRequest(1)
				in.ExpiresAt = e.clk.Now().Add(time.Hour)
				created[i], errs[i] = stores[i%len(stores)].Create(ctx, in)
			})
			var ids []string
			var last *approvals.Refusal
			for i := range n {
				if errs[i] == nil {
					ids = append(ids, created[i].ID)
					continue
				}
				last = wantRefusal(t, errs[i], approvals.ReasonTooManyOpen)
			}
			if len(ids) != 3 {
				t.Fatalf("stored %d requests of one requester, want 3 (limit)", len(ids))
			}
			if last == nil || last.Limit != 3 {
				t.Fatalf("refusal %+v, want limit 3", last)
			}
			slices.Sort(ids)
			open := slices.Sorted(slices.Values(last.Open))
			if !slices.Equal(open, ids) {
				t.Errorf("refusal names open %v, want %v", open, ids)
			}

			other := newRequest(1)
			other.Requester = "UOTHER001"
			other.ExpiresAt = e.clk.Now().Add(time.Hour)
			if _, err := stores[1].Create(ctx, other); err != nil {
				t.Fatalf("another requester refused: %v", err)
			}

			if _, err := stores[2].Cancel(ctx, ids[0], requester); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			again := newRequest(1)
			again.ExpiresAt = e.clk.Now().Add(time.Hour)
			if _, err := stores[0].Create(ctx, again); err != nil {
				t.Fatalf("after a cancel the requester is refused: %v", err)
			}
			_, err := stores[0].Create(ctx, again)
			var ref *approvals.Refusal
			if !errors.As(err, &ref) || ref.Reason != approvals.ReasonTooManyOpen {
				t.Fatalf("fourth open request: %v, want too_many_open", err)
			}
		})
	}
}
