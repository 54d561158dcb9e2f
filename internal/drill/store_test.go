package drill_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/redistest"
)

func newRun(name string, slot time.Time) drill.Run {
	return drill.Run{ID: drill.RunID(name, slot, slot), Drill: name, Slot: slot, Started: slot, Stage: drill.StageRunning}
}

// Many replicas claiming the same period at once: exactly one starts it;
// the next period is claimed once more.
func TestStoreOneClaimPerPeriod(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	slot := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	stores := make([]*drill.Store, 8)
	for i := range stores {
		stores[i] = drill.NewStore(rdb, prefix, "", time.Minute)
	}
	claimAll := func(run drill.Run) (winner *drill.Store) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		wins := 0
		for _, s := range stores {
			wg.Go(func() {
				c, _, err := s.Claim(ctx, run)
				if err != nil {
					t.Errorf("Claim: %v", err)
				}
				if c == drill.ClaimNew {
					mu.Lock()
					wins++
					winner = s
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d replicas started period %s, want 1", wins, run.Slot)
		}
		return winner
	}
	w := claimAll(newRun("d", slot))
	run := newRun("d", slot)
	run.Stage = drill.StagePassed
	if err := w.Finish(ctx, &run); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	for _, s := range stores {
		if c, _, _ := s.Claim(ctx, newRun("d", slot)); c != drill.ClaimDone {
			t.Fatalf("after the period ran, Claim = %v, want done", c)
		}
	}
	claimAll(newRun("d", slot.Add(7*24*time.Hour)))
}

// A run whose replica died (its lease lapsed) is resumed by another, with
// its progress; the old owner can no longer write.
func TestStoreResumeAfterLeaseLapses(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	a := drill.NewStore(rdb, prefix, "a", 300*time.Millisecond)
	b := drill.NewStore(rdb, prefix, "b", time.Minute)
	slot := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	if c, _, err := a.Claim(ctx, newRun("d", slot)); c != drill.ClaimNew || err != nil {
		t.Fatalf("a: Claim = %v, %v", c, err)
	}
	run, _ := a.Current(ctx, "d")
	run.Targets = []drill.TargetRun{{SourceID: "src", NewName: "src-drill-1", Called: true, NewID: "newid"}}
	if err := a.Save(ctx, run); err != nil {
		t.Fatalf("a: Save: %v", err)
	}
	if c, _, _ := b.Claim(ctx, newRun("d", slot.Add(time.Hour))); c != drill.ClaimBusy {
		t.Fatalf("b while a holds the lease: Claim = %v, want busy", c)
	}
	time.Sleep(400 * time.Millisecond) // a "dies": its lease lapses
	c, got, err := b.Claim(ctx, newRun("d", slot.Add(time.Hour)))
	if c != drill.ClaimResume || err != nil {
		t.Fatalf("b after a's lease lapsed: Claim = %v, %v; want resume", c, err)
	}
	if got.ID != run.ID || len(got.Targets) != 1 || got.Targets[0].NewID != "newid" || got.Owner != "b" {
		t.Errorf("resumed run = %+v, want a's run with its new instance, owned by b", got)
	}
	if err := a.Save(ctx, run); !errors.Is(err, drill.ErrLeaseLost) {
		t.Errorf("a: Save after losing the lease = %v, want ErrLeaseLost", err)
	}
	if err := a.Finish(ctx, run); !errors.Is(err, drill.ErrLeaseLost) {
		t.Errorf("a: Finish after losing the lease = %v, want ErrLeaseLost", err)
	}
	if err := a.Renew(ctx, "d"); !errors.Is(err, drill.ErrLeaseLost) {
		t.Errorf("a: Renew = %v, want ErrLeaseLost", err)
	}
	_ = a.Release(ctx, "d") // must not free b's lease
	if err := b.Renew(ctx, "d"); err != nil {
		t.Errorf("b: Renew after a's Release: %v", err)
	}
}

func TestStoreFinishKeepsRunsAndDurations(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	s := drill.NewStore(rdb, prefix, "", time.Minute)
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for i := range 3 {
		slot := base.Add(time.Duration(i) * 24 * time.Hour)
		run := newRun("d", slot)
		if c, _, err := s.Claim(ctx, run); c != drill.ClaimNew || err != nil {
			t.Fatalf("Claim %d = %v, %v", i, c, err)
		}
		run.Stage, run.Ended = drill.StagePassed, slot.Add(time.Hour)
		run.Targets = []drill.TargetRun{{SourceID: "src1", CalledAt: slot, ActiveAt: slot.Add(time.Duration(10+i) * time.Minute)}}
		if err := s.Finish(ctx, &run); err != nil {
			t.Fatalf("Finish: %v", err)
		}
	}
	runs, err := s.Runs(ctx, "d", 10)
	if err != nil || len(runs) != 3 || !runs[0].Slot.Equal(base.Add(48*time.Hour)) {
		t.Fatalf("Runs = %+v, %v; want 3, newest first", runs, err)
	}
	if cur, _ := s.Current(ctx, "d"); cur != nil {
		t.Errorf("a run is still in progress after Finish: %+v", cur)
	}
	ds, err := s.Durations(ctx, "src1")
	want := []time.Duration{12 * time.Minute, 11 * time.Minute, 10 * time.Minute}
	if err != nil || len(ds) != 3 || ds[0] != want[0] || ds[2] != want[2] {
		t.Errorf("Durations = %v, %v; want %v", ds, err, want)
	}
	// A run asked for now needs no period and leaves the periods alone.
	now := newRun("d", time.Time{})
	if c, _, _ := s.Claim(ctx, now); c != drill.ClaimNew {
		t.Errorf("a run now: Claim = %v, want new", c)
	}
}

func TestSummarize(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	run := func(stage string, rec time.Duration) drill.Run {
		r := drill.Run{Stage: stage, Ended: at}
		if rec > 0 {
			r.Targets = []drill.TargetRun{{CalledAt: at, ActiveAt: at.Add(rec)}}
		}
		at = at.Add(-24 * time.Hour)
		return r
	}
	m := time.Minute
	tests := []struct {
		name   string
		runs   []drill.Run // newest first
		median time.Duration
		trend  string
	}{
		{"none", nil, 0, ""},
		{"too few for a trend", []drill.Run{run("passed", 10*m), run("passed", 20*m)}, 15 * m, ""},
		{"rising", []drill.Run{run("passed", 30*m), run("passed", 30*m), run("passed", 20*m), run("passed", 20*m)}, 25 * m, "rising 50%"},
		{"falling", []drill.Run{run("passed", 10*m), run("passed", 10*m), run("failed", 20*m), run("passed", 20*m)}, 15 * m, "falling 50%"},
		{"steady, failures without ACTIVE skipped", []drill.Run{run("passed", 20*m), run("failed", 0), run("passed", 21*m), run("passed", 20*m), run("passed", 19*m)}, 20 * m, "steady"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := drill.Summarize(tt.runs)
			if s.Median != tt.median || s.Trend != tt.trend {
				t.Errorf("Summarize = median %v trend %q, want %v %q", s.Median, s.Trend, tt.median, tt.trend)
			}
			if len(tt.runs) > 0 && s.Last != &tt.runs[0] {
				t.Errorf("Last is not the newest run")
			}
		})
	}
	// Only the last 10 recovery times count.
	var many []drill.Run
	for i := range 15 {
		d := 10 * m
		if i >= 10 {
			d = 100 * m
		}
		many = append(many, run("passed", d))
	}
	if s := drill.Summarize(many); s.Median != 10*m || s.Recoveries != 10 || s.LastRecovery != 10*m {
		t.Errorf("15 runs: median %v over %d, want 10m over 10", s.Median, s.Recoveries)
	}
}
