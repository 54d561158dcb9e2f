package approvals_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// TestConcurrentApprove has 50 goroutines, spread over 5 stores (replicas),
// approve one request at once: exactly one approval reports Executing, and
// the request holds exactly the required number of approvals.
func TestConcurrentApprove(t *testing.T) {
	tests := []struct {
		name         string
		required     int
		sameApprover bool
	}{
		{"one required, distinct approvers", 1, false},
		{"one required, one approver clicking 50 times", 1, true},
		{"two required, distinct approvers", 2, false},
		{"three required, distinct approvers", 3, false},
	}
	for _, b := range backends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				e := newEnvOn(t, b.open)
				stores := make([]*approvals.Store, 5)
				for i := range stores {
					stores[i] = e.store()
				}
				r := e.create(t, stores[0], tt.required)

				const n = 50
				results := make([]approvals.ApproveResult, n)
				errs := make([]error, n)
				concurrently(n, func(i int) {
					actor := approver(i)
					if tt.sameApprover {
						actor = approver(0)
					}
					results[i], errs[i] = stores[i%len(stores)].Approve(ctx, r.ID, actor, r.ParamHash)
				})

				winners, counted := 0, 0
				var winner approvals.ApproveResult
				for i := range n {
					if errs[i] == nil {
						counted++
						if results[i].Executing {
							winners++
							winner = results[i]
						}
						continue
					}
					var ref *approvals.Refusal
					if !errors.As(errs[i], &ref) {
						t.Fatalf("approval %d: %v", i, errs[i])
					}
					if ref.Reason != approvals.ReasonNotPending && ref.Reason != approvals.ReasonAlreadyApproved {
						t.Errorf("approval %d refused with %s", i, ref.Reason)
					}
				}
				if winners != 1 {
					t.Fatalf("%d approvals report Executing, want exactly 1", winners)
				}
				if counted != tt.required {
					t.Errorf("%d approvals counted, want %d", counted, tt.required)
				}
				got, err := stores[0].Get(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != approvals.StateExecuting || len(got.Approvals) != tt.required {
					t.Errorf("request: state %s with %d approvals, want executing with %d", got.State, len(got.Approvals), tt.required)
				}
				if winner.Count != tt.required || winner.Request.State != approvals.StateExecuting {
					t.Errorf("winner result: count %d state %s", winner.Count, winner.Request.State)
				}
				lease, err := e.rdb.Get(ctx, e.prefix+"exec:"+r.ID).Result()
				if err != nil {
					t.Fatalf("lease: %v", err)
				}
				owners := 0
				for _, s := range stores {
					if ok, err := s.RenewExec(ctx, r.ID); err == nil && ok {
						owners++
						if s.Owner() != lease {
							t.Errorf("store %s renewed a lease held by %s", s.Owner(), lease)
						}
					}
				}
				if owners != 1 {
					t.Errorf("%d stores own the lease, want 1", owners)
				}
				hist, err := stores[0].History(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				approvedEvents := 0
				for _, ev := range hist {
					if ev.Action == "approved" {
						approvedEvents++
					}
				}
				if approvedEvents != tt.required {
					t.Errorf("%d approved events in the audit trail, want %d", approvedEvents, tt.required)
				}
			})
		}
	}
}
