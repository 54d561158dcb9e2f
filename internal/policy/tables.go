package policy

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// TableRestore is what a rule demands of table-level restores, which only
// add tables under new names and never overwrite anything. Unset fields
// inherit the rule's: its approvers and its threshold.
type TableRestore struct {
	// Approvers who may approve table restores; empty means the rule's.
	Approvers []string
	// RequiredApprovals for table restores; 0 means the rule's.
	RequiredApprovals int
	// Disallowed refuses table restores under the rule (allowed: false).
	Disallowed bool
}

// TableRule is the rule as it applies to a table restore: approvers and
// threshold from table_restore where set, never a safety backup (nothing is
// overwritten), and everything else (requesters, channels, freeze) as the
// rule says.
func (r Rule) TableRule() Rule {
	t := r.clone()
	if len(r.TableRestore.Approvers) > 0 {
		t.Approvers = slices.Clone(r.TableRestore.Approvers)
	}
	if r.TableRestore.RequiredApprovals > 0 {
		t.RequiredApprovals = r.TableRestore.RequiredApprovals
	}
	off := false
	t.SafetyBackup = &off
	return t
}

// TablesAllowed reports whether the rule allows table restores.
func (r Rule) TablesAllowed() bool { return !r.TableRestore.Disallowed }

var tableRestoreKeys = []string{"approvers", "required_approvals", "allowed"}

// tableRestore reads a rule's table_restore mapping.
func (p *parser) tableRestore(n *yaml.Node, field string) TableRestore {
	var t TableRestore
	has := map[string]*yaml.Node{}
	before := len(p.probs)
	p.fields(n, field, tableRestoreKeys, nil, func(key, f string, v *yaml.Node) {
		has[key] = v
		switch key {
		case "approvers":
			t.Approvers, _ = p.people(v, f)
			if len(t.Approvers) == 0 && len(p.probs) == before {
				p.add(v, f, "must list at least one approver: %s; or remove it to use the rule's approvers", wantPerson)
			}
		case "required_approvals":
			t.RequiredApprovals, _ = p.integer(v, f)
			if t.RequiredApprovals < 1 && len(p.probs) == before {
				p.add(v, f, "must be at least 1; got %d; or remove it to use the rule's threshold", t.RequiredApprovals)
			}
		case "allowed":
			allowed, _ := p.boolean(v, f)
			t.Disallowed = !allowed
		}
	})
	return t
}

// checkTableRestore checks the table threshold against the approvers it
// will apply to, once the rule is read.
func (p *parser) checkTableRestore(r parsed, field string) {
	at, ok := r.has["table_restore"]
	if !ok || r.bad["table_restore"] {
		return
	}
	t := r.rule.TableRule()
	groups := slices.ContainsFunc(t.Approvers, func(id string) bool { return strings.HasPrefix(id, "S") })
	if !groups && len(t.Approvers) > 0 && t.Required() > len(t.Approvers) {
		p.add(at, join(field, "table_restore.required_approvals"),
			"table restores would need %d approvals but only %d approvers are listed (all users); list more approvers or lower the threshold",
			t.Required(), len(t.Approvers))
	}
}
