package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestList(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	var created []approvals.Request // oldest first
	for range 25 {
		created = append(created, e.create(t, s, 1))
		e.clk.Advance(time.Second)
	}
	// End some: they leave the list. Executing and submitted ones stay.
	if _, err := s.Deny(ctx, created[3].ID, approver(1), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, created[10].ID, requester); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{5, 6} {
		if _, err := s.Approve(ctx, created[i].ID, approver(1), created[i].ParamHash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkSubmitted(ctx, created[6].ID, "job-6"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, created[7].ID, approver(1), created[7].ParamHash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkFailed(ctx, created[7].ID, "no"); err != nil {
		t.Fatal(err)
	}
	var want []string // newest first
	for i := len(created) - 1; i >= 0; i-- {
		if i != 3 && i != 10 && i != 7 {
			want = append(want, created[i].ID)
		}
	}

	var got []string
	for offset := 0; ; offset += 10 {
		page, total, err := s.List(ctx, offset, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) {
			t.Errorf("List(%d, 10) total = %d, want %d", offset, total, len(want))
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("List returned %d requests, limit 10", len(page))
		}
		got = append(got, ids(page)...)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listed ids, newest first (-want +got):\n%s", diff)
	}

	first, _, err := s.List(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if full, _ := s.Get(ctx, first[0].ID); !cmp.Equal(full, first[0]) {
		t.Errorf("listed request differs from Get:\n%s", cmp.Diff(full, first[0]))
	}
	if _, _, err := s.List(ctx, 0, 0); err == nil {
		t.Errorf("List with limit 0 succeeded, want an error")
	}
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 2)
	step := func() time.Time { e.clk.Advance(time.Minute); return e.clk.Now() }

	at1 := step()
	if _, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil {
		t.Fatal(err)
	}
	at2 := step()
	if _, err := s.Approve(ctx, r.ID, approver(2), r.ParamHash); err != nil {
		t.Fatal(err)
	}
	at3 := step()
	if _, err := s.MarkSubmitted(ctx, r.ID, "job-77"); err != nil {
		t.Fatal(err)
	}
	at4 := step()
	if _, err := s.MarkCompleted(ctx, r.ID, "restored"); err != nil {
		t.Fatal(err)
	}
	// A refused call leaves no trace.
	_, _ = s.Approve(ctx, r.ID, approver(3), r.ParamHash)

	got, err := s.History(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := r.ParamHash
	want := []approvals.Event{
		{At: t0, Actor: requester, Action: "requested", State: approvals.StatePending, ParamHash: h},
		{At: at1, Actor: approver(1), Action: "approved", State: approvals.StatePending, ParamHash: h, Detail: "1 of 2"},
		{At: at2, Actor: approver(2), Action: "approved", State: approvals.StateExecuting, ParamHash: h, Detail: "2 of 2"},
		{At: at3, Actor: "bot", Action: "submitted", State: approvals.StateSubmitted, ParamHash: h, Detail: "job job-77"},
		{At: at4, Actor: "bot", Action: "completed", State: approvals.StateCompleted, ParamHash: h, Detail: "restored"},
	}
	if diff := cmp.Diff(want, got, approxTime); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}

	_, err = s.History(ctx, "zzzzzz")
	wantRefusal(t, err, approvals.ReasonNotFound)
}

// TestLifecycle runs a request's whole life on both servers: the
// scripts must behave the same on Redis and on the embedded miniredis.
func TestLifecycle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			s := e.store()
			r := e.create(t, s, 2)
			if _, err := s.SetMessage(ctx, r.ID, "C1", "1.2"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil {
				t.Fatal(err)
			}
			res, err := s.Approve(ctx, r.ID, approver(2), r.ParamHash)
			if err != nil || !res.Executing {
				t.Fatalf("second approval = %+v, %v", res, err)
			}
			if ok, err := s.RenewExec(ctx, r.ID); err != nil || !ok {
				t.Fatalf("RenewExec = %v, %v", ok, err)
			}
			if _, err := s.MarkSubmitted(ctx, r.ID, "job-1"); err != nil {
				t.Fatal(err)
			}
			done, err := s.MarkCompleted(ctx, r.ID, "ok")
			if err != nil {
				t.Fatal(err)
			}
			checkIndexes(t, e, done)
			if done.MessageTS != "1.2" || done.JobID != "job-1" || len(done.Approvals) != 2 || !done.ExpiresAt.Equal(r.ExpiresAt) {
				t.Errorf("completed request = %+v", done)
			}
			hist, err := s.History(ctx, r.ID)
			if err != nil || len(hist) != 5 {
				t.Errorf("History = %d events, %v; want 5", len(hist), err)
			}
			if list, total, err := s.List(ctx, 0, 10); err != nil || total != 0 || len(list) != 0 {
				t.Errorf("List after completion = %d of %d, %v; want empty", len(list), total, err)
			}
		})
	}
}
