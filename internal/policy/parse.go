package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dbrestore/db-restore/internal/restore"
)

var (
	topKeys     = []string{"default", "rules", "drills"}
	ruleKeys    = []string{"name", "match", "approvers", "required_approvals", "requesters", "allow_overwrite_original", "safety_backup", "approval_channel", "incident_channel", "frozen", "table_restore", "max_backup_age", "new_instance"}
	defaultKeys = ruleKeys[2:] // all but name and match
	matchKeys   = []string{"ids", "name", "tags"}
	ruleName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

func (p *parser) policy(root *yaml.Node) *Policy {
	var (
		pol    Policy
		def    parsed
		hasDef bool
		rules  []parsed
	)
	top := p.fields(root, "", topKeys, nil, func(key, f string, v *yaml.Node) {
		switch key {
		case "default":
			hasDef = true
			def = p.rule(v, f, true)
		case "rules":
			rules = p.rules(v, f)
		case "drills":
			pol.Drills = p.drills(v, f)
		}
	})
	if top && !hasDef {
		p.add(root, "default", "is required: the rule in force when no rule matches, e.g. default: {approvers: [U012AB3CD]}")
	}
	pol.Default = def.rule
	pol.Default.Name = DefaultName
	for _, r := range rules {
		// Omitted keys take the default rule's value where that is safe to
		// assume; approvers and the threshold are always explicit.
		if _, ok := r.has["requesters"]; !ok {
			r.rule.Requesters = slices.Clone(def.rule.Requesters)
		}
		if _, ok := r.has["approval_channel"]; !ok {
			r.rule.ApprovalChannel = def.rule.ApprovalChannel
		}
		if _, ok := r.has["incident_channel"]; !ok {
			r.rule.IncidentChannel = def.rule.IncidentChannel
		}
		if _, ok := r.has["max_backup_age"]; !ok {
			r.rule.MaxBackupAge = def.rule.MaxBackupAge
		}
		pol.Rules = append(pol.Rules, r.rule)
	}
	return &pol
}

func (p *parser) rules(n *yaml.Node, field string) []parsed {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "must be a list of rules (each starting with - name: …); got %s", describe(n))
		return nil
	}
	if !p.spend(n, len(n.Content)) {
		return nil
	}
	var out []parsed
	names := map[string]int{}
	for i, c := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		r := p.rule(resolve(c), f, false)
		if nameNode, ok := r.has["name"]; ok && r.rule.Name != "" {
			if first, dup := names[r.rule.Name]; dup {
				p.add(nameNode, f+".name", "rule name %s is already used by %s[%d]; names must be unique", strconv.Quote(r.rule.Name), field, first)
			} else {
				names[r.rule.Name] = i
			}
		}
		out = append(out, r)
	}
	return out
}

// parsed is a rule with the value node of each key it set, and the keys
// whose values were wrong (so later checks do not pile on).
type parsed struct {
	rule Rule
	has  map[string]*yaml.Node
	bad  map[string]bool
}

// misplacedInDefault explains the keys a rule takes but the default does not.
var misplacedInDefault = map[string]string{
	"name":  "the default rule is always called " + strconv.Quote(DefaultName) + "; remove name",
	"match": "the default rule covers every instance no rule matches; put a rule with match under rules:",
}

func (p *parser) rule(n *yaml.Node, field string, isDefault bool) parsed {
	r := parsed{
		rule: Rule{RequiredApprovals: 1, AllowOverwriteOriginal: true},
		has:  map[string]*yaml.Node{},
		bad:  map[string]bool{},
	}
	keys, misplaced := ruleKeys, map[string]string(nil)
	if isDefault {
		keys, misplaced = defaultKeys, misplacedInDefault
	}
	ok := p.fields(n, field, keys, misplaced, func(key, f string, v *yaml.Node) {
		before := len(p.probs)
		r.has[key] = v
		p.ruleKey(&r.rule, key, f, v)
		r.bad[key] = len(p.probs) > before
	})
	if !ok {
		return r
	}
	if !isDefault {
		if _, ok := r.has["name"]; !ok {
			p.add(n, field, "needs a name: a unique label such as orders-prod")
		}
		if _, ok := r.has["match"]; !ok {
			p.add(n, field, "needs a match: at least one of %s", strings.Join(matchKeys, ", "))
		}
	}
	p.checkApprovers(n, field, r)
	p.checkTableRestore(r, field)
	p.checkNewInstance(r, field)
	return r
}

// ruleKey reads the value of one key of a rule into r.
func (p *parser) ruleKey(r *Rule, key, f string, v *yaml.Node) {
	switch key {
	case "name":
		r.Name = p.name(v, f)
	case "match":
		r.Match = p.matchers(v, f)
	case "approvers":
		r.Approvers, _ = p.people(v, f)
	case "required_approvals":
		r.RequiredApprovals, _ = p.integer(v, f)
	case "requesters":
		r.Requesters, _ = p.people(v, f)
	case "allow_overwrite_original":
		r.AllowOverwriteOriginal, _ = p.boolean(v, f)
	case "safety_backup":
		if b, good := p.boolean(v, f); good {
			r.SafetyBackup = &b
		}
	case "approval_channel":
		r.ApprovalChannel = p.channel(v, f)
	case "incident_channel":
		r.IncidentChannel = p.channel(v, f)
	case "frozen":
		r.Frozen = true
		r.FrozenReason = p.frozen(v, f)
	case "table_restore":
		r.TableRestore = p.tableRestore(v, f)
	case "max_backup_age":
		r.MaxBackupAge = p.duration(v, f, time.Minute, 0, "the age past which the newest completed backup is stale, such as 26h")
	case "new_instance":
		r.NewInstance = p.newInstance(v, f)
	}
}

// checkApprovers checks the approver list against the threshold once both
// are read.
func (p *parser) checkApprovers(n *yaml.Node, field string, r parsed) {
	at, listed := r.has["approvers"]
	if !listed {
		at = n
	}
	if r.bad["approvers"] {
		return
	}
	if len(r.rule.Approvers) == 0 && !r.rule.Frozen {
		p.add(at, join(field, "approvers"), "must list at least one approver: %s", wantPerson)
		return
	}
	reqAt, set := r.has["required_approvals"]
	if !set || r.bad["required_approvals"] {
		return
	}
	need := r.rule.RequiredApprovals
	if need < 1 {
		p.add(reqAt, join(field, "required_approvals"), "must be at least 1; got %d", need)
		return
	}
	groups := slices.ContainsFunc(r.rule.Approvers, func(id string) bool { return strings.HasPrefix(id, "S") })
	if !groups && len(r.rule.Approvers) > 0 && need > len(r.rule.Approvers) {
		p.add(reqAt, join(field, "required_approvals"),
			"must be from 1 to %d, the number of approvers listed (all users, so no one else can approve); got %d; list more approvers or a user group (S…)",
			len(r.rule.Approvers), need)
	}
}

func (p *parser) name(n *yaml.Node, field string) string {
	s, ok := p.scalar(n, field, "a rule name such as orders-prod")
	switch {
	case !ok:
		return ""
	case s == DefaultName:
		p.add(n, field, "%s is the name of the default rule; choose another", strconv.Quote(s))
	case !ruleName.MatchString(s):
		p.add(n, field, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got %s", strconv.Quote(s))
	}
	return s
}

func (p *parser) frozen(n *yaml.Node, field string) string {
	if n := resolve(n); n.Kind != yaml.MappingNode {
		p.add(n, field, `must be a mapping with a reason, e.g. frozen: {reason: "change freeze until 2026-12-01"}; got %s; remove frozen to thaw`, describe(n))
		return ""
	}
	var reason string
	seen := false
	ok := p.fields(n, field, []string{"reason"}, nil, func(_, f string, v *yaml.Node) {
		seen = true
		s, good := p.scalar(v, f, `the reason people are told, e.g. "change freeze until 2026-12-01"`)
		if good && strings.TrimSpace(s) == "" {
			p.add(v, f, `must not be empty: it is what people are told, e.g. "change freeze until 2026-12-01"`)
		}
		reason = strings.TrimSpace(s)
	})
	if ok && !seen {
		p.add(n, field, `needs a reason, e.g. frozen: {reason: "change freeze until 2026-12-01"}; remove frozen to thaw`)
	}
	return reason
}

func (p *parser) matchers(n *yaml.Node, field string) Matchers {
	var m Matchers
	before := len(p.probs)
	ok := p.fields(n, field, matchKeys, nil, func(key, f string, v *yaml.Node) {
		switch key {
		case "ids":
			m.IDs = p.instanceIDs(v, f)
		case "name":
			m.Names = p.globs(v, f)
		case "tags":
			m.Tags = p.tags(v, f)
		}
	})
	if ok && m.Empty() && len(p.probs) == before {
		p.add(n, field, "must have at least one of %s", strings.Join(matchKeys, ", "))
	}
	return m
}

const wantInstanceID = "an instance ID (32 lower-case hex characters followed by in07)"

func (p *parser) instanceIDs(n *yaml.Node, field string) []string {
	items, ok := p.list(n, field, wantInstanceID)
	if ok && len(items) == 0 {
		p.add(n, field, "must list at least one instance ID (32 lower-case hex characters followed by in07); or remove ids")
	}
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		s, ok := p.scalar(it.node, it.field, wantInstanceID)
		switch {
		case !ok:
		case !restore.IsInstanceID(s):
			p.add(it.node, it.field, "must be %s; got %s", wantInstanceID, strconv.Quote(s))
		case seen[s]:
			p.add(it.node, it.field, "%s is listed twice", s)
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

const wantGlob = `a name glob such as "orders-prod*" (* any characters, ? one, [a-z] a class, \ escapes)`

func (p *parser) globs(n *yaml.Node, field string) []string {
	items, ok := p.list(n, field, wantGlob)
	if ok && len(items) == 0 {
		p.add(n, field, "must list at least one %s; or remove name", strings.TrimPrefix(wantGlob, "a "))
	}
	var out []string
	for _, it := range items {
		s, ok := p.scalar(it.node, it.field, wantGlob)
		if !ok {
			continue
		}
		if s == "" {
			p.add(it.node, it.field, "must be %s; got an empty string", wantGlob)
			continue
		}
		// path.Match checks the whole pattern, even past a mismatch.
		if _, err := path.Match(s, ""); err != nil {
			p.add(it.node, it.field, "must be %s; %s is not a valid glob", wantGlob, strconv.Quote(s))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) tags(n *yaml.Node, field string) map[string]string {
	const want = "a mapping of tag key to value, e.g. tags: {env: prod}"
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "must be %s; got %s", want, describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.add(n, field, "must have at least one tag key and value, e.g. tags: {env: prod}; or remove tags")
		return nil
	}
	if !p.spend(n, len(n.Content)) {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key, ok := p.scalar(k, field, "a tag key")
		if !ok {
			continue
		}
		f := join(field, key)
		switch _, dup := out[key]; {
		case key == "":
			p.add(k, field, "a tag key must not be empty")
		case dup:
			p.add(k, f, "appears twice; keep one")
		default:
			if val, ok := p.scalar(v, f, `a tag value (write "" for an empty value)`); ok {
				out[key] = val
			}
		}
	}
	return out
}
