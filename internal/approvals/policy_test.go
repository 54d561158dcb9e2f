package approvals_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestPolicyRecordIsOnePolicyForAllReplicas(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnvOn(t, b.open)
			ctx := context.Background()
			const ttl = 15 * time.Second
			one, two, three := e.store(), e.store(), e.store()
			rec, err := one.ClaimPolicy(ctx, "aaaa", "/etc/a.yml", map[string]string{"prod": "quarter end"}, ttl)
			if err != nil || rec.Hash != "aaaa" || rec.Source != "/etc/a.yml" || !near(rec.Since, t0) {
				t.Fatalf("first claim = %+v, %v", rec, err)
			}
			if _, err := three.ClaimPolicy(ctx, "aaaa", "/other/path.yml", nil, ttl); err != nil {
				t.Fatalf("same rules from another path: %v", err)
			}
			_, err = two.ClaimPolicy(ctx, "bbbb", "/etc/b.yml", nil, ttl)
			var mis *approvals.PolicyMismatchError
			if !errors.As(err, &mis) || mis.Mine != "bbbb" || mis.InForce.Hash != "aaaa" || mis.InForce.Source != "/etc/a.yml" {
				t.Fatalf("a replica with other rules: %v, want a mismatch naming both hashes", err)
			}
			if reason, on, err := two.RuleFreeze(ctx, "prod"); err != nil || !on || reason != "quarter end" {
				t.Fatalf("RuleFreeze(prod) = %q, %v, %v: the record's freeze, whoever reads it", reason, on, err)
			}
			if _, on, _ := two.RuleFreeze(ctx, "other"); on {
				t.Fatal("a rule not frozen reads as frozen")
			}

			// The holders stop cleanly one by one: the last removes the record.
			if err := one.ReleasePolicy(ctx, "aaaa"); err != nil {
				t.Fatal(err)
			}
			if _, err := two.ClaimPolicy(ctx, "bbbb", "/etc/b.yml", nil, ttl); !errors.As(err, &mis) {
				t.Fatalf("one holder left; claim = %v, want a mismatch", err)
			}
			if err := three.ReleasePolicy(ctx, "aaaa"); err != nil {
				t.Fatal(err)
			}
			if rec, err := two.ClaimPolicy(ctx, "bbbb", "/etc/b.yml", nil, ttl); err != nil || rec.Hash != "bbbb" {
				t.Fatalf("no holder left: claim = %+v, %v, want bbbb in force", rec, err)
			}
			if _, on, _ := two.RuleFreeze(ctx, "prod"); on {
				t.Fatal("the old rules' freeze outlived them")
			}

			// A holder that dies (no release) stops holding after its ttl.
			if _, err := one.ClaimPolicy(ctx, "aaaa", "/etc/a.yml", nil, ttl); !errors.As(err, &mis) {
				t.Fatalf("claim against a live holder = %v", err)
			}
			e.clk.Advance(ttl + 50*time.Millisecond) // clocks round to the ms
			if rec, err := one.ClaimPolicy(ctx, "aaaa", "/etc/a.yml", nil, ttl); err != nil || rec.Hash != "aaaa" {
				t.Fatalf("after the holder's ttl: %+v, %v", rec, err)
			}
		})
	}
}

func TestApproveChecksThePolicyInForce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	if _, err := s.ClaimPolicy(ctx, "aaaa", "p.yml", map[string]string{"frozen-rule": "migration"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := e.create(t, s, 1)
	_, err := s.ApproveChecked(ctx, r.ID, approver(1), r.ParamHash, approvals.Checks{PolicyHash: "bbbb", Rule: "prod"})
	if ref := wantRefusal(t, err, approvals.ReasonPolicyChanged); ref.Detail != "aaaa" {
		t.Errorf("detail %q, want the hash in force", ref.Detail)
	}
	_, err = s.ApproveChecked(ctx, r.ID, approver(1), r.ParamHash, approvals.Checks{PolicyHash: "aaaa", Rule: "frozen-rule"})
	if ref := wantRefusal(t, err, approvals.ReasonRuleFrozen); ref.Detail != "migration" {
		t.Errorf("detail %q, want the freeze reason", ref.Detail)
	}
	res, err := s.ApproveChecked(ctx, r.ID, approver(1), r.ParamHash, approvals.Checks{PolicyHash: "aaaa", Rule: "prod"})
	if err != nil || !res.Executing {
		t.Fatalf("approve = %+v, %v", res, err)
	}
	if got := e.rdb.HGet(ctx, e.prefix+"req:"+r.ID, "rule").Val(); got != "prod" {
		t.Errorf("request's rule field = %q, want the rule in force at the approval", got)
	}
}

func TestApproveDropsApproversWhoLostTheRight(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	r := e.create(t, s, 2)
	if _, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash); err != nil {
		t.Fatal(err)
	}
	// approver 2 reaches the threshold, but approver 1 lost the right.
	res, err := s.ApproveChecked(ctx, r.ID, approver(2), r.ParamHash, approvals.Checks{Recheck: true, Dropped: []string{approver(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Executing || res.Count != 1 || !slices.Equal(res.Dropped, []string{approver(1)}) || res.Request.State != approvals.StatePending {
		t.Fatalf("result = %+v: want approver 1 dropped, 1 of 2, still pending", res)
	}
	hist, err := s.History(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(hist, func(ev approvals.Event) bool { return ev.Action == "approval_dropped" && ev.Actor == "bot" }) {
		t.Errorf("no approval_dropped in the audit trail: %+v", hist)
	}
	// Approver 3 reaches it, but approver 2 was not re-checked: refused, nothing changes.
	_, err = s.ApproveChecked(ctx, r.ID, approver(3), r.ParamHash, approvals.Checks{Recheck: true})
	wantRefusal(t, err, approvals.ReasonRecheck)
	res, err = s.ApproveChecked(ctx, r.ID, approver(3), r.ParamHash, approvals.Checks{Recheck: true, Checked: []string{approver(2)}})
	if err != nil || !res.Executing || res.Count != 2 {
		t.Fatalf("re-checked approval = %+v, %v: want executing with 2", res, err)
	}
	if got := res.Request.Approvals; len(got) != 2 || got[0].User != approver(2) || got[1].User != approver(3) {
		t.Errorf("approvals %+v, want approver 2 then 3", got)
	}
}
