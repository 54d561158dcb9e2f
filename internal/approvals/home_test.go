package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestByRequester(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	var mine []string // newest first
	for i := range 6 {
		r := newRequest(1)
		if i%2 == 1 {
			r.Requester = "UOTHER"
		}
		r.ExpiresAt = e.clk.Now().Add(time.Hour)
		got, err := s.Create(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			mine = append([]string{got.ID}, mine...)
		}
		e.clk.Advance(time.Second)
	}
	// Ending a request keeps it in its requester's index.
	if _, err := s.Cancel(ctx, mine[1], requester); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByRequester(ctx, requester, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mine, ids(got)); diff != "" {
		t.Errorf("ByRequester (-want +got):\n%s", diff)
	}
	got, err = s.ByRequester(ctx, requester, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mine[:2], ids(got)); diff != "" {
		t.Errorf("ByRequester limit 2 (-want +got):\n%s", diff)
	}
	if got, _ := s.ByRequester(ctx, "UNOBODY", 5); len(got) != 0 {
		t.Errorf("ByRequester(nobody) = %v, want none", ids(got))
	}
}

func TestEndedSince(t *testing.T) {
	ctx := context.Background()
	must := musts(t)
	e := newEnv(t)
	s := e.store()
	old := e.create(t, s, 1)
	if _, err := s.Deny(ctx, old.ID, approver(1), ""); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(8 * 24 * time.Hour)
	cutoff := e.clk.Now().Add(-7 * 24 * time.Hour)
	var want []string // newest first
	for i := range 3 {
		r := e.create(t, s, 1)
		e.clk.Advance(time.Minute)
		switch i {
		case 0:
			must(s.Cancel(ctx, r.ID, requester))
		case 1:
			must(s.Approve(ctx, r.ID, approver(1), r.ParamHash))
			must(s.MarkSubmitted(ctx, r.ID, "job-1"))
			must(s.MarkCompleted(ctx, r.ID, "done"))
		case 2:
			continue // still pending: not ended
		}
		want = append([]string{r.ID}, want...)
	}
	got, err := s.EndedSince(ctx, cutoff, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Errorf("EndedSince (-want +got):\n%s", diff)
	}
	if got[0].State != approvals.StateCompleted {
		t.Errorf("newest ended is %s, want completed", got[0].State)
	}
	all, err := s.EndedSince(ctx, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("EndedSince(zero) = %v, want the old one too", ids(all))
	}
	// A new request trims index entries older than the retention.
	e.clk.Advance(approvals.IndexRetention)
	e.create(t, s, 1)
	if all, _ := s.EndedSince(ctx, time.Time{}, 10); len(all) != 0 {
		t.Errorf("after the retention, EndedSince(zero) = %v, want none", ids(all))
	}
	if mine, _ := s.ByRequester(ctx, requester, 10); len(mine) != 1 {
		t.Errorf("after the retention, ByRequester = %v, want only the new one", ids(mine))
	}
}

func TestRecordProgress(t *testing.T) {
	ctx := context.Background()
	must := musts(t)
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 1)
	_, err := s.RecordProgress(ctx, r.ID, "10%", "")
	wantRefusal(t, err, approvals.ReasonNotPending) // pending: no job yet
	must(s.Approve(ctx, r.ID, approver(1), r.ParamHash))
	must(s.MarkSubmitted(ctx, r.ID, "job-1"))
	e.clk.Advance(time.Second)
	got, err := s.RecordProgress(ctx, r.ID, "40%", "1700000000.000100")
	if err != nil {
		t.Fatal(err)
	}
	if got.Progress != "40%" || got.ProgressTS != "1700000000.000100" || got.ProgressAt.Sub(e.clk.Now()).Abs() > time.Second {
		t.Errorf("after RecordProgress: progress %q ts %q at %v", got.Progress, got.ProgressTS, got.ProgressAt)
	}
	got, err = s.RecordProgress(ctx, r.ID, "60%", "")
	if err != nil || got.Progress != "60%" || got.ProgressTS != "1700000000.000100" {
		t.Errorf("second RecordProgress kept ts %q progress %q err %v", got.ProgressTS, got.Progress, err)
	}
	must(s.MarkCompleted(ctx, r.ID, "done"))
	_, err = s.RecordProgress(ctx, r.ID, "99%", "")
	wantRefusal(t, err, approvals.ReasonNotPending)
}

// musts returns a check that fails the test on a call's error.
func musts(t testing.TB) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestTakeRateIsSharedByReplicas(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, b := e.store(), e.store() // two replicas over one Redis
	for i, s := range []*approvals.Store{a, b, a} {
		if wait, err := s.TakeRate(ctx, "publish", 3, time.Minute); err != nil || wait != 0 {
			t.Fatalf("take %d: wait %v, err %v; want it counted", i+1, wait, err)
		}
	}
	wait, err := b.TakeRate(ctx, "publish", 3, time.Minute)
	if err != nil || wait <= 0 || wait > time.Minute+time.Millisecond {
		t.Fatalf("4th take within the window: wait %v, err %v; want a wait of up to a minute", wait, err)
	}
	if wait, _ := a.TakeRate(ctx, "other", 3, time.Minute); wait != 0 {
		t.Errorf("another rate's budget was taken: wait %v", wait)
	}
	// A short window frees up as it slides.
	for range 2 {
		if wait, _ := a.TakeRate(ctx, "short", 2, 50*time.Millisecond); wait != 0 {
			t.Fatalf("short take refused: %v", wait)
		}
	}
	wait, _ = a.TakeRate(ctx, "short", 2, 50*time.Millisecond)
	if wait <= 0 {
		t.Fatal("third short take counted")
	}
	time.Sleep(wait)
	if wait, _ := b.TakeRate(ctx, "short", 2, 50*time.Millisecond); wait != 0 {
		t.Errorf("after the window slid: wait %v", wait)
	}
}
