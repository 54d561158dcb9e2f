package drill_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/drill/mysqltest"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// world is a test's drills: one fake cloud and MariaDB, and as many
// replicas (runners sharing one Redis prefix) as it starts.
type world struct {
	t      *testing.T
	db     *mysqltest.DB
	cloud  *fakeCloud
	ev     *events
	clock  *clock
	drills []policy.Drill
	pol    func() *policy.Policy
	newRep func(owner string, ttl time.Duration) (*drill.Runner, *drill.Store)
}

func newWorld(t *testing.T, drills ...policy.Drill) *world {
	t.Helper()
	db := mysqltest.New(t, 1200)
	rdb, prefix := redistest.New(t)
	w := &world{t: t, db: db, cloud: newFakeCloud(t, db, "orders-prod"), ev: &events{},
		clock: &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, drills: drills}
	w.pol = func() *policy.Policy { return &policy.Policy{Drills: w.drills} }
	w.newRep = func(owner string, ttl time.Duration) (*drill.Runner, *drill.Store) {
		st := drill.NewStore(rdb, prefix, owner, ttl)
		r := drill.NewRunner(drill.Options{
			Policy: func() *policy.Policy { return w.pol() }, Store: st,
			Lister: w.cloud, Backups: w.cloud, Creator: w.cloud, Keeper: w.cloud, Guard: w.cloud, Notifier: w.ev,
			Log: zerolog.Nop(), Now: w.clock.Now, Tick: 50 * time.Millisecond, Poll: 10 * time.Millisecond,
			User: w.cloud.user,
		})
		return r, st
	}
	return w
}

func drillDef(name string, s policy.Schedule, checks ...policy.Check) policy.Drill {
	return policy.Drill{Name: name, Match: policy.Matchers{Names: []string{"orders-*"}}, Schedule: s,
		From: policy.FromLatestBackup, Checks: checks, MaxDuration: time.Hour}
}

// tick runs one Tick of each replica at once and waits for their runs.
func tick(rs ...*drill.Runner) {
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() { r.Tick(context.Background()) })
	}
	wg.Wait()
	for _, r := range rs {
		r.Wait()
	}
}

func ended(t *testing.T, w *world, n int) []drill.Event {
	t.Helper()
	got := w.ev.of(drill.EventEnded)
	if len(got) != n {
		t.Fatalf("%d runs ended, want %d: %+v", len(got), n, got)
	}
	return got
}

// An every: drill runs once per period across two replicas, with real
// checks against the restored data, and deletes its instance.
func TestRunnerEveryOncePerPeriodAcrossReplicas(t *testing.T) {
	w := newWorld(t)
	count := sqlCheck(t, "SELECT COUNT(*) FROM "+w.db.Name+".orders", ">= 1000")
	w.drills = append(w.drills, drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour}, count,
		policy.Check{TablesExist: []string{w.db.Name + ".orders", w.db.Name + ".customers"}, Timeout: 10 * time.Second}))
	a, _ := w.newRep("a", time.Minute)
	b, _ := w.newRep("b", time.Minute)
	tick(a, b)
	tick(a, b) // the same period again: nothing
	ev := ended(t, w, 1)
	run := ev[0].Run
	if !run.Passed() || len(run.Targets) != 1 {
		t.Fatalf("run = %+v, want passed with one target", run)
	}
	tr := run.Targets[0]
	if len(tr.Checks) != 3 || !tr.Checks[1].Pass || tr.Checks[1].Got != "1200" || tr.BackupID != "b-orders-prod" || !tr.Deleted {
		t.Errorf("target = %+v, want SELECT 1, the count (1200) and the tables passed, backup b-orders-prod, deleted", tr)
	}
	if creates, live := w.cloud.counts(); creates != 1 || live != 0 {
		t.Errorf("creates=%d live=%d, want 1 and 0", creates, live)
	}
	if len(w.ev.of(drill.EventStarted)) != 1 {
		t.Errorf("started announced %d times, want 1", len(w.ev.of(drill.EventStarted)))
	}
	w.clock.Set(w.clock.Now().Add(24 * time.Hour)) // the next period
	tick(b, a)
	ended(t, w, 2)
	if creates, live := w.cloud.counts(); creates != 2 || live != 0 {
		t.Errorf("after the next period: creates=%d live=%d, want 2 and 0", creates, live)
	}
}

// A cron drill runs in the period its expression starts, once, and again
// only after the next firing.
func TestRunnerCron(t *testing.T) {
	w := newWorld(t)
	w.drills = append(w.drills, drillDef("orders-weekly", policy.Schedule{Cron: "0 3 * * 1", TimeZone: "Europe/Berlin"}))
	r, _ := w.newRep("a", time.Minute)
	w.clock.Set(time.Date(2026, 12, 7, 1, 59, 0, 0, time.UTC)) // Monday 02:59 in Berlin: last week's period
	tick(r)
	ev := ended(t, w, 1)
	if want := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC); !ev[0].Run.Slot.Equal(want) {
		t.Errorf("slot = %v, want %v", ev[0].Run.Slot, want)
	}
	w.clock.Set(time.Date(2026, 12, 7, 1, 59, 59, 0, time.UTC))
	tick(r)
	ended(t, w, 1)
	w.clock.Set(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)) // 03:00 in Berlin
	tick(r)
	ev = ended(t, w, 2)
	if want := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC); !ev[1].Run.Slot.Equal(want) || ev[1].Run.ID != "orders-weekly-20261207T0200Z" {
		t.Errorf("second run %s slot %v, want %v", ev[1].Run.ID, ev[1].Run.Slot, want)
	}
}

// Failures each end the run failed, with the reason, and the instance
// deleted.
func TestRunnerFailuresDeleteTheInstance(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *world, d *policy.Drill)
		reason string
	}{
		{"wrong count", func(w *world, d *policy.Drill) {
			d.Checks = []policy.Check{sqlCheck(w.t, "SELECT COUNT(*) FROM "+w.db.Name+".orders", ">= 5000")}
		}, "got 1200; want >= 5000"},
		{"failing check", func(w *world, d *policy.Drill) {
			d.Checks = []policy.Check{{TablesExist: []string{w.db.Name + ".refunds"}, Timeout: 5 * time.Second}}
		}, "missing: "},
		{"unreachable instance", func(w *world, d *policy.Drill) { w.cloud.addr = closedAddr(w.t) }, "cannot reach 127.0.0.1:"},
		{"past max_duration", func(w *world, d *policy.Drill) {
			w.cloud.activeAfter = 1 << 30
			d.MaxDuration = time.Minute
			go func() { // the clock runs on while the instance builds
				for i := range 200 {
					time.Sleep(5 * time.Millisecond)
					w.clock.Set(w.clock.Now().Add(time.Duration(i) * time.Second))
				}
			}()
		}, "not ACTIVE within max_duration 1m (last status BUILD)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			d := drillDef("orders-daily", policy.Schedule{Every: 24 * time.Hour})
			tt.setup(w, &d)
			w.drills = []policy.Drill{d}
			r, _ := w.newRep("a", time.Minute)
			tick(r)
			run := ended(t, w, 1)[0].Run
			if run.Passed() || !strings.Contains(run.Reason, tt.reason) {
				t.Errorf("run = %s %q, want failed with %q", run.Stage, run.Reason, tt.reason)
			}
			if creates, live := w.cloud.counts(); creates != 1 || live != 0 || !run.Targets[0].Deleted {
				t.Errorf("creates=%d live=%d deleted=%v, want 1, 0, true", creates, live, run.Targets[0].Deleted)
			}
			for _, pw := range w.cloud.passwords {
				if strings.Contains(fmt.Sprintf("%+v", run), pw) {
					t.Errorf("the password appears in the run %+v", run)
				}
			}
		})
	}
}
