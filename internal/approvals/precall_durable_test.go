package approvals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestCalledMarkerNotConfirmedIsNotActedOn: the check before the restore
// POST (with its called marker) goes through the same replica confirmation
// as the approval; a lagging replica means the call must not go out.
func TestCalledMarkerNotConfirmedIsNotActedOn(t *testing.T) {
	ctx := context.Background()
	d := redistest.StartSentinel(t)
	rdb := clientOf(t, d.URL())
	clk := newClock()
	s := approvals.NewStore(rdb, "{precall}:", clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 1500 * time.Millisecond}))
	env := &env{rdb: rdb, prefix: "{precall}:", clk: clk}

	r := env.create(t, s, 1)
	if res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil || !res.Executing {
		t.Fatalf("approve = %+v, %v", res, err)
	}
	if res, err := s.PreCall(ctx, r.ID, "", approvals.PhaseBackup); err != nil || res.Stopped {
		t.Fatalf("check before the backup, replica in sync = %+v, %v", res, err)
	}
	d.Proxy.Hold()
	_, err := s.PreCall(ctx, r.ID, "", approvals.PhaseRestore)
	d.Proxy.Release()
	if !errors.Is(err, approvals.ErrNotDurable) {
		t.Fatalf("check before the restore, replica lagging: %v; want ErrNotDurable", err)
	}
	// A dry run's check calls nothing, and is not waited for.
	r2 := env.create(t, s, 1)
	if res, err := s.Approve(ctx, r2.ID, approver(1), r2.ParamHash); err != nil || !res.Executing {
		t.Fatalf("approve = %+v, %v", res, err)
	}
	d.Proxy.Hold()
	_, err = s.PreCall(ctx, r2.ID, "", approvals.PhaseCheck)
	d.Proxy.Release()
	if err != nil {
		t.Errorf("dry run's check with the replica lagging: %v", err)
	}
}
