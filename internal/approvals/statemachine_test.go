package approvals_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
)

var allStates = []approvals.State{
	approvals.StatePending, approvals.StateExecuting, approvals.StateSubmitted,
	approvals.StateCompleted, approvals.StateFailed, approvals.StateUnknown,
	approvals.StateDenied, approvals.StateCancelled, approvals.StateExpired, approvals.StateDryRun,
}

// TestStateMachine tries every transition from every state: the allowed
// ones land in the right state with consistent indexes; every other one is
// refused and leaves the request exactly as it was. Terminal states allow
// nothing.
func TestStateMachine(t *testing.T) {
	ctx := context.Background()
	type action struct {
		name    string
		do      func(s *approvals.Store, r approvals.Request) (approvals.Request, error)
		allowed map[approvals.State]approvals.State // from → to
	}
	actions := []action{
		{"approve", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			res, err := s.Approve(ctx, r.ID, approver(9), r.ParamHash)
			return res.Request, err
		}, map[approvals.State]approvals.State{approvals.StatePending: approvals.StateExecuting}},
		{"deny", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.Deny(ctx, r.ID, approver(9), "no")
		}, map[approvals.State]approvals.State{approvals.StatePending: approvals.StateDenied}},
		{"cancel", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.Cancel(ctx, r.ID, requester)
		}, map[approvals.State]approvals.State{approvals.StatePending: approvals.StateCancelled}},
		{"submitted", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.MarkSubmitted(ctx, r.ID, "job-9")
		}, map[approvals.State]approvals.State{approvals.StateExecuting: approvals.StateSubmitted}},
		{"dry run", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.MarkDryRun(ctx, r.ID, "would restore")
		}, map[approvals.State]approvals.State{approvals.StateExecuting: approvals.StateDryRun}},
		{"failed", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.MarkFailed(ctx, r.ID, "api said no")
		}, map[approvals.State]approvals.State{approvals.StateExecuting: approvals.StateFailed, approvals.StateSubmitted: approvals.StateFailed}},
		{"unknown", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.MarkUnknown(ctx, r.ID, "timeout")
		}, map[approvals.State]approvals.State{approvals.StateExecuting: approvals.StateUnknown}},
		{"completed", func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.MarkCompleted(ctx, r.ID, "job done")
		}, map[approvals.State]approvals.State{approvals.StateSubmitted: approvals.StateCompleted}},
	}
	for _, from := range allStates {
		for _, a := range actions {
			t.Run(string(from)+"/"+a.name, func(t *testing.T) {
				e := newEnv(t)
				s := e.store()
				r := reach(t, e, s, from)
				before, err := s.Get(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, err := a.do(s, r)
				to, ok := a.allowed[from]
				if !ok {
					ref := wantRefusal(t, err, approvals.ReasonNotPending)
					if ref.State != from {
						t.Errorf("refusal state %s, want %s", ref.State, from)
					}
					after, err := s.Get(ctx, r.ID)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("a refused %s changed the request (-before +after):\n%s", a.name, diff)
					}
					checkIndexes(t, e, after)
					return
				}
				if err != nil {
					t.Fatalf("%s from %s: %v", a.name, from, err)
				}
				if got.State != to {
					t.Errorf("%s from %s: state %s, want %s", a.name, from, got.State, to)
				}
				if to.Terminal() != !(to == approvals.StateExecuting || to == approvals.StateSubmitted) {
					t.Errorf("state %s: Terminal() = %v", to, to.Terminal())
				}
				checkIndexes(t, e, got)
			})
		}
	}
}

// checkIndexes checks that the request is in exactly the indexes its state
// calls for, and holds a lease only while executing.
func checkIndexes(t *testing.T, e *env, r approvals.Request) {
	t.Helper()
	ctx := context.Background()
	in := func(index string) bool {
		t.Helper()
		_, err := e.rdb.ZScore(ctx, e.prefix+index, r.ID).Result()
		return err == nil
	}
	want := map[string]bool{
		"active":    !r.State.Terminal(),
		"expiry":    r.State == approvals.StatePending,
		"remind":    r.State == approvals.StatePending,
		"executing": r.State == approvals.StateExecuting,
		"submitted": r.State == approvals.StateSubmitted,
		"reconcile": r.State == approvals.StateUnknown && !strings.HasPrefix(r.Detail, "reconciled:"),
	}
	for index, w := range want {
		if got := in(index); got != w {
			t.Errorf("request in state %s: in index %s = %v, want %v", r.State, index, got, w)
		}
	}
	lease, err := e.rdb.Exists(ctx, e.prefix+"exec:"+r.ID).Result()
	if err != nil {
		t.Fatal(err)
	}
	if (lease == 1) != (r.State == approvals.StateExecuting) {
		t.Errorf("request in state %s: lease exists = %v", r.State, lease == 1)
	}
}
