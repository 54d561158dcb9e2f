package approvals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestUnconfirmedApprovalWaitsForTheConfirmation: with patience, a
// threshold approval the replicas did not confirm is not ended at once: it
// stays executing under the store's lease, ConfirmExecuting says "not yet"
// while the replica lags and confirms it once the replica catches up.
func TestUnconfirmedApprovalWaitsForTheConfirmation(t *testing.T) {
	ctx := context.Background()
	d := redistest.StartSentinel(t)
	rdb := clientOf(t, d.URL())
	clk := newClock()
	s := approvals.NewStore(rdb, "{confirm}:", clk.Now, approvals.WithDurability(approvals.Durability{
		MinReplicas: 1, Timeout: 300 * time.Millisecond, Patience: 10 * time.Second}))
	e := &env{rdb: rdb, prefix: "{confirm}:", clk: clk}
	r := e.create(t, s, 1)
	d.Proxy.Hold()
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if !errors.Is(err, approvals.ErrNotDurable) || !res.NotDurable || res.Executing || res.Request.State != approvals.StateExecuting {
		d.Proxy.Release()
		t.Fatalf("unconfirmed approval = %s NotDurable %v Executing %v, %v; want still executing, NotDurable", res.Request.State, res.NotDurable, res.Executing, err)
	}
	if _, err := s.ConfirmExecuting(ctx, r.ID); !errors.Is(err, approvals.ErrNotDurable) {
		t.Errorf("confirm with the replica still lagging: %v; want ErrNotDurable", err)
	}
	d.Proxy.Release()
	got, err := s.ConfirmExecuting(ctx, r.ID)
	if err != nil || got.State != approvals.StateExecuting {
		t.Fatalf("confirm once the replica caught up = %s, %v; want confirmed", got.State, err)
	}
	other := approvals.NewStore(rdb, "{confirm}:", clk.Now, approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: time.Second}))
	if _, err := other.ConfirmExecuting(ctx, r.ID); err == nil {
		t.Error("a store without the lease confirmed the request; want a refusal")
	}
}
