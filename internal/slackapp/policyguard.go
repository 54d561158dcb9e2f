package slackapp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
)

// The rules this replica applies must be the rules in force on every
// replica. At start, and then every PolicyHeartbeat, the replica claims the
// policy record in Redis with its policy's hash and rule freezes (see
// approvals.ClaimPolicy). While its hash differs from the record's, or
// while it cannot tell, it counts no click and takes no request, and
// /readyz says why, naming both hashes. Approve checks the hash again in
// its Lua step, so a replica that fell out of step between two heartbeats
// cannot count a click either.

// policyGuard is what the last claim found.
type policyGuard struct {
	hash, source string

	mu        sync.Mutex
	mismatch  error // the last claim found other rules in force; nil otherwise
	confirmed bool  // a claim has succeeded at least once
}

// policyError explains to a person why a replica refuses to act: its rules
// are not the ones in force, or it cannot tell.
type policyError struct{ err error }

func (e *policyError) Error() string { return "policy not in force: " + e.err.Error() }
func (e *policyError) Unwrap() error { return e.err }

func (e *policyError) words() string {
	var mis *approvals.PolicyMismatchError
	if errors.As(e.err, &mis) {
		return fmt.Sprintf(":no_entry: Nothing was done: this replica of the bot was started with other approval rules (policy `%s` from %s) than the rules in force (policy `%s` from %s, since %s), so it acts on nothing. Nothing changed; try again in a minute, and tell the bot's operators.",
			mis.Mine, esc(mis.MySource), mis.InForce.Hash, esc(mis.InForce.Source), stamp(mis.InForce.Since))
	}
	return ":hourglass: Nothing was done: the bot could not confirm which approval rules are in force (" + esc(e.err.Error()) + "). Nothing changed; please try again in a minute."
}

func policySource(p *policy.Policy) string {
	if p.Source == "" {
		return "the environment settings"
	}
	return p.Source
}

// claimPolicy renews this replica's hold on the policy record and notes
// what it found. It reports whether this replica's policy is in force. A
// failure to reach Redis changes nothing: the Lua steps check the record
// themselves, and readiness checks Redis on its own.
func (a *App) claimPolicy(ctx context.Context) bool {
	ttl := 3 * a.opt.PolicyHeartbeat
	_, err := a.store.ClaimPolicy(ctx, a.guard.hash, a.guard.source, a.policy.Frozen(), ttl)
	var mis *approvals.PolicyMismatchError
	if err != nil && !errors.As(err, &mis) {
		a.log.Warn().Err(err).Msg("could not renew the hold on the policy record")
		return false
	}
	a.guard.mu.Lock()
	was := a.guard.mismatch
	first := !a.guard.confirmed
	a.guard.mismatch = err
	a.guard.confirmed = a.guard.confirmed || err == nil
	a.guard.mu.Unlock()
	switch {
	case err != nil && (was == nil || was.Error() != err.Error()):
		a.log.Error().Err(err).Str("policy_hash", a.guard.hash).Msg("this replica's policy is not the one in force: clicks and requests refused")
	case err == nil && (was != nil || first):
		a.log.Info().Str("policy_hash", a.guard.hash).Str("policy_source", a.guard.source).Msg("policy in force")
	}
	return err == nil
}

// holdPolicy keeps claiming until ctx ends, then lets go of the record.
func (a *App) holdPolicy(ctx, work context.Context) {
	t := time.NewTicker(a.opt.PolicyHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.claimPolicy(work)
		}
	}
}

// releasePolicy lets go of the policy record at a clean stop, so that
// replicas started with another file can take over.
func (a *App) releasePolicy(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.store.ReleasePolicy(ctx, a.guard.hash); err != nil {
		a.log.Warn().Err(err).Msg("could not release the policy record; it lapses by itself")
	}
}

// policyProblem is nil unless the last claim found other rules in force.
func (a *App) policyProblem() error {
	a.guard.mu.Lock()
	defer a.guard.mu.Unlock()
	if a.guard.mismatch != nil {
		return &policyError{err: a.guard.mismatch}
	}
	return nil
}

// PolicyProblem says, for /readyz, why this replica's approval rules are
// not confirmed as the rules in force; empty when they are.
func (a *App) PolicyProblem() string {
	if err := a.policyProblem(); err != nil {
		return err.Error()
	}
	a.guard.mu.Lock()
	defer a.guard.mu.Unlock()
	if !a.guard.confirmed {
		return "the policy in force has not been confirmed in Redis yet"
	}
	return ""
}

// PolicyHash is the hash of this replica's approval rules.
func (a *App) PolicyHash() string { return a.guard.hash }
