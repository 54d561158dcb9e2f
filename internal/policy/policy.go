package policy

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// DefaultName is the name of the default rule, the one in force when no
// other rule matches. No other rule may take it.
const DefaultName = "default"

// Rule is one approval rule: which instances it covers and what a restore
// of them needs.
type Rule struct {
	// Name identifies the rule in messages, logs and the audit trail.
	Name string
	// Match says which instances the rule covers; empty for the default rule.
	Match Matchers
	// Approvers are the Slack user (U…, W…) and user-group (S…) IDs whose
	// members may approve.
	Approvers []string
	// RequiredApprovals is the number of distinct approvers needed, never
	// counting the requester.
	RequiredApprovals int
	// Requesters are the user and group IDs who may ask; empty means anyone.
	Requesters []string
	// AllowOverwriteOriginal false means only restores into another instance.
	AllowOverwriteOriginal bool
	// SafetyBackup, when set, says whether to back the target up before
	// restoring; nil means "only when overwriting the original" (see
	// SafetyBackupFor).
	SafetyBackup *bool
	// ApprovalChannel is where approval requests are posted; empty means the
	// bot's configured channel.
	ApprovalChannel string
	// IncidentChannel is where freezes, break-glass and failures are
	// announced; empty means the bot's configured channel.
	IncidentChannel string
	// Frozen refuses every new request and every approval under the rule.
	Frozen bool
	// FrozenReason is shown to whoever is refused because of Frozen.
	FrozenReason string
	// TableRestore is what table-level restores need (table_restore:);
	// by default the rule's approvers and threshold. See TableRule.
	TableRestore TableRestore
	// MaxBackupAge, when set, is how old the newest COMPLETED backup of a
	// covered instance may be before the bot announces it as stale.
	MaxBackupAge time.Duration
	// NewInstance is what restores to a new instance need (new_instance:).
	NewInstance NewInstance
}

// Matchers are the ways a rule can cover an instance. An instance is covered
// when ANY one of them matches: its ID is listed, its name matches one of the
// globs, or it carries one of the tag pairs.
type Matchers struct {
	IDs   []string          // exact instance IDs
	Names []string          // path.Match globs on the instance name
	Tags  map[string]string // each key=value pair matches on its own
}

// Empty reports whether there is nothing to match with.
func (m Matchers) Empty() bool {
	return len(m.IDs) == 0 && len(m.Names) == 0 && len(m.Tags) == 0
}

// matches reports whether in is covered, and by which matcher in words. IDs
// are tried first, then names, then tags by key, so the answer is stable.
func (m Matchers) matches(in restore.Instance) (string, bool) {
	if in.ID != "" && slices.Contains(m.IDs, in.ID) {
		return "instance ID " + in.ID + " is listed", true
	}
	for _, g := range m.Names {
		if ok, err := path.Match(g, in.Name); err == nil && ok {
			return fmt.Sprintf("name %s matches %s", in.Name, strconv.Quote(g)), true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.Tags)) {
		if v, ok := in.Tags[k]; ok && v == m.Tags[k] {
			return "tag " + k + "=" + v + " is set", true
		}
	}
	return "", false
}

// SafetyBackupFor reports whether a backup of the target is taken before a
// restore: as the rule says when it says, otherwise only when the restore
// overwrites the original instance.
func (r Rule) SafetyBackupFor(overwrite bool) bool {
	if r.SafetyBackup != nil {
		return *r.SafetyBackup
	}
	return overwrite
}

// Required is the number of distinct approvers needed, never less than one.
func (r Rule) Required() int {
	return max(r.RequiredApprovals, 1)
}

// Summary says in one plain line what the rule demands, for logs and the
// audit trail (the Slack side words it for people itself).
func (r Rule) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule %s: needs %d of %s", strconv.Quote(r.Name), r.Required(), orNone(r.Approvers))
	if len(r.Requesters) > 0 {
		b.WriteString("; requested only by " + strings.Join(r.Requesters, ", "))
	}
	if !r.AllowOverwriteOriginal {
		b.WriteString("; overwrite of the original not allowed")
	}
	switch {
	case r.SafetyBackup == nil:
		b.WriteString("; safety backup when overwriting the original")
	case *r.SafetyBackup:
		b.WriteString("; safety backup on")
	default:
		b.WriteString("; safety backup off")
	}
	if r.ApprovalChannel != "" {
		b.WriteString("; approvals in " + r.ApprovalChannel)
	}
	if r.IncidentChannel != "" {
		b.WriteString("; incidents in " + r.IncidentChannel)
	}
	if r.Frozen {
		b.WriteString("; frozen: " + r.FrozenReason)
	}
	switch t := r.TableRule(); {
	case !r.TablesAllowed():
		b.WriteString("; table restores not allowed")
	case len(r.TableRestore.Approvers) > 0 || r.TableRestore.RequiredApprovals > 0:
		fmt.Fprintf(&b, "; table restores need %d of %s", t.Required(), orNone(t.Approvers))
	}
	b.WriteString(r.newInstanceSummary())
	return b.String()
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "nobody"
	}
	return strings.Join(ids, ", ")
}

// clone returns a copy sharing no memory with r, so a caller cannot change
// the policy through a rule it was given.
func (r Rule) clone() Rule {
	r.Match.IDs = slices.Clone(r.Match.IDs)
	r.Match.Names = slices.Clone(r.Match.Names)
	r.Match.Tags = maps.Clone(r.Match.Tags)
	r.Approvers = slices.Clone(r.Approvers)
	r.Requesters = slices.Clone(r.Requesters)
	r.TableRestore.Approvers = slices.Clone(r.TableRestore.Approvers)
	r.NewInstance.Approvers = slices.Clone(r.NewInstance.Approvers)
	if r.SafetyBackup != nil {
		v := *r.SafetyBackup
		r.SafetyBackup = &v
	}
	return r
}

// Policy is the ordered list of rules plus the default rule.
type Policy struct {
	// Rules are tried in order; the first that matches is in force.
	Rules []Rule
	// Default is in force when no rule matches.
	Default Rule
	// Drills are the scheduled restore tests (drills:), in file order.
	Drills []Drill
	// Source is the file the policy came from; empty when it came from the
	// environment settings (FromEnv).
	Source string
}

// Why explains which rule is in force for an instance, for
// `/db-restore policy INSTANCE` and the audit trail.
type Why struct {
	Rule    string // the rule's name
	Default bool   // no rule matched (or there are none)
	Reason  string // e.g. `name orders-prod-1 matches "orders-prod*"`
}

// String says it in words, e.g. `rule "orders-prod": name orders-prod-1
// matches "orders-prod*"` or `the default rule: no rule matched`.
func (w Why) String() string {
	if w.Default {
		return "the default rule: " + w.Reason
	}
	return "rule " + strconv.Quote(w.Rule) + ": " + w.Reason
}

// FromEnv makes the policy used without a policy file: a default rule from
// the core settings, needing one approval, no other rules.
func FromEnv(approvers, requesters []string, approvalChannel, incidentChannel string) *Policy {
	return &Policy{Default: Rule{
		Name:                   DefaultName,
		Approvers:              slices.Clone(approvers),
		RequiredApprovals:      1,
		Requesters:             slices.Clone(requesters),
		AllowOverwriteOriginal: true,
		ApprovalChannel:        approvalChannel,
		IncidentChannel:        incidentChannel,
	}}
}

// MatchesTags reports whether any rule matches on instance tags, so that
// callers know whether an instance's ID and name are enough to match it.
func (p *Policy) MatchesTags() bool {
	for _, r := range p.Rules {
		if len(r.Match.Tags) > 0 {
			return true
		}
	}
	return false
}

// Match returns the rule in force for in (the first rule that matches, else
// the default rule) and why. The rule is a copy; changing it does not change
// the policy.
func (p *Policy) Match(in restore.Instance) (Rule, Why) {
	for _, r := range p.Rules {
		if reason, ok := r.Match.matches(in); ok {
			return r.clone(), Why{Rule: r.Name, Reason: reason}
		}
	}
	why := Why{Rule: p.Default.Name, Default: true, Reason: "no rule matched"}
	switch {
	case p.Source == "":
		why.Reason = "no policy file, so the rule comes from the environment settings"
	case len(p.Rules) == 0:
		why.Reason = "the policy file has no other rules"
	}
	return p.Default.clone(), why
}
