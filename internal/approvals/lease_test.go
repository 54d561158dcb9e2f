package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestLeaseOneHolderAndTakeover(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.store(approvals.WithOwner("replica-a"))
	b := e.store(approvals.WithOwner("replica-b"))

	if ok, err := a.TakeLease(ctx, "follow:x", 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("a takes: %v %v", ok, err)
	}
	if ok, err := b.TakeLease(ctx, "follow:x", 200*time.Millisecond); err != nil || ok {
		t.Fatalf("b must not take a held lease: %v %v", ok, err)
	}
	if ok, err := a.TakeLease(ctx, "follow:x", 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("a renews: %v %v", ok, err)
	}
	// b cannot release a's lease.
	if err := b.ReleaseLease(ctx, "follow:x"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.TakeLease(ctx, "follow:x", 200*time.Millisecond); ok {
		t.Fatal("b released a's lease")
	}
	// a dies: the lease lapses and b takes over.
	deadline := time.Now().Add(2 * time.Second)
	for {
		ok, err := b.TakeLease(ctx, "follow:x", 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b never took over the lapsed lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, _ := a.TakeLease(ctx, "follow:x", time.Second); ok {
		t.Fatal("a took the lease back from b")
	}
	if err := b.ReleaseLease(ctx, "follow:x"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.TakeLease(ctx, "follow:x", time.Second); !ok {
		t.Fatal("a could not take a released lease")
	}
}

func TestNoteOnceAndOnlyWhileSubmitted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	r := reach(t, e, s, approvals.StateSubmitted)
	if ok, err := s.Note(ctx, r.ID, "job 40%", ""); err != nil || !ok {
		t.Fatalf("progress note: %v %v", ok, err)
	}
	if ok, err := s.Note(ctx, r.ID, "running for 6h", "timeout_warned"); err != nil || !ok {
		t.Fatalf("first warning: %v %v", ok, err)
	}
	if ok, err := e.store().Note(ctx, r.ID, "running for 6h", "timeout_warned"); err != nil || ok {
		t.Fatalf("second warning must be refused: %v %v", ok, err)
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.StateSubmitted || got.SubmittedAt.IsZero() {
		t.Fatalf("state %s submitted at %v", got.State, got.SubmittedAt)
	}
	hist, err := s.History(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var progress, warned int
	for _, ev := range hist {
		switch ev.Action {
		case "progress":
			progress++
		case "timeout_warned":
			warned++
		}
	}
	if progress != 1 || warned != 1 {
		t.Fatalf("history: %d progress, %d warnings; want 1 and 1: %+v", progress, warned, hist)
	}
	if _, err := s.MarkCompleted(ctx, r.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Note(ctx, r.ID, "late", ""); err == nil {
		t.Fatal("a note on a completed request must be refused")
	}
}

func TestFreezeRefusesCreateAndBreakGlassReviews(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	if err := s.SetFreeze(ctx, "UADMIN01", "change freeze"); err != nil {
		t.Fatal(err)
	}
	r := newRequest(1)
	_, err := s.Create(ctx, r)
	wantRefusal(t, err, approvals.ReasonFrozen)
	if err := s.ClearFreeze(ctx, "UADMIN01"); err != nil {
		t.Fatal(err)
	}

	plain := e.create(t, s, 1)
	r.BreakGlass = "primary is down"
	bg, err := s.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Reviews(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != bg.ID || list[0].BreakGlass != "primary is down" {
		t.Fatalf("reviews: got %+v, want only %s", list, bg.ID)
	}
	_, err = s.Review(ctx, plain.ID, "UADMIN01", "fine")
	wantRefusal(t, err, approvals.ReasonNotBreakGlass)
	_, err = s.Review(ctx, bg.ID, "UADMIN01", "too early")
	wantRefusal(t, err, approvals.ReasonNotEnded)
	if _, err := s.Approve(ctx, bg.ID, approver(1), bg.ParamHash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkSubmitted(ctx, bg.ID, "job-1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Review(ctx, bg.ID, "UADMIN01", "still running")
	wantRefusal(t, err, approvals.ReasonNotEnded)
	if _, err := s.MarkCompleted(ctx, bg.ID, "done"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Review(ctx, bg.ID, requester, "my own")
	wantRefusal(t, err, approvals.ReasonSelfReview)
	got, err := s.Review(ctx, bg.ID, "UADMIN01", "primary was really down; INC-7")
	if err != nil {
		t.Fatal(err)
	}
	if got.ReviewedBy != "UADMIN01" || got.ReviewNote != "primary was really down; INC-7" || got.ReviewedAt.Sub(e.clk.Now()).Abs() > time.Second {
		t.Errorf("reviewed request: by %q at %s note %q", got.ReviewedBy, got.ReviewedAt, got.ReviewNote)
	}
	_, err = s.Review(ctx, bg.ID, "UADMIN02", "again")
	wantRefusal(t, err, approvals.ReasonReviewed)
	if list, _ := s.Reviews(ctx); len(list) != 0 {
		t.Fatalf("reviews after review: %+v", list)
	}
	hist, err := s.History(ctx, bg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if hist[0].Action != "requested" || hist[0].Detail != "break-glass: primary is down" {
		t.Errorf("first audit entry %+v: want the break-glass reason", hist[0])
	}
	if last := hist[len(hist)-1]; last.Action != "reviewed" || last.Actor != "UADMIN01" || last.Detail != "primary was really down; INC-7" {
		t.Errorf("last audit entry %+v: want the review and its note", last)
	}
}
