package approvals

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// PolicyRecord is the policy in force for every replica, as Redis holds it.
// The key is <prefix>policy, a hash: hash, source, since_ms, by (the owner
// token of the replica that recorded it) and frozen:<rule name> = reason for
// every frozen rule. Lua steps read a rule's freeze from it (rule_freeze in
// lib.lua), so a freeze is the same on every replica.
type PolicyRecord struct {
	Hash   string    // Policy.Hash of the rules in force
	Source string    // where they came from (the file's path, or "environment")
	Since  time.Time // when they were first recorded
}

// PolicyMismatchError says this replica's rules differ from those in force.
type PolicyMismatchError struct {
	Mine, MySource string
	InForce        PolicyRecord
}

func (e *PolicyMismatchError) Error() string {
	return fmt.Sprintf("this replica's policy %s (%s) differs from the policy in force %s (%s, since %s)",
		e.Mine, e.MySource, e.InForce.Hash, e.InForce.Source, e.InForce.Since.UTC().Format(time.RFC3339))
}

// ClaimPolicy records this replica's policy as the one in force, or renews
// its hold on it; call it at start and then well within ttl. While another
// replica holding different rules lives (renewed within its ttl), the claim
// is refused with a *PolicyMismatchError naming both hashes. When no holder
// lives, the caller's rules (and their freezes) replace the record.
func (s *Store) ClaimPolicy(ctx context.Context, hash, source string, frozen map[string]string, ttl time.Duration) (PolicyRecord, error) {
	if hash == "" {
		return PolicyRecord{}, errors.New("claim policy: empty hash")
	}
	args := []any{s.offsetMS(), s.owner, hash, source, ttl.Milliseconds()}
	rules := make([]string, 0, len(frozen))
	for r := range frozen {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		args = append(args, r, frozen[r])
	}
	v, err := s.sc.policyClaim.Run(ctx, s.rdb, s.policyKeys(), args...).StringSlice()
	if err != nil {
		return PolicyRecord{}, fmt.Errorf("claim policy: %w", err)
	}
	if len(v) != 4 {
		return PolicyRecord{}, fmt.Errorf("claim policy: reply has %d elements, want 4", len(v))
	}
	since, err := msTime(v[3])
	if err != nil {
		return PolicyRecord{}, fmt.Errorf("claim policy: since: %w", err)
	}
	rec := PolicyRecord{Hash: v[1], Source: v[2], Since: since}
	if v[0] != "ok" {
		return rec, &PolicyMismatchError{Mine: hash, MySource: source, InForce: rec}
	}
	return rec, nil
}

// ReleasePolicy gives up this replica's hold on the policy record, at a
// clean stop. The last holder to leave removes the record, so replicas
// started afterwards with another file put theirs in force.
func (s *Store) ReleasePolicy(ctx context.Context, hash string) error {
	keys := s.policyKeys()
	if err := s.sc.policyRelease.Run(ctx, s.rdb, keys[:2], s.owner, hash).Err(); err != nil {
		return fmt.Errorf("release policy: %w", err)
	}
	return nil
}

// RuleFreeze reports the freeze of the named rule as the policy record
// holds it.
func (s *Store) RuleFreeze(ctx context.Context, rule string) (reason string, frozen bool, err error) {
	v, err := s.rdb.HMGet(ctx, s.prefix+"policy", "frozen:"+rule).Result()
	if err != nil {
		return "", false, fmt.Errorf("read freeze of rule %s: %w", rule, err)
	}
	if len(v) == 1 && v[0] != nil {
		reason, _ = v[0].(string)
		return reason, true, nil
	}
	return "", false, nil
}

func (s *Store) policyKeys() []string {
	return []string{s.prefix + "policy", s.prefix + "policy_holders", s.prefix + "audit"}
}
