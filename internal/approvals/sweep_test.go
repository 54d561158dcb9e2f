package approvals_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func ids(reqs []approvals.Request) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, r.ID)
	}
	return out
}

// concurrently runs f in n goroutines that start together and waits for
// them.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

func TestExpireDue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	early := e.create(t, s, 1)
	e.clk.Advance(10 * time.Minute)
	late := e.create(t, s, 1) // expires 10 minutes after early

	e.clk.Set(early.ExpiresAt.Add(-slack)) // just before early's expiry
	if got, err := s.ExpireDue(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("ExpireDue before expiry = %v, %v; want none", ids(got), err)
	}
	e.clk.Set(early.ExpiresAt)
	got, err := s.ExpireDue(ctx, 10)
	if err != nil || len(got) != 1 || got[0].ID != early.ID || got[0].State != approvals.StateExpired {
		t.Fatalf("ExpireDue at expiry = %v, %v; want [%s] expired", ids(got), err, early.ID)
	}
	checkIndexes(t, e, got[0])
	if r, _ := s.Get(ctx, late.ID); r.State != approvals.StatePending {
		t.Errorf("late request state %s, want pending", r.State)
	}
}

// TestExpireDueConcurrent has two replicas sweep at once: each expired
// request is reported by exactly one of them.
func TestExpireDueConcurrent(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			stores := []*approvals.Store{e.store(), e.store()}
			var want []string
			for range 40 {
				want = append(want, e.create(t, stores[0], 1).ID)
			}
			e.clk.Advance(2 * time.Hour)

			got := make([][]approvals.Request, len(stores))
			errs := make([]error, len(stores))
			concurrently(len(stores), func(i int) {
				for { // small batches, so the two sweeps interleave
					batch, err := stores[i].ExpireDue(ctx, 7)
					if err != nil {
						errs[i] = err
						return
					}
					got[i] = append(got[i], batch...)
					if len(batch) == 0 {
						if n, _ := e.rdb.ZCard(ctx, e.prefix+"expiry").Result(); n == 0 {
							return
						}
					}
				}
			})
			all := append(ids(got[0]), ids(got[1])...)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("sweeper %d: %v", i, err)
				}
			}
			sort.Strings(all)
			sort.Strings(want)
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("expired requests over both sweepers (-want +got):\n%s", diff)
			}
			if again, err := stores[0].ExpireDue(ctx, 100); err != nil || len(again) != 0 {
				t.Errorf("a later sweep found %v, %v; want none", ids(again), err)
			}
		})
	}
}

func TestDueReminders(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	a := e.create(t, s, 1)
	cancelled := e.create(t, s, 1)
	if _, err := s.Cancel(ctx, cancelled.ID, requester); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(10 * time.Minute)
	b := e.create(t, s, 1)

	e.clk.Set(a.CreatedAt.Add(15*time.Minute - slack))
	if got, err := s.DueReminders(ctx, 15*time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("reminders before 15 minutes = %v, %v; want none", ids(got), err)
	}
	e.clk.Set(a.CreatedAt.Add(15 * time.Minute))
	if got, err := s.DueReminders(ctx, 15*time.Minute, 10); err != nil || !cmp.Equal(ids(got), []string{a.ID}) {
		t.Fatalf("reminders at 15 minutes = %v, %v; want [%s]", ids(got), err, a.ID)
	}
	if got, err := s.DueReminders(ctx, 15*time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("second sweep = %v, %v; want none (each request is reminded once)", ids(got), err)
	}

	// Two replicas at once: b is handed to exactly one of them.
	e.clk.Advance(10 * time.Minute)
	got := make([][]approvals.Request, 2)
	concurrently(2, func(i int) {
		got[i], _ = e.store().DueReminders(ctx, 15*time.Minute, 10)
	})
	if all := append(ids(got[0]), ids(got[1])...); !cmp.Equal(all, []string{b.ID}) {
		t.Errorf("concurrent reminders = %v, want [%s] once", all, b.ID)
	}
	hist, err := s.History(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := hist[len(hist)-1]; last.Action != "reminded" || last.Actor != "bot" {
		t.Errorf("last event = %+v, want reminded by bot", last)
	}

	// A request past its expiry is not reminded; it is expired instead.
	e.clk.Advance(2 * time.Hour)
	e.create(t, s, 1)
	e.clk.Advance(2 * time.Hour)
	if got, err := s.DueReminders(ctx, 15*time.Minute, 10); err != nil || len(got) != 0 {
		t.Errorf("reminders for expired requests = %v, %v; want none", ids(got), err)
	}
}

// TestReapExecuting: a request whose winner died (lease lapsed, no job ID)
// becomes outcome_unknown, once; a live lease and a submitted job are left
// alone.
func TestReapExecuting(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			alive := e.store(approvals.WithLeaseTTL(time.Minute))
			dying := e.store(approvals.WithLeaseTTL(150 * time.Millisecond))
			sweeper := e.store()

			live := reach(t, e, alive, approvals.StateExecuting)
			submitted := reach(t, e, alive, approvals.StateSubmitted)
			dead := reach(t, e, dying, approvals.StateExecuting)
			called := reach(t, e, dying, approvals.StateExecuting)
			if res, err := dying.PreCall(ctx, called.ID, "", approvals.PhaseRestore); err != nil || res.Stopped {
				t.Fatalf("PreCall = %+v, %v", res, err)
			}

			if ok, err := alive.RenewExec(ctx, live.ID); err != nil || !ok {
				t.Fatalf("owner RenewExec = %v, %v; want true", ok, err)
			}
			if ok, err := sweeper.RenewExec(ctx, live.ID); err != nil || ok {
				t.Fatalf("non-owner RenewExec = %v, %v; want false", ok, err)
			}
			if ok, err := alive.RenewExec(ctx, submitted.ID); err != nil || ok {
				t.Fatalf("RenewExec after submission = %v, %v; want false", ok, err)
			}

			// The dying replica stops renewing; wait for its leases to lapse.
			deadline := time.Now().Add(5 * time.Second)
			for {
				n, err := e.rdb.Exists(ctx, e.prefix+"exec:"+dead.ID, e.prefix+"exec:"+called.ID).Result()
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("lease of %s still there after 5s", dead.ID)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if ok, err := dying.RenewExec(ctx, dead.ID); err != nil || ok {
				t.Fatalf("RenewExec of a lapsed lease = %v, %v; want false", ok, err)
			}

			reaped, err := sweeper.ReapExecuting(ctx)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]approvals.Request{}
			for _, r := range reaped {
				byID[r.ID] = r
			}
			if len(reaped) != 2 || byID[dead.ID].ID == "" || byID[called.ID].ID == "" {
				t.Fatalf("reaped %v, want %s and %s", ids(reaped), dead.ID, called.ID)
			}
			// Without the called marker the restore was never called.
			if r := byID[dead.ID]; r.State != approvals.StateFailed || r.Detail != approvals.ReapNotCalledDetail {
				t.Errorf("reaped before the call: state %s detail %q; want failed, not called", r.State, r.Detail)
			}
			// With it, the outcome is unknown.
			if r := byID[called.ID]; r.State != approvals.StateUnknown || r.Detail != approvals.ReapDetail {
				t.Errorf("reaped after the call: state %s detail %q; want outcome_unknown", r.State, r.Detail)
			}
			for _, r := range reaped {
				checkIndexes(t, e, r)
			}
			if again, err := sweeper.ReapExecuting(ctx); err != nil || len(again) != 0 {
				t.Errorf("second reap = %v, %v; want none", ids(again), err)
			}
			// The slow winner comes back with a job ID: too late, nothing changes.
			_, err = dying.MarkSubmitted(ctx, dead.ID, "job-late")
			wantRefusal(t, err, approvals.ReasonNotPending)

			for _, r := range []approvals.Request{live, submitted} {
				got, err := sweeper.Get(ctx, r.ID)
				if err != nil || got.State != r.State {
					t.Errorf("request %s: state %s, %v; want %s", r.ID, got.State, err, r.State)
				}
			}
			subs, err := sweeper.Submitted(ctx)
			if err != nil || !cmp.Equal(ids(subs), []string{submitted.ID}) || subs[0].JobID != "job-1" {
				t.Errorf("Submitted = %v, %v; want [%s] with job-1", ids(subs), err, submitted.ID)
			}
		})
	}
}
