package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// lastEvent is the newest entry of the request's audit trail.
func lastEvent(t *testing.T, s *approvals.Store, id string) approvals.Event {
	t.Helper()
	evs, err := s.History(context.Background(), id)
	if err != nil || len(evs) == 0 {
		t.Fatalf("History(%s) = %d events, %v", id, len(evs), err)
	}
	return evs[len(evs)-1]
}

func TestPreCallStops(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, e *env, s *approvals.Store)
		lease      time.Duration
		wantWhy    string
		wantDetail string
	}{
		{"global freeze", func(t *testing.T, e *env, s *approvals.Store) {
			if err := s.SetFreeze(context.Background(), "UADMIN", "quarter-end <!channel>"); err != nil {
				t.Fatal(err)
			}
		}, time.Minute, approvals.StopFrozen, "stopped: restores were frozen (quarter-end <!channel>), restore not called"},
		{"rule freeze in the policy record", func(t *testing.T, e *env, s *approvals.Store) {
			if _, err := s.ClaimPolicy(context.Background(), "hash1", "test", map[string]string{"prod": "migration"}, time.Minute); err != nil {
				t.Fatal(err)
			}
		}, time.Minute, approvals.StopRuleFrozen, "stopped: rule prod was frozen (migration), restore not called"},
		{"lease lapsed", func(t *testing.T, e *env, s *approvals.Store) {
			time.Sleep(200 * time.Millisecond)
		}, 50 * time.Millisecond, approvals.StopLeaseLost, "stopped: the bot lost its claim on this request before calling GaussDB, restore not called"},
	}
	for _, b := range backends {
		for _, tt := range tests {
			for _, phase := range []approvals.Phase{approvals.PhaseBackup, approvals.PhaseRestore} {
				t.Run(b.name+"/"+tt.name+"/"+string(phase), func(t *testing.T) {
					ctx := context.Background()
					e := newEnvOn(t, b.open)
					s := e.store(approvals.WithLeaseTTL(tt.lease))
					r := reach(t, e, s, approvals.StateExecuting)
					tt.setup(t, e, s)
					res, err := s.PreCall(ctx, r.ID, r.Rule.Name, phase)
					if err != nil {
						t.Fatal(err)
					}
					if !res.Stopped || res.Why != tt.wantWhy {
						t.Fatalf("PreCall = stopped %v why %q; want stopped, %q", res.Stopped, res.Why, tt.wantWhy)
					}
					got := res.Request
					if got.State != approvals.StateFailed || got.Detail != tt.wantDetail || !got.CalledAt.IsZero() {
						t.Errorf("request: state %s detail %q called %v; want failed %q, no called marker", got.State, got.Detail, got.CalledAt, tt.wantDetail)
					}
					if ev := lastEvent(t, s, r.ID); ev.Action != "stopped" || ev.Actor != "bot" || ev.Detail != tt.wantDetail {
						t.Errorf("audit: %+v", ev)
					}
					checkIndexes(t, e, got)
					// Nothing more may happen: a second check refuses.
					_, err = s.PreCall(ctx, r.ID, r.Rule.Name, phase)
					wantRefusal(t, err, approvals.ReasonNotPending)
				})
			}
		}
	}
}

func TestPreCallWritesTheCalledMarkerAndRenews(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			s := e.store(approvals.WithLeaseTTL(time.Minute))
			r := reach(t, e, s, approvals.StateExecuting)
			// A rule frozen elsewhere does not stop another rule's request.
			if _, err := s.ClaimPolicy(ctx, "hash1", "test", map[string]string{"other": "x"}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := e.rdb.PExpire(ctx, e.prefix+"exec:"+r.ID, 5*time.Second).Err(); err != nil {
				t.Fatal(err)
			}
			res, err := s.PreCall(ctx, r.ID, r.Rule.Name, approvals.PhaseBackup)
			if err != nil || res.Stopped {
				t.Fatalf("PreCall(backup) = %+v, %v", res, err)
			}
			if !res.Request.CalledAt.IsZero() {
				t.Errorf("the backup's check wrote the called marker")
			}
			if ttl := e.rdb.PTTL(ctx, e.prefix+"exec:"+r.ID).Val(); ttl < 30*time.Second {
				t.Errorf("lease not renewed: PTTL %s", ttl)
			}
			res, err = s.PreCall(ctx, r.ID, r.Rule.Name, approvals.PhaseRestore)
			if err != nil || res.Stopped {
				t.Fatalf("PreCall(restore) = %+v, %v", res, err)
			}
			if d := res.Request.CalledAt.Sub(e.clk.Now()); d < -time.Second || d > time.Second { // Redis's clock
				t.Errorf("called marker %v, want %v", res.Request.CalledAt, e.clk.Now())
			}
			if ev := lastEvent(t, s, r.ID); ev.Action != "calling_restore" {
				t.Errorf("audit: %+v, want calling_restore", ev)
			}
		})
	}
}

func TestLateAnswerAndReconcile(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			s := e.store()
			unknown := func() approvals.Request {
				r := reach(t, e, s, approvals.StateExecuting)
				if _, err := s.PreCall(ctx, r.ID, "", approvals.PhaseRestore); err != nil {
					t.Fatal(err)
				}
				r, err := s.MarkUnknown(ctx, r.ID, "timeout")
				if err != nil {
					t.Fatal(err)
				}
				checkIndexes(t, e, r)
				return r
			}
			late, attached, none, refused := unknown(), unknown(), unknown(), unknown()
			todo, err := s.ToReconcile(ctx, 10)
			if err != nil || len(todo) != 4 {
				t.Fatalf("ToReconcile = %v, %v; want 4", ids(todo), err)
			}
			if todo[0].CalledAt.IsZero() || !approvals.CallTime(todo[0]).Equal(todo[0].CalledAt) {
				t.Errorf("CallTime of %+v", todo[0])
			}

			r, err := s.LateAnswer(ctx, late.ID, "job-late", "late answer: job job-late")
			if err != nil || r.State != approvals.StateSubmitted || r.JobID != "job-late" || r.SubmittedAt.IsZero() {
				t.Fatalf("LateAnswer = %+v, %v", r, err)
			}
			if ev := lastEvent(t, s, late.ID); ev.Action != "late_answer" {
				t.Errorf("audit: %+v", ev)
			}
			checkIndexes(t, e, r)

			r, err = s.AttachJob(ctx, attached.ID, "job-found", "reconciled: job-found")
			if err != nil || r.State != approvals.StateSubmitted || r.JobID != "job-found" {
				t.Fatalf("AttachJob = %+v, %v", r, err)
			}
			checkIndexes(t, e, r)
			// Only once: a late answer after the attach changes nothing.
			_, err = s.LateAnswer(ctx, attached.ID, "job-other", "late")
			wantRefusal(t, err, approvals.ReasonNotPending)

			r, err = s.NoJobFound(ctx, none.ID, "reconciled: nothing")
			if err != nil || r.State != approvals.StateUnknown || r.Detail != "reconciled: nothing" {
				t.Fatalf("NoJobFound = %+v, %v", r, err)
			}
			checkIndexes(t, e, r)

			r, err = s.LateAnswer(ctx, refused.ID, "", "late answer: refused")
			if err != nil || r.State != approvals.StateFailed {
				t.Fatalf("late refusal = %+v, %v", r, err)
			}
			checkIndexes(t, e, r)

			subs, err := s.Submitted(ctx)
			if err != nil || len(subs) != 2 {
				t.Errorf("Submitted = %v, %v; want the late and the attached", ids(subs), err)
			}
			if todo, err := s.ToReconcile(ctx, 10); err != nil || len(todo) != 0 {
				t.Errorf("ToReconcile after = %v, %v; want none", ids(todo), err)
			}
		})
	}
}

func TestWithdrawIsTheBots(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 1)
	got, err := s.Withdraw(ctx, r.ID, "the approval message could not be posted in C1")
	if err != nil || got.State != approvals.StateCancelled || got.DecidedBy != "bot" {
		t.Fatalf("Withdraw = %+v, %v", got, err)
	}
	if ev := lastEvent(t, s, r.ID); ev.Actor != "bot" || ev.Action != "withdrawn" {
		t.Errorf("audit: %+v; want the bot's withdrawal", ev)
	}
	checkIndexes(t, e, got)
}
