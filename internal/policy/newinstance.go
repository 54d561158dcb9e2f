package policy

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dbrestore/db-restore/internal/restore"
)

// NewInstance is what a rule demands of restores to a new instance
// (new_instance:), which overwrite nothing but cost money while they live.
// Unset fields take the defaults: allowed, the rule's approvers, one
// approval, keep 24h, at most 7 days.
type NewInstance struct {
	Disallowed        bool          // allowed: false
	Approvers         []string      // empty: the rule's
	RequiredApprovals int           // 0: one
	Keep              time.Duration // 0: restore.DefaultKeep
	MaxKeep           time.Duration // 0: restore.DefaultMaxKeep
}

// maxPolicyKeep bounds keep and max_keep in the file.
const maxPolicyKeep = 90 * 24 * time.Hour

// NewInstanceRule is the rule as it applies to a restore to a new
// instance: approvers from new_instance where set, else the rule's; one
// approval unless new_instance says more; never a safety backup (nothing
// is overwritten); requesters, channels and freeze as the rule says.
func (r Rule) NewInstanceRule() Rule {
	t := r.clone()
	if len(r.NewInstance.Approvers) > 0 {
		t.Approvers = slices.Clone(r.NewInstance.Approvers)
	}
	t.RequiredApprovals = max(r.NewInstance.RequiredApprovals, 1)
	off := false
	t.SafetyBackup = &off
	return t
}

// NewInstanceLimits are whether the rule allows new instances and their
// lifetime, defaults filled in.
func (r Rule) NewInstanceLimits() restore.NewInstanceRule {
	out := restore.NewInstanceRule{Allowed: !r.NewInstance.Disallowed, Keep: r.NewInstance.Keep, MaxKeep: r.NewInstance.MaxKeep, Rule: r.Name}
	if out.Keep == 0 {
		out.Keep = restore.DefaultKeep
	}
	if out.MaxKeep == 0 {
		out.MaxKeep = max(restore.DefaultMaxKeep, out.Keep)
	}
	return out
}

// NewInstanceRule is the new-instance limits of the rule in force for a
// source; it makes *Policy a restore.NewInstanceRules.
func (p *Policy) NewInstanceRule(source restore.Instance) restore.NewInstanceRule {
	r, _ := p.Match(source)
	return r.NewInstanceLimits()
}

var _ restore.NewInstanceRules = (*Policy)(nil)

var newInstanceKeys = []string{"allowed", "approvers", "required_approvals", "keep", "max_keep"}

const wantKeep = "a lifetime such as 24h, 36h or 7d (days d, hours h, minutes m), from 1h to 90d"

// newInstance reads a rule's new_instance mapping.
func (p *parser) newInstance(n *yaml.Node, field string) NewInstance {
	var ni NewInstance
	before := len(p.probs)
	p.fields(n, field, newInstanceKeys, nil, func(key, f string, v *yaml.Node) {
		switch key {
		case "allowed":
			allowed, _ := p.boolean(v, f)
			ni.Disallowed = !allowed
		case "approvers":
			ni.Approvers, _ = p.people(v, f)
			if len(ni.Approvers) == 0 && len(p.probs) == before {
				p.add(v, f, "must list at least one approver: %s; or remove it to use the rule's approvers", wantPerson)
			}
		case "required_approvals":
			ni.RequiredApprovals, _ = p.integer(v, f)
			if ni.RequiredApprovals < 1 && len(p.probs) == before {
				p.add(v, f, "must be at least 1; got %d; or remove it for one approval", ni.RequiredApprovals)
			}
		case "keep":
			ni.Keep = p.lifetime(v, f)
		case "max_keep":
			ni.MaxKeep = p.lifetime(v, f)
		}
	})
	if len(p.probs) == before && ni.Keep > 0 && ni.MaxKeep > 0 && ni.Keep > ni.MaxKeep {
		p.add(n, join(field, "keep"), "%s is longer than max_keep %s", restore.FormatKeep(ni.Keep), restore.FormatKeep(ni.MaxKeep))
	}
	return ni
}

// lifetime reads a duration in days, hours and minutes (7d, 36h, 1d12h).
func (p *parser) lifetime(n *yaml.Node, field string) time.Duration {
	s, ok := p.scalar(n, field, wantKeep)
	if !ok {
		return 0
	}
	d, good := parseLifetime(s)
	if !good || d < restore.MinKeep || d > maxPolicyKeep {
		p.add(n, field, "must be %s; got %s", wantKeep, strconv.Quote(s))
		return 0
	}
	return d
}

func parseLifetime(s string) (time.Duration, bool) {
	var d time.Duration
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || strings.ContainsAny(days, "+-") {
			return 0, false
		}
		d, s = time.Duration(n)*24*time.Hour, rest
	}
	if s == "" {
		return d, true
	}
	if strings.ContainsAny(s, ".sµnu+-") {
		return 0, false
	}
	rest, err := time.ParseDuration(s)
	return d + rest, err == nil
}

// checkNewInstance checks the new-instance threshold against the approvers
// it will apply to, once the rule is read.
func (p *parser) checkNewInstance(r parsed, field string) {
	at, ok := r.has["new_instance"]
	if !ok || r.bad["new_instance"] {
		return
	}
	t := r.rule.NewInstanceRule()
	groups := slices.ContainsFunc(t.Approvers, func(id string) bool { return strings.HasPrefix(id, "S") })
	if !groups && len(t.Approvers) > 0 && t.Required() > len(t.Approvers) {
		p.add(at, join(field, "new_instance.required_approvals"),
			"restores to a new instance would need %d approvals but only %d approvers are listed (all users); list more approvers or lower the threshold",
			t.Required(), len(t.Approvers))
	}
}

// newInstanceSummary is the rule's new-instance part of Summary.
func (r Rule) newInstanceSummary() string {
	switch {
	case r.NewInstance.Disallowed:
		return "; new instances not allowed"
	case len(r.NewInstance.Approvers) == 0 && r.NewInstance.RequiredApprovals == 0 && r.NewInstance.Keep == 0 && r.NewInstance.MaxKeep == 0:
		return "" // the defaults: nothing to say
	}
	t, l := r.NewInstanceRule(), r.NewInstanceLimits()
	return "; new instances need " + strconv.Itoa(t.Required()) + " of " + orNone(t.Approvers) +
		", kept " + restore.FormatKeep(l.Keep) + " (at most " + restore.FormatKeep(l.MaxKeep) + ")"
}
