package approvals_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// onto is a one-approval request restoring onto instance target.
func onto(e *env, target string) approvals.Request {
	r := newRequest(1)
	r.Params.TargetID = target
	r.ExpiresAt = e.clk.Now().Add(time.Hour)
	return r
}

func createAs(t *testing.T, s *approvals.Store, in approvals.Request) approvals.Request {
	t.Helper()
	r, err := s.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return r
}

func approveOne(t *testing.T, s *approvals.Store, r approvals.Request) approvals.ApproveResult {
	t.Helper()
	res, err := s.Approve(context.Background(), r.ID, approver(1), r.ParamHash)
	if err != nil {
		t.Fatalf("Approve %s: %v", r.ID, err)
	}
	return res
}

// dispatched runs DispatchQueued and returns what it moved, by id.
func dispatched(t *testing.T, s *approvals.Store) map[string]approvals.Dispatched {
	t.Helper()
	ds, err := s.DispatchQueued(context.Background(), 10)
	if err != nil {
		t.Fatalf("DispatchQueued: %v", err)
	}
	out := map[string]approvals.Dispatched{}
	for _, d := range ds {
		out[d.Request.ID] = d
	}
	return out
}

// TestOneRestoreAtATimePerTarget: the threshold click of a second request
// onto a held instance queues it; it is dispatched only once the first
// request's job ended, first come first served, and never while an
// outcome is still unknown (until reconciliation settles it).
func TestOneRestoreAtATimePerTarget(t *testing.T) {
	ctx := context.Background()
	for _, end := range []struct {
		name string
		end  func(s *approvals.Store, id string) error
		// settle, when set, is the reconciliation that releases the hold
		// after end left it held.
		settle func(s *approvals.Store, id string) error
	}{
		{"completed", func(s *approvals.Store, id string) error {
			if _, err := s.MarkSubmitted(ctx, id, "job-1"); err != nil {
				return err
			}
			_, err := s.MarkCompleted(ctx, id, "done")
			return err
		}, nil},
		{"refused", func(s *approvals.Store, id string) error { _, err := s.MarkFailed(ctx, id, "DBS.1"); return err }, nil},
		{"outcome unknown, no job found", func(s *approvals.Store, id string) error { _, err := s.MarkUnknown(ctx, id, "timeout"); return err },
			func(s *approvals.Store, id string) error { _, err := s.NoJobFound(ctx, id, "none"); return err }},
		{"outcome unknown, job found and ended", func(s *approvals.Store, id string) error { _, err := s.MarkUnknown(ctx, id, "timeout"); return err },
			func(s *approvals.Store, id string) error {
				if _, err := s.AttachJob(ctx, id, "job-9", "found"); err != nil {
					return err
				}
				if len(dispatched(t, s)) != 0 {
					t.Error("dispatched while the attached job runs")
				}
				_, err := s.MarkCompleted(ctx, id, "done")
				return err
			}},
	} {
		t.Run(end.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.store()
			a, b, c := createAs(t, s, onto(e, "tgt-x")), createAs(t, s, onto(e, "tgt-x")), createAs(t, s, onto(e, "tgt-x"))
			other := createAs(t, s, onto(e, "tgt-other"))
			if res := approveOne(t, s, a); !res.Executing {
				t.Fatalf("first threshold = %+v, want executing", res)
			}
			for _, r := range []approvals.Request{b, c} {
				res := approveOne(t, s, r)
				if res.Executing || !res.Queued || res.Request.State != approvals.StateQueued || res.Request.WaitingFor != a.ID {
					t.Fatalf("threshold onto the held instance = executing %v queued %v %s waiting for %q; want queued behind %s",
						res.Executing, res.Queued, res.Request.State, res.Request.WaitingFor, a.ID)
				}
			}
			if res := approveOne(t, s, other); !res.Executing {
				t.Errorf("another instance's threshold = %+v, want executing (not held)", res)
			}
			if got := dispatched(t, s); len(got) != 0 {
				t.Fatalf("dispatched while %s runs: %v", a.ID, got)
			}
			if err := end.end(s, a.ID); err != nil {
				t.Fatal(err)
			}
			if end.settle != nil {
				if got := dispatched(t, s); len(got) != 0 {
					t.Fatalf("dispatched while %s's outcome is unknown: %v", a.ID, got)
				}
				if err := end.settle(s, a.ID); err != nil {
					t.Fatal(err)
				}
			}
			got := dispatched(t, s)
			if d, ok := got[b.ID]; len(got) != 1 || !ok || d.Outcome != approvals.DispatchExecuting || d.Request.State != approvals.StateExecuting {
				t.Fatalf("after %s ended: dispatched %v; want only %s, executing", a.ID, got, b.ID)
			}
			if r, _ := s.Get(ctx, c.ID); r.State != approvals.StateQueued || r.WaitingFor != b.ID {
				t.Errorf("the third request: %s waiting for %q; want queued behind %s", r.State, r.WaitingFor, b.ID)
			}
			if ok, err := s.RenewExec(ctx, b.ID); err != nil || !ok {
				t.Errorf("the dispatching store holds %s's lease: %v, %v", b.ID, ok, err)
			}
			if res, err := s.PreCall(ctx, b.ID, "", approvals.PhaseRestore); err != nil || res.Stopped {
				t.Errorf("check before the dispatched restore = %+v, %v", res, err)
			}
		})
	}
}

// TestQueuedRequestCancelExpireFreeze: a queued request can be cancelled
// by its requester, expires at its expiry, and is stopped (not called) by
// a freeze at the next dispatch, while it still waits; none of it touches
// the holder.
func TestQueuedRequestCancelExpireFreeze(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	holder := createAs(t, s, onto(e, "tgt-y"))
	approveOne(t, s, holder)
	queue := func(ttl time.Duration) approvals.Request {
		in := onto(e, "tgt-y")
		in.ExpiresAt = e.clk.Now().Add(ttl)
		r := createAs(t, s, in)
		if res := approveOne(t, s, r); !res.Queued {
			t.Fatalf("threshold = %+v, want queued", res)
		}
		return r
	}
	cancelled := queue(time.Hour)
	if _, err := s.Cancel(ctx, cancelled.ID, approver(1)); err == nil {
		t.Error("an approver cancelled a queued request; only the requester may")
	}
	if r, err := s.Cancel(ctx, cancelled.ID, requester); err != nil || r.State != approvals.StateCancelled {
		t.Errorf("requester cancels a queued request = %s, %v; want cancelled", r.State, err)
	}
	soon := queue(10 * time.Minute)
	e.clk.Advance(11 * time.Minute)
	expired, err := s.ExpireDue(ctx, 10)
	if err != nil || len(expired) != 1 || expired[0].ID != soon.ID || !strings.Contains(expired[0].Detail, "waiting for "+holder.ID) {
		t.Fatalf("ExpireDue = %v, %v; want %s expired while waiting for %s", expired, err, soon.ID, holder.ID)
	}
	frozen := queue(time.Hour)
	if err := s.SetFreeze(ctx, "UADMIN", "incident"); err != nil {
		t.Fatal(err)
	}
	got := dispatched(t, s)
	if d := got[frozen.ID]; d.Outcome != approvals.DispatchStopped || d.Request.State != approvals.StateFailed || !strings.Contains(d.Request.Detail, "restore not called") {
		t.Errorf("dispatch when frozen = %+v; want stopped, failed, not called", d)
	}
	if r, _ := s.Get(ctx, holder.ID); r.State != approvals.StateExecuting {
		t.Errorf("holder %s, want executing as it was", r.State)
	}
}

// TestTableRestoreHoldsItsSource: a table restore writes into its source,
// so a whole-instance restore onto that source waits for it.
func TestTableRestoreHoldsItsSource(t *testing.T) {
	e := newEnv(t)
	s := e.store()
	tables := onto(e, "src-1")
	tables.Params.SourceID, tables.Params.Type = "src-1", approvals.TypeTables
	tables.Params.Tables = []approvals.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_r1"}}
	tr := createAs(t, s, tables)
	if res := approveOne(t, s, tr); !res.Executing {
		t.Fatalf("table restore threshold = %+v", res)
	}
	over := onto(e, "src-1")
	over.Params.SourceID = "src-1"
	if res := approveOne(t, s, createAs(t, s, over)); !res.Queued || res.Request.WaitingFor != tr.ID {
		t.Errorf("restore over the source during a table restore = queued %v behind %q; want queued behind %s", res.Queued, res.Request.WaitingFor, tr.ID)
	}
}

// TestNewTableNamesAreReserved: two requests naming the same new table on
// one instance cannot both be open; the second is refused naming the
// first, and may be made once the first has ended.
func TestNewTableNamesAreReserved(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	in := onto(e, "src-2")
	in.Params.SourceID, in.Params.Type = "src-2", approvals.TypeTables
	in.Params.Tables = []approvals.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_0307_1510"}}
	first := createAs(t, s, in)
	_, err := s.Create(ctx, in)
	ref := wantRefusal(t, err, approvals.ReasonNameTaken)
	if ref.HeldBy != first.ID || ref.Detail != "src-2/shop.orders_0307_1510" {
		t.Errorf("refusal held by %q for %q; want %s for src-2/shop.orders_0307_1510", ref.HeldBy, ref.Detail, first.ID)
	}
	elsewhere := in
	elsewhere.Params.SourceID, elsewhere.Params.TargetID = "src-3", "src-3"
	createAs(t, s, elsewhere) // the same name on another instance is another table
	if _, err := s.Cancel(ctx, first.ID, requester); err != nil {
		t.Fatal(err)
	}
	createAs(t, s, in)
}

// TestHoldAcrossReplicas: many stores (replicas) reach the threshold of
// requests onto one instance at the same moment: exactly one executes, the
// rest queue behind it.
func TestHoldAcrossReplicas(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnvOn(t, b.open)
			const n = 8
			reqs := make([]approvals.Request, n)
			for i := range reqs {
				reqs[i] = createAs(t, e.store(), onto(e, "tgt-z"))
			}
			var wg sync.WaitGroup
			results := make([]approvals.ApproveResult, n)
			for i := range reqs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					results[i], _ = e.store().Approve(context.Background(), reqs[i].ID, approver(1), reqs[i].ParamHash)
				}(i)
			}
			wg.Wait()
			var executing, queued int
			for _, r := range results {
				if r.Executing {
					executing++
				}
				if r.Queued {
					queued++
				}
			}
			if executing != 1 || queued != n-1 {
				t.Errorf("%d executing, %d queued; want 1 and %d", executing, queued, n-1)
			}
		})
	}
}

// TestNewInstanceRestoreHoldsNothing: a restore to a new instance writes
// into no existing instance, so it neither waits for nor holds its source.
func TestNewInstanceRestoreHoldsNothing(t *testing.T) {
	e := newEnv(t)
	s := e.store()
	over := onto(e, "src-9")
	over.Params.SourceID = "src-9"
	if res := approveOne(t, s, createAs(t, s, over)); !res.Executing {
		t.Fatalf("restore over src-9 = %+v, want executing", res)
	}
	fresh := onto(e, "")
	fresh.Params.SourceID, fresh.Params.Type = "src-9", approvals.TypeNewInstance
	fresh.Params.New = &approvals.NewInstance{Name: "orders-copy"}
	if res := approveOne(t, s, createAs(t, s, fresh)); !res.Executing {
		t.Errorf("restore of src-9 to a new instance = queued %v; want executing (it writes into no instance)", res.Queued)
	}
}
