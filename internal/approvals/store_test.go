package approvals_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	in := newRequest(2)
	in.State = approvals.StateCompleted // ignored
	in.JobID = "ignored"

	got, err := s.Create(ctx, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{6}$`).MatchString(got.ID) {
		t.Errorf("ID = %q, want 6 characters of the typeable alphabet", got.ID)
	}
	want := newRequest(2)
	want.Params.TargetID = in.Params.TargetID
	want.ID = got.ID
	want.State = approvals.StatePending
	want.ParamHash = want.Params.Hash()
	want.CreatedAt, want.UpdatedAt = t0, t0
	if diff := cmp.Diff(want, got, approxTime); diff != "" {
		t.Errorf("Create returned (-want +got):\n%s", diff)
	}
	if ttl := got.ExpiresAt.Sub(got.CreatedAt); ttl != time.Hour {
		t.Errorf("expires %v after creation (by Redis's clock), want exactly 1h", ttl)
	}

	for _, id := range []string{got.ID, strings.ToUpper(got.ID), " " + got.ID + "\n"} {
		read, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%q): %v", id, err)
		}
		if diff := cmp.Diff(got, read); diff != "" {
			t.Errorf("Get(%q) differs from Create (-create +get):\n%s", id, diff)
		}
	}
	for _, id := range []string{"zzzzzz", "", "abc", "a*b?c[", "0o1lI0"} {
		_, err := s.Get(ctx, id)
		wantRefusal(t, err, approvals.ReasonNotFound)
	}
}

func TestCreateRejects(t *testing.T) {
	s := newEnv(t).store()
	noRequester := newRequest(1)
	noRequester.Requester = ""
	past := newRequest(1)
	past.ExpiresAt = t0
	for name, r := range map[string]approvals.Request{"no requester": noRequester, "expiry not in future": past} {
		if _, err := s.Create(context.Background(), r); err == nil {
			t.Errorf("%s: Create succeeded, want an error", name)
		}
	}
}

func TestSetMessage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 1)
	if _, err := s.SetMessage(ctx, r.ID, "C2", "1700000000.000100"); err != nil {
		t.Fatalf("SetMessage: %v", err)
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != "C2" || got.MessageTS != "1700000000.000100" || got.State != approvals.StatePending {
		t.Errorf("after SetMessage: channel %q ts %q state %s", got.Channel, got.MessageTS, got.State)
	}
	_, err = s.SetMessage(ctx, "zzzzzz", "C", "1")
	wantRefusal(t, err, approvals.ReasonNotFound)
}

func TestApproveRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		setup     func(t *testing.T, e *env, s *approvals.Store, r approvals.Request)
		actor     string
		hash      func(r approvals.Request) string
		reason    approvals.Reason
		wantState approvals.State
	}{
		{name: "self approval", actor: requester, reason: approvals.ReasonSelfApproval, wantState: approvals.StatePending},
		{name: "already approved", actor: approver(1), reason: approvals.ReasonAlreadyApproved, wantState: approvals.StatePending,
			setup: func(t *testing.T, e *env, s *approvals.Store, r approvals.Request) {
				if _, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "stale hash", actor: approver(1), reason: approvals.ReasonStale, wantState: approvals.StatePending,
			hash: func(approvals.Request) string { return "0123456789abcdef" }},
		{name: "empty hash", actor: approver(1), reason: approvals.ReasonStale, wantState: approvals.StatePending,
			hash: func(approvals.Request) string { return "" }},
		{name: "frozen", actor: approver(1), reason: approvals.ReasonFrozen, wantState: approvals.StatePending,
			setup: func(t *testing.T, e *env, s *approvals.Store, r approvals.Request) {
				if err := s.SetFreeze(ctx, "UADMIN", "incident"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "denied", actor: approver(1), reason: approvals.ReasonNotPending, wantState: approvals.StateDenied,
			setup: func(t *testing.T, e *env, s *approvals.Store, r approvals.Request) {
				if _, err := s.Deny(ctx, r.ID, approver(2), "no"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "at expiry", actor: approver(1), reason: approvals.ReasonExpired, wantState: approvals.StateExpired,
			setup: func(t *testing.T, e *env, s *approvals.Store, r approvals.Request) { e.clk.Set(r.ExpiresAt) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.store()
			r := e.create(t, s, 2)
			if tt.setup != nil {
				tt.setup(t, e, s, r)
			}
			hash := r.ParamHash
			if tt.hash != nil {
				hash = tt.hash(r)
			}
			res, err := s.Approve(ctx, strings.ToUpper(r.ID), tt.actor, hash)
			ref := wantRefusal(t, err, tt.reason)
			if ref.State != tt.wantState || ref.Request.State != tt.wantState || res.Request.State != tt.wantState {
				t.Errorf("refusal state %s, request state %s, result state %s; want %s",
					ref.State, ref.Request.State, res.Request.State, tt.wantState)
			}
			if res.Executing {
				t.Errorf("a refused approval reports Executing")
			}
			stored, err := s.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.State != tt.wantState {
				t.Errorf("stored state %s, want %s", stored.State, tt.wantState)
			}
			for _, a := range stored.Approvals {
				if a.User == tt.actor && tt.reason != approvals.ReasonAlreadyApproved {
					t.Errorf("refused approval by %s was counted", tt.actor)
				}
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := newEnv(t).store().Approve(ctx, "zzzzzz", approver(1), "h")
		wantRefusal(t, err, approvals.ReasonNotFound)
	})
}

func TestTwoOfN(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 2)

	_, err := s.Approve(ctx, r.ID, requester, r.ParamHash)
	wantRefusal(t, err, approvals.ReasonSelfApproval)

	e.clk.Advance(time.Second)
	res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if err != nil || res.Executing || res.Count != 1 || res.Required != 2 || res.Request.State != approvals.StatePending {
		t.Fatalf("first approval = %+v, %v; want 1 of 2, pending", res, err)
	}
	_, err = s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	wantRefusal(t, err, approvals.ReasonAlreadyApproved)

	e.clk.Advance(time.Second)
	res, err = s.Approve(ctx, r.ID, approver(2), r.ParamHash)
	if err != nil || !res.Executing || res.Count != 2 || res.Request.State != approvals.StateExecuting {
		t.Fatalf("second approval = %+v, %v; want 2 of 2, executing", res, err)
	}
	wantApprovals := []approvals.Approval{
		{User: approver(1), At: t0.Add(time.Second)},
		{User: approver(2), At: t0.Add(2 * time.Second)},
	}
	if diff := cmp.Diff(wantApprovals, res.Request.Approvals, approxTime); diff != "" {
		t.Errorf("approvals (-want +got):\n%s", diff)
	}
	if lease, err := e.rdb.Get(ctx, e.prefix+"exec:"+r.ID).Result(); err != nil || lease != s.Owner() {
		t.Errorf("lease = %q, %v; want the store's owner token", lease, err)
	}

	_, err = s.Approve(ctx, r.ID, approver(3), r.ParamHash)
	ref := wantRefusal(t, err, approvals.ReasonNotPending)
	if ref.State != approvals.StateExecuting {
		t.Errorf("late approval refused with state %s, want executing", ref.State)
	}
}

func TestDenyAndCancelRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 1)

	_, err := s.Deny(ctx, r.ID, requester, "")
	wantRefusal(t, err, approvals.ReasonSelfApproval)
	_, err = s.Cancel(ctx, r.ID, approver(1))
	wantRefusal(t, err, approvals.ReasonNotRequester)

	e.clk.Advance(time.Minute)
	got, err := s.Deny(ctx, r.ID, approver(1), "wrong instance")
	if err != nil {
		t.Fatalf("Deny: %v", err)
	}
	if got.State != approvals.StateDenied || got.DecidedBy != approver(1) || !near(got.DecidedAt, t0.Add(time.Minute)) || got.Detail != "wrong instance" {
		t.Errorf("denied request = %+v", got)
	}

	r2 := e.create(t, s, 1)
	e.clk.Set(r2.ExpiresAt)
	_, err = s.Cancel(ctx, r2.ID, requester)
	wantRefusal(t, err, approvals.ReasonExpired)
}

func TestRestartSeesPending(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	r := e.create(t, e.store(), 1)

	// A new process: a new store and a new owner token over the same Redis.
	s2 := e.store()
	got, err := s2.Get(ctx, r.ID)
	if err != nil || got.State != approvals.StatePending {
		t.Fatalf("after restart Get = %s, %v; want pending", got.State, err)
	}
	res, err := s2.Approve(ctx, r.ID, approver(1), r.ParamHash)
	if err != nil || !res.Executing {
		t.Fatalf("after restart Approve = %+v, %v; want executing", res, err)
	}
}

func TestFreeze(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := e.create(t, s, 1)

	if _, _, on, err := s.Freeze(ctx); err != nil || on {
		t.Fatalf("Freeze before any = %v, %v; want off", on, err)
	}
	if err := s.SetFreeze(ctx, "UADMIN", "db migration window"); err != nil {
		t.Fatal(err)
	}
	reason, by, on, err := s.Freeze(ctx)
	if err != nil || !on || reason != "db migration window" || by != "UADMIN" {
		t.Fatalf("Freeze = %q, %q, %v, %v", reason, by, on, err)
	}
	_, err = s.Approve(ctx, r.ID, approver(1), r.ParamHash)
	wantRefusal(t, err, approvals.ReasonFrozen)

	if err := s.ClearFreeze(ctx, "UADMIN"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearFreeze(ctx, "UADMIN"); err != nil { // a no-op, not audited
		t.Fatal(err)
	}
	if res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil || !res.Executing {
		t.Fatalf("Approve after ClearFreeze = %+v, %v", res, err)
	}

	msgs, err := e.rdb.XRange(ctx, e.prefix+"audit", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Values["action"].(string)+" by "+m.Values["actor"].(string)+": "+m.Values["detail"].(string))
	}
	want := []string{"freeze by UADMIN: db migration window", "unfreeze by UADMIN: "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("global audit (-want +got):\n%s", diff)
	}
}
