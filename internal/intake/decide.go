package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
)

// The click-time checks fail closed: when a check needs data the bot
// cannot get (the target's tags from the cloud, a user group's members),
// the click is not counted (*UncheckedError). An approval that would reach
// the threshold counts only after every approver counted so far was checked
// again with group lists read afresh; approvals of people who lost the
// right are dropped in the same atomic step as the click. Every approval
// asks the store for that guard (Checks.Recheck), so two clicks that both
// read the request below the threshold cannot cross it unchecked: the store
// refuses the one that would, and it is re-checked here and retried.

// Click is one Approve or Deny.
type Click struct {
	User      string
	RequestID string
	SeenHash  string // the parameter hash the clicker was shown
	Approve   bool
}

// Decision is what a counted click did.
type Decision struct {
	Request approvals.Request // as it stands after the click
	Rule    string            // the rule in force now, by name
	Denied  bool
	// Unconfirmed: the denial is made on the Redis primary but its
	// replicas did not confirm it; a failover could undo it (say so).
	Unconfirmed bool
	approvals.ApproveResult
}

// Decide counts a click: the clicker must be an approver of the rule
// captured on the request and of the rule in force now, that rule must not
// be frozen, and this replica's rules must be in force. A refusal is a
// typed error; an approval the replicas did not confirm comes back with
// NotDurable set and the store's error.
func (s *Service) Decide(ctx context.Context, c Click) (Decision, error) {
	if err := s.guard.Problem(); err != nil {
		return Decision{}, err
	}
	req, err := s.o.Store.Get(ctx, c.RequestID)
	if err != nil {
		return Decision{}, StoreErr(err)
	}
	// At the click that would reach the threshold, group lists are read
	// afresh: a removal must count at once.
	var asOf time.Time
	if c.Approve && len(req.Approvals)+1 >= req.Rule.Required() {
		asOf = s.o.Now()
	}
	var rule policy.Rule
	if c.User != req.Requester { // the requester hears why they cannot decide, not that they are no approver
		r, ok, err := s.MayDecide(ctx, c.User, req, asOf)
		if err != nil {
			return Decision{}, err
		}
		if !ok {
			return Decision{}, &approvals.Refusal{Reason: approvals.ReasonNotApprover, State: req.State, Request: req}
		}
		rule = r
	}
	if !c.Approve {
		req, err := s.o.Store.Deny(ctx, c.RequestID, c.User, "")
		unconfirmed := errors.Is(err, approvals.ErrNotDurable)
		if err != nil && !unconfirmed {
			return Decision{}, StoreErr(err)
		}
		s.o.Metrics.Transition(string(req.State))
		return Decision{Request: req, Rule: rule.Name, Denied: true, Unconfirmed: unconfirmed}, nil
	}
	res, err := s.approve(ctx, c.User, c.SeenHash, req, rule, asOf)
	d := Decision{Request: res.Request, Rule: rule.Name, ApproveResult: res}
	if err != nil && !res.NotDurable {
		return d, s.WithFreezeReason(ctx, StoreErr(err))
	}
	if res.Executing {
		s.o.Metrics.Transition(string(approvals.StateExecuting))
	}
	return d, err
}

// MayDecide reports whether user may approve or deny req now, and the rule
// in force for its target now: user must be an approver of the rule
// captured on the request, and still an approver under the policy in force
// today (a user removed from a group, or from the policy file, loses the
// right even for requests made before). Group lists older than asOf are
// read again.
func (s *Service) MayDecide(ctx context.Context, user string, req approvals.Request, asOf time.Time) (policy.Rule, bool, error) {
	now, err := s.ruleNow(ctx, req)
	if err != nil {
		return policy.Rule{}, false, err
	}
	if now.Frozen {
		return now, false, &FrozenError{Rule: now.Name, Reason: now.FrozenReason}
	}
	ok, err := s.stillApprover(ctx, user, req, now, asOf)
	return now, ok, err
}

// stillApprover checks user against the request's captured rule and the
// rule in force now.
func (s *Service) stillApprover(ctx context.Context, user string, req approvals.Request, now policy.Rule, asOf time.Time) (bool, error) {
	for _, allowed := range [][]string{req.Rule.Approvers, now.Approvers} {
		ok, err := s.o.People.Member(ctx, user, allowed, asOf)
		if err != nil {
			return false, &UncheckedError{Step: StepClick, Source: SourceApproverGroups, Err: err}
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// approveAttempts bounds the re-checks of one click while other approvals
// keep arriving.
const approveAttempts = 4

// approve counts user's approval of req with the checks the store applies
// atomically: this replica's policy is the one in force, the rule in force
// is not frozen, and the threshold is crossed only after every approver
// counted so far was re-checked here afresh (those who may not are dropped).
func (s *Service) approve(ctx context.Context, user, seenHash string, req approvals.Request, rule policy.Rule, asOf time.Time) (approvals.ApproveResult, error) {
	hash := s.guard.Hash()
	if user == req.Requester { // refused as a self-approval: nobody to check
		return s.o.Store.ApproveChecked(ctx, req.ID, user, seenHash, approvals.Checks{PolicyHash: hash})
	}
	for attempt := 1; ; attempt++ {
		// Without a fresh re-check, Checked is empty: the store then
		// refuses to reach the threshold with anyone counted before.
		checks := approvals.Checks{Recheck: true}
		if !asOf.IsZero() {
			var err error
			if checks, err = s.recheck(ctx, user, req, rule, asOf); err != nil {
				return approvals.ApproveResult{Request: req}, err
			}
		}
		checks.PolicyHash, checks.Rule = hash, rule.Name
		res, err := s.o.Store.ApproveChecked(ctx, req.ID, user, seenHash, checks)
		var r *approvals.Refusal
		switch {
		case !errors.As(err, &r):
			return res, err
		case r.Reason == approvals.ReasonPolicyChanged && r.Detail == "" && attempt < approveAttempts && s.guard.Claim(ctx):
			continue // the record was gone (a Redis restart, say) and is back
		case r.Reason == approvals.ReasonPolicyChanged:
			if err := s.guard.Problem(); err != nil {
				return res, err
			}
			return res, &PolicyError{Err: fmt.Errorf("the policy in force is %q, this replica's is %q", r.Detail, hash)}
		case r.Reason == approvals.ReasonRuleFrozen:
			return res, &FrozenError{Rule: rule.Name, Reason: r.Detail}
		case r.Reason != approvals.ReasonRecheck:
			return res, err
		case attempt == approveAttempts:
			return res, &BusyError{ID: req.ID}
		}
		// This click would reach the threshold with approvals counted
		// meanwhile or before: check everyone, afresh.
		req, asOf = r.Request, s.o.Now()
	}
}

// recheck checks every approver counted on req (and the clicker) afresh.
func (s *Service) recheck(ctx context.Context, user string, req approvals.Request, rule policy.Rule, asOf time.Time) (approvals.Checks, error) {
	c := approvals.Checks{Recheck: true}
	ok, err := s.stillApprover(ctx, user, req, rule, asOf)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, &approvals.Refusal{Reason: approvals.ReasonNotApprover, State: req.State, Request: req}
	}
	for _, ap := range req.Approvals {
		if ap.User == user {
			continue
		}
		ok, err := s.stillApprover(ctx, ap.User, req, rule, asOf)
		if err != nil {
			return c, err
		}
		if ok {
			c.Checked = append(c.Checked, ap.User)
		} else {
			c.Dropped = append(c.Dropped, ap.User)
		}
	}
	return c, nil
}
