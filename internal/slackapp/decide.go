package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// The click-time checks fail closed: when a check needs data the bot
// cannot get (the target's tags from GaussDB, a user group's members from
// Slack), the click is not counted and the clicker is told to try again.
// At the click that would reach the threshold, every approver counted so
// far is checked again; approvals of people who lost the right are dropped
// in the same atomic step as the click, and the threshold is not reached.

// uncheckedError says a check could not be made, so nothing was done.
type uncheckedError struct {
	outcome string // "Your click was not counted"
	what    string // "the target instance's tags from GaussDB"
	err     error
}

func (e *uncheckedError) Error() string { return "could not read " + e.what + ": " + e.err.Error() }
func (e *uncheckedError) Unwrap() error { return e.err }

func (e *uncheckedError) words() string {
	return fmt.Sprintf(":hourglass: %s: the bot could not read %s, which it needs to check the approval rules (%s). Nothing changed; please try again in a minute.",
		e.outcome, e.what, esc(e.err.Error()))
}

const notCounted = "Your click was not counted"

// busyError says approvals kept arriving while one was re-checked.
type busyError struct{ id string }

func (e *busyError) Error() string {
	return "approvals of " + e.id + " kept changing during the re-check"
}

func (e *busyError) words() string {
	return fmt.Sprintf(":hourglass: Your click was not counted: other approvals of `%s` were being counted at the same moment. Nothing changed; please click again.", e.id)
}

// mayDecide reports whether user may approve or deny req now, and the rule
// in force for its target now: user must be an approver of the rule
// captured on the request, and still an approver under the policy in force
// today (a user removed from a group, or from the policy file, loses the
// right even for requests made before). Group lists older than asOf are
// read again.
func (a *App) mayDecide(ctx context.Context, user string, req approvals.Request, asOf time.Time) (policy.Rule, bool, error) {
	now, err := a.ruleNow(ctx, req)
	if err != nil {
		return policy.Rule{}, false, err
	}
	if now.Frozen {
		return now, false, &frozenError{scope: fmt.Sprintf("rule %q", now.Name), reason: now.FrozenReason}
	}
	ok, err := a.stillApprover(ctx, user, req, now, asOf)
	return now, ok, err
}

// ruleNow is the rule in force today for req's target. A rule matching on
// tags needs the target's tags: when GaussDB cannot say, there is no rule.
func (a *App) ruleNow(ctx context.Context, req approvals.Request) (policy.Rule, error) {
	target := restore.Instance{ID: req.Params.TargetID, Name: req.Params.TargetName}
	// Offline (a dry run without credentials) requests were matched without
	// tags when they were made, and are matched the same way now.
	if a.instances != nil && a.policy.MatchesTags() { // tags need a read; IDs and names do not
		in, err := a.instances.Instance(ctx, target.ID)
		if err != nil {
			a.m.APIError("gaussdb", "instance")
			return policy.Rule{}, &uncheckedError{outcome: notCounted, what: "the target instance's tags from GaussDB", err: err}
		}
		target = in // with its tags, for tag rules
	}
	r, _ := a.policy.Match(target)
	if req.Params.Type == approvals.TypeTables {
		return tableRuleNow(r), nil
	}
	return r, nil
}

// stillApprover checks user against the request's captured rule and the
// rule in force now.
func (a *App) stillApprover(ctx context.Context, user string, req approvals.Request, now policy.Rule, asOf time.Time) (bool, error) {
	for _, allowed := range [][]string{req.Rule.Approvers, now.Approvers} {
		ok, err := a.people.memberAsOf(ctx, user, allowed, asOf)
		if err != nil {
			return false, &uncheckedError{outcome: notCounted, what: "the approvers' user groups from Slack", err: err}
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// approve counts user's approval of req with the checks the store applies
// atomically: this replica's policy is the one in force, the rule in force
// is not frozen, and, at the threshold, every approver counted so far
// still may approve (re-checked here; those who may not are dropped).
func (a *App) approve(ctx context.Context, user, seenHash string, req approvals.Request, rule policy.Rule, asOf time.Time) (approvals.ApproveResult, error) {
	base := approvals.Checks{PolicyHash: a.guard.hash, Rule: rule.Name}
	if user == req.Requester { // refused as a self-approval: nobody to check
		return a.store.ApproveChecked(ctx, req.ID, user, seenHash, approvals.Checks{PolicyHash: a.guard.hash})
	}
	for attempt := 0; ; attempt++ {
		checks := base
		if !asOf.IsZero() {
			var err error
			if checks, err = a.recheck(ctx, user, req, rule, asOf); err != nil {
				return approvals.ApproveResult{Request: req}, err
			}
			checks.PolicyHash, checks.Rule = base.PolicyHash, base.Rule
		}
		res, err := a.store.ApproveChecked(ctx, req.ID, user, seenHash, checks)
		var r *approvals.Refusal
		switch {
		case !errors.As(err, &r):
			return res, err
		case r.Reason == approvals.ReasonPolicyChanged && r.Detail == "" && attempt < 2 && a.claimPolicy(ctx):
			continue // the record was gone (a Redis restart, say) and is back
		case r.Reason == approvals.ReasonPolicyChanged:
			if err := a.policyProblem(); err != nil {
				return res, err
			}
			return res, &policyError{err: fmt.Errorf("the policy in force is %q, this replica's is %q", r.Detail, a.guard.hash)}
		case r.Reason == approvals.ReasonRuleFrozen:
			return res, &frozenError{scope: fmt.Sprintf("rule %q", rule.Name), reason: r.Detail}
		case r.Reason != approvals.ReasonRecheck:
			return res, err
		case attempt == 2:
			return res, &busyError{id: req.ID}
		}
		// Someone approved meanwhile and this click now reaches the
		// threshold: check everyone, afresh.
		req, asOf = r.Request, a.now()
	}
}

// recheck checks every approver counted on req (and the clicker) afresh.
func (a *App) recheck(ctx context.Context, user string, req approvals.Request, rule policy.Rule, asOf time.Time) (approvals.Checks, error) {
	c := approvals.Checks{Recheck: true}
	ok, err := a.stillApprover(ctx, user, req, rule, asOf)
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
		ok, err := a.stillApprover(ctx, ap.User, req, rule, asOf)
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

// droppedWords says whose approvals an approval dropped, and why.
func droppedWords(res approvals.ApproveResult, rule string) string {
	if len(res.Dropped) == 0 {
		return ""
	}
	who := make([]string, len(res.Dropped))
	for i, u := range res.Dropped {
		who[i] = "<@" + u + ">"
	}
	return fmt.Sprintf(":heavy_multiplication_x: Approval by %s dropped: no longer an approver under rule %q (removed from the rule or from its user group). It no longer counts.\n",
		strings.Join(who, ", "), rule)
}
