package drill_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/policy"
)

// deadReplica leaves a run as a replica killed mid-run would: claimed,
// progress saved up to the create call, its lease left to lapse.
func deadReplica(t *testing.T, w *world, d policy.Drill, withInstance, withID bool) (drill.Run, string) {
	t.Helper()
	ctx := context.Background()
	_, st := w.newRep("dead", 200*time.Millisecond)
	sched, _ := drill.NewSchedule(d.Schedule)
	slot, _ := sched.Slot(w.clock.Now())
	run := drill.Run{ID: drill.RunID(d.Name, slot, slot), Drill: d.Name, Slot: slot, Started: w.clock.Now(), Stage: drill.StageRunning}
	if c, _, err := st.Claim(ctx, run); c != drill.ClaimNew || err != nil {
		t.Fatalf("dead replica: Claim = %v, %v", c, err)
	}
	src := w.cloud.sources[0]
	tr := drill.TargetRun{SourceID: src.ID, SourceName: src.Name, RequestID: drill.RequestID(run.ID, src.ID), NewName: src.Name + "-drill-x", Called: true, CalledAt: w.clock.Now()}
	var id string
	if withInstance {
		var err error
		c, _, err := w.cloud.Create(ctx, d, drill.Planned{Name: tr.NewName, RequestID: tr.RequestID})
		id = c.InstanceID
		if err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	if withID {
		tr.NewID = id
	}
	run.Targets = []drill.TargetRun{tr}
	if err := st.Save(ctx, &run); err != nil {
		t.Fatalf("dead replica: Save: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the lease lapses
	return run, id
}

func TestRunnerResumesAfterReplicaDies(t *testing.T) {
	tests := []struct {
		name                 string
		withInstance, withID bool
		reason               string
	}{
		{"died waiting for ACTIVE", true, true, "the bot restarted after the create call; the instance's password is never stored"},
		{"died in the create call, the instance appeared", true, false, "the bot restarted after the create call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.cloud.activeAfter = 2
			d := drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour})
			w.drills = []policy.Drill{d}
			dead, id := deadReplica(t, w, d, tt.withInstance, tt.withID)
			b, _ := w.newRep("b", time.Minute)
			tick(b)
			run := ended(t, w, 1)[0].Run
			if run.ID != dead.ID || run.Passed() || !strings.Contains(run.Reason, tt.reason) {
				t.Errorf("resumed run %s: %s %q, want the dead replica's run failed with %q", run.ID, run.Stage, run.Reason, tt.reason)
			}
			if run.Targets[0].NewID != id || !run.Targets[0].Deleted {
				t.Errorf("target = %+v, want instance %s deleted", run.Targets[0], id)
			}
			if creates, live := w.cloud.counts(); creates != 1 || live != 0 {
				t.Errorf("creates=%d live=%d, want 1 (the dead replica's, never repeated) and 0 (none leaked)", creates, live)
			}
			if len(w.ev.of(drill.EventStarted)) != 0 {
				t.Errorf("a resumed run was announced as started again")
			}
			tick(b) // the period has run
			ended(t, w, 1)
		})
	}
}

// A replica that died in the create call before any instance showed: the
// resumed run ends failed, and the bot keeps looking for the instance and
// deletes it when it appears.
func TestRunnerLooksForAnInstanceThatAppearsLate(t *testing.T) {
	w := newWorld(t)
	d := drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour})
	w.drills = []policy.Drill{d}
	dead, _ := deadReplica(t, w, d, false, false)
	b, _ := w.newRep("b", time.Minute)
	tick(b)
	run := ended(t, w, 1)[0].Run
	if run.Passed() || !strings.Contains(run.Reason, "the bot keeps looking and deletes it if it appears") {
		t.Fatalf("run = %s %q", run.Stage, run.Reason)
	}
	if sts, err := b.Statuses(context.Background()); err != nil || len(sts) != 1 || len(sts[0].Kept) != 1 || sts[0].Kept[0].Name != dead.Targets[0].NewName {
		t.Fatalf("Statuses = %+v, %v; want the instance still looked for", sts, err)
	}
	// The lost call's instance shows up.
	if _, _, err := w.cloud.Create(context.Background(), d, drill.Planned{Name: dead.Targets[0].NewName, RequestID: dead.Targets[0].RequestID}); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(w.clock.Now().Add(time.Second))
	tick(b)
	if _, live := w.cloud.counts(); live != 0 {
		t.Errorf("the late instance is still there after the sweep")
	}
	if sts, _ := b.Statuses(context.Background()); len(sts) != 1 || len(sts[0].Kept) != 0 {
		t.Errorf("after the sweep, Statuses = %+v; want nothing left to delete", sts)
	}
}

// A replica shutting down mid-run hands it over at once; the next resumes
// it without a second create call.
func TestRunnerShutdownHandsOver(t *testing.T) {
	w := newWorld(t)
	w.cloud.activeAfter = 1 << 30 // builds until the test says
	d := drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour})
	w.drills = []policy.Drill{d}
	a, _ := w.newRep("a", time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	a.Tick(ctx)
	waitFor(t, func() bool { c, _ := w.cloud.counts(); return c == 1 })
	cancel()
	a.Wait()
	if len(w.ev.of(drill.EventEnded)) != 0 {
		t.Fatal("the run ended at shutdown")
	}
	w.cloud.mu.Lock()
	w.cloud.activeAfter = 0
	w.cloud.mu.Unlock()
	b, _ := w.newRep("b", time.Minute)
	tick(b)
	run := ended(t, w, 1)[0].Run
	if creates, live := w.cloud.counts(); creates != 1 || live != 0 || !run.Targets[0].Deleted {
		t.Errorf("creates=%d live=%d run=%+v, want one call, none leaked", creates, live, run)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func TestRunNowAndOverdue(t *testing.T) {
	w := newWorld(t)
	d := drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour})
	d.Checks = []policy.Check{sqlCheck(t, "SELECT COUNT(*) FROM "+w.db.Name+".orders", ">= 5000")} // fails
	w.drills = []policy.Drill{d}
	r, _ := w.newRep("a", time.Minute)
	tick(r) // fails; first seen now
	ended(t, w, 1)
	if _, err := r.RunNow(context.Background(), "nope", "U1"); err == nil {
		t.Error("RunNow of an unknown drill accepted")
	}
	run, err := r.RunNow(context.Background(), "orders-daily", "U1ADMIN")
	if err != nil || run.Manual != "U1ADMIN" || !run.Slot.IsZero() {
		t.Fatalf("RunNow = %+v, %v", run, err)
	}
	r.Wait()
	ended(t, w, 2)
	if creates, live := w.cloud.counts(); creates != 2 || live != 0 {
		t.Errorf("creates=%d live=%d, want 2 and 0", creates, live)
	}
	if n := len(w.ev.of(drill.EventOverdue)); n != 0 {
		t.Fatalf("overdue announced %d times within two periods", n)
	}
	w.clock.Set(w.clock.Now().Add(49 * time.Hour)) // no pass for over twice the period
	tick(r)
	tick(r)
	if n := len(w.ev.of(drill.EventOverdue)); n != 1 {
		t.Errorf("overdue announced %d times, want once", n)
	}
}
