package approvals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestDecisionsAreConfirmedByTheReplicas: a deny, a cancel and a freeze are
// decisions people are told of; with the replica's stream held back they
// are made on the primary but reported unconfirmed (ErrNotDurable), so the
// bot can say a failover could undo them. With the replica in sync they
// are confirmed.
func TestDecisionsAreConfirmedByTheReplicas(t *testing.T) {
	ctx := context.Background()
	d := redistest.StartSentinel(t)
	rdb := clientOf(t, d.URL())
	clk := newClock()
	s := approvals.NewStore(rdb, "{decide}:", clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 300 * time.Millisecond}))
	patient := approvals.NewStore(rdb, "{decide}:", clk.Now,
		approvals.WithDurability(approvals.Durability{MinReplicas: 1, Timeout: 5 * time.Second}))
	e := &env{rdb: rdb, prefix: "{decide}:", clk: clk}
	decisions := []struct {
		name  string
		state approvals.State
		do    func(s *approvals.Store, r approvals.Request) (approvals.Request, error)
	}{
		{"deny", approvals.StateDenied, func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.Deny(ctx, r.ID, approver(1), "no")
		}},
		{"cancel", approvals.StateCancelled, func(s *approvals.Store, r approvals.Request) (approvals.Request, error) {
			return s.Cancel(ctx, r.ID, requester)
		}},
	}
	for _, tt := range decisions {
		t.Run(tt.name, func(t *testing.T) {
			r := e.create(t, s, 2)
			d.Proxy.Hold()
			got, err := tt.do(s, r)
			d.Proxy.Release()
			if !errors.Is(err, approvals.ErrNotDurable) || got.State != tt.state {
				t.Errorf("%s with the replica lagging = %s, %v; want %s and ErrNotDurable", tt.name, got.State, err, tt.state)
			}
			r = e.create(t, s, 2)
			if got, err := tt.do(patient, r); err != nil || got.State != tt.state {
				t.Errorf("%s with the replica in sync = %s, %v; want %s, confirmed", tt.name, got.State, err, tt.state)
			}
		})
	}
	t.Run("freeze", func(t *testing.T) {
		d.Proxy.Hold()
		err := s.SetFreeze(ctx, "UADMIN", "incident")
		d.Proxy.Release()
		if !errors.Is(err, approvals.ErrNotDurable) {
			t.Errorf("freeze with the replica lagging: %v; want ErrNotDurable", err)
		}
		if _, _, on, err := s.Freeze(ctx); err != nil || !on {
			t.Errorf("freeze on the primary = %v, %v; want set", on, err)
		}
		if err := patient.ClearFreeze(ctx, "UADMIN"); err != nil {
			t.Errorf("unfreeze with the replica in sync: %v", err)
		}
	})
}
