package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ApproveResult is what one approval did.
type ApproveResult struct {
	Request  Request // as it stands after the call
	Count    int     // distinct approvals counted so far
	Required int     // approvals needed
	// Executing is true for exactly one call per request: the approval
	// that reached Required. That caller now holds the restore lease (see
	// RenewExec) and must make the restore call, then record its outcome
	// with MarkSubmitted, MarkFailed, MarkUnknown or MarkDryRun.
	Executing bool
	// Queued: this approval reached Required while another request holds
	// the target instance (Request.WaitingFor names it). Nothing may be
	// called now; DispatchQueued moves it to executing when the instance
	// is free.
	Queued bool
	// Dropped are earlier approvers whose approvals this call removed
	// because they lost the right (Checks.Dropped still counted then).
	Dropped []string
	// NotDurable: this approval reached Required, but the Redis replicas
	// did not confirm it (see Durability), so nothing may be called yet,
	// and the error wraps ErrNotDurable. Without Durability.Patience the
	// request has been ended as failed with NotDurableDetail (Request shows
	// it): tell the approvers to re-request. With it, the request is still
	// executing under this store's lease: wait for ConfirmExecuting.
	NotDurable bool
}

// Checks are what the caller found out before an approval, for the store
// to apply in the same atomic step.
type Checks struct {
	// PolicyHash is the caller's policy (policy.Policy.Hash). Set, the
	// approval is refused with ReasonPolicyChanged unless it is the hash
	// of the policy record in force (see ClaimPolicy).
	PolicyHash string
	// Rule is the rule in force for the target now. Set, the approval is
	// refused with ReasonRuleFrozen when the policy record has it frozen,
	// and the request remembers it as the rule that governs it.
	Rule string
	// Recheck says the caller re-checked the earlier approvers: then the
	// threshold is reached only when every earlier approver still counted
	// is in Checked; otherwise (someone approved meanwhile) the call is
	// refused with ReasonRecheck and changes nothing.
	Recheck bool
	// Checked are earlier approvers who still may approve.
	Checked []string
	// Dropped are earlier approvers who lost the right: their approvals
	// are removed and audited, whatever else happens.
	Dropped []string
}

// Approve counts actor's approval of the request. The caller must already
// have checked that actor may approve under the request's rule; the store
// refuses (with a *Refusal) a request that is not pending, is past its
// expiry (and marks it expired), was requested by actor, was already
// approved by actor, carries other parameters than the seenHash the
// approver was shown, or while restores are frozen.
func (s *Store) Approve(ctx context.Context, id, actor, seenHash string) (ApproveResult, error) {
	return s.ApproveChecked(ctx, id, actor, seenHash, Checks{})
}

// ApproveChecked is Approve with the caller's checks applied atomically:
// the policy in force, the rule's freeze, and the earlier approvers'
// re-check (see Checks).
func (s *Store) ApproveChecked(ctx context.Context, id, actor, seenHash string, c Checks) (ApproveResult, error) {
	if actor == "" {
		return ApproveResult{}, errors.New("approve request: actor is empty")
	}
	recheck := ""
	if c.Recheck {
		recheck = "1"
	}
	// The transition to executing is acted on (a mutating cloud call), so
	// it is confirmed by the replicas first.
	executing := func(r result) bool { return r.status == "ok" && r.extra == "executing" }
	req, res, err := s.transitionDurable(ctx, "approve", s.sc.approve, id, executing,
		actor, seenHash, s.owner, strconv.FormatInt(s.leaseTTL.Milliseconds(), 10),
		c.PolicyHash, c.Rule, recheck, strings.Join(c.Checked, ","), strings.Join(c.Dropped, ","))
	out := ApproveResult{Request: req, Count: len(req.Approvals), Required: req.Rule.Required()}
	var refusal *Refusal
	switch {
	case errors.Is(err, ErrNotDurable):
		out.NotDurable = true
		if s.durability.Patience > 0 && req.State == StateExecuting {
			return out, err // the caller waits for the confirmation
		}
		failed, ferr := s.MarkFailed(ctx, req.ID, NotDurableDetail)
		if ferr != nil {
			// The request stays executing under this store's lease, which
			// lapses; the reaper then closes it. Nothing was called.
			return out, errors.Join(err, ferr)
		}
		out.Request = failed
		return out, err
	case errors.As(err, &refusal):
		refusal.Detail = res.extra
		return out, err
	case err != nil:
		return out, err
	}
	out.Executing = res.extra == "executing"
	out.Queued = res.extra == "queued"
	if !out.Executing && !out.Queued && res.extra != "" {
		out.Dropped = strings.Split(res.extra, ",")
	}
	return out, nil
}

// Deny ends a pending request as denied by actor, with an optional note.
// The requester cannot deny their own request (ReasonSelfApproval); they
// cancel it instead.
func (s *Store) Deny(ctx context.Context, id, actor, note string) (Request, error) {
	if actor == "" {
		return Request{}, errors.New("deny request: actor is empty")
	}
	req, _, err := s.transitionDurable(ctx, "deny", s.sc.deny, id, changed, actor, note)
	return req, err
}

// changed says a transition's result changed the request: a decision
// people are told of, so it is confirmed by the replicas first (a failover
// must not bring a denied request back). Unconfirmed, Deny and Cancel
// return the request as decided with an error wrapping ErrNotDurable.
func changed(r result) bool { return r.status == "ok" }

// Cancel ends a pending request at its requester's wish; anyone else is
// refused with ReasonNotRequester.
func (s *Store) Cancel(ctx context.Context, id, actor string) (Request, error) {
	if actor == "" {
		return Request{}, errors.New("cancel request: actor is empty")
	}
	req, _, err := s.transitionDurable(ctx, "cancel", s.sc.cancel, id, changed, actor)
	return req, err
}

// Withdraw ends a pending request on the bot's own account (for example,
// its approval message could not be posted, so nobody could approve it):
// cancelled, decided by "bot", audited as withdrawn with why.
func (s *Store) Withdraw(ctx context.Context, id, why string) (Request, error) {
	req, _, err := s.transition(ctx, "withdraw", s.sc.withdraw, id, why)
	return req, err
}

// RenewExec extends the restore lease of an executing request, if this
// store still owns it. False means the lease is gone (the request left
// executing, or the lease lapsed and the request may have been reaped): the
// caller must not start the restore call.
func (s *Store) RenewExec(ctx context.Context, id string) (bool, error) {
	id, ok := NormalizeID(id)
	if !ok {
		return false, nil
	}
	n, err := s.sc.renew.Run(ctx, s.rdb, []string{s.prefix + "exec:" + id},
		s.owner, s.leaseTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease of request %s: %w", id, err)
	}
	return n == 1, nil
}

// MarkSubmitted records that the cloud accepted the restore as jobID.
func (s *Store) MarkSubmitted(ctx context.Context, id, jobID string) (Request, error) {
	if jobID == "" {
		return Request{}, errors.New("mark request submitted: job id is empty")
	}
	return s.finish(ctx, id, StateSubmitted, "", jobID, "job "+jobID, StateExecuting)
}

// MarkDryRun records that the restore call was only simulated.
func (s *Store) MarkDryRun(ctx context.Context, id, detail string) (Request, error) {
	return s.finish(ctx, id, StateDryRun, detail, "", detail, StateExecuting)
}

// MarkFailed records that the restore call was refused, or that the
// submitted job failed.
func (s *Store) MarkFailed(ctx context.Context, id, detail string) (Request, error) {
	return s.finish(ctx, id, StateFailed, detail, "", detail, StateExecuting, StateSubmitted)
}

// MarkUnknown records that the restore call's outcome cannot be known (for
// example, a timeout after the request was sent): it is never retried.
func (s *Store) MarkUnknown(ctx context.Context, id, detail string) (Request, error) {
	return s.finish(ctx, id, StateUnknown, detail, "", detail, StateExecuting)
}

// MarkCompleted records that the submitted restore job finished.
func (s *Store) MarkCompleted(ctx context.Context, id, detail string) (Request, error) {
	return s.finish(ctx, id, StateCompleted, detail, "", detail, StateSubmitted)
}

// finish moves a request from one of the from states to the given state,
// as the bot. A request in any other state is refused with
// ReasonNotPending and Refusal.State saying where it is.
func (s *Store) finish(ctx context.Context, id string, to State, detail, jobID, auditDetail string, from ...State) (Request, error) {
	args := []any{string(to), detail, jobID, auditDetail}
	for _, f := range from {
		args = append(args, string(f))
	}
	req, _, err := s.transition(ctx, "mark "+string(to), s.sc.finish, id, args...)
	return req, err
}
