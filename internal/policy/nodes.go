package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parser walks a YAML node tree and collects every problem with its line.
type parser struct {
	probs []Problem
	// budget bounds the nodes visited: aliases can make a small file stand
	// for a huge tree, and a policy file has no reason to.
	budget int
	spent  *Problem // set when the budget ran out
}

// spend takes n nodes from the budget and reports whether the walk may go
// on; the first time it may not, it says why.
func (p *parser) spend(n *yaml.Node, k int) bool {
	if p.spent != nil {
		return false
	}
	if p.budget -= k; p.budget < 0 {
		p.add(n, "", "the file stands for too much through YAML aliases (*name); write the repeated parts out or alias less")
		last := p.probs[len(p.probs)-1]
		p.spent = &last
		return false
	}
	return true
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	pr := Problem{Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.probs = append(p.probs, pr)
}

// resolve follows aliases to the node they stand for. The YAML parser
// refuses an alias to an unfinished anchor, so there are no cycles; the bound
// is only a guard.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node is, for "got …" in messages.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// fields checks that n is a mapping with only accepted, distinct keys and
// calls visit with each key's field path and value. It reports false when n
// is not a mapping at all.
//
// misplaced gives a better message than "unknown key" for keys that belong
// elsewhere; it may be nil.
func (p *parser) fields(n *yaml.Node, field string, accepted []string, misplaced map[string]string, visit func(key, f string, v *yaml.Node)) bool {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		p.add(n, field, "must be a mapping with the keys %s; got %s", strings.Join(accepted, ", "), describe(n))
		return false
	}
	if !p.spend(n, len(n.Content)) {
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode || isNull(k) {
			p.add(k, field, "keys must be plain words; got %s", describe(k))
			continue
		}
		if v == nil { // not produced by the YAML parser; guards the walk below
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: k.Line, Column: k.Column}
		}
		key := k.Value
		f := join(field, key)
		switch line, dup := seen[key]; {
		case k.ShortTag() == "!!merge":
			p.add(k, field, "YAML merge keys (<<) are not supported; write the keys out")
		case dup:
			p.add(k, f, "appears twice (first on line %d); keep one", line)
		case !slices.Contains(accepted, key) && misplaced[key] != "":
			p.add(k, f, "%s", misplaced[key])
		case !slices.Contains(accepted, key):
			p.add(k, f, "unknown key%s; accepted here: %s", suggest(key, accepted), strings.Join(accepted, ", "))
		default:
			seen[key] = k.Line
			visit(key, f, v)
		}
	}
	return true
}

// suggest offers the accepted key nearest to a misspelt one.
func suggest(key string, accepted []string) string {
	best, bestD := "", 3
	for _, a := range accepted {
		if d := distance(strings.ToLower(key), a); d < bestD {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance between a and b, capped for long
// inputs: keys longer than 64 bytes are never a typo of ours.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar returns the text of a non-null scalar.
func (p *parser) scalar(n *yaml.Node, field, want string) (string, bool) {
	if isNull(n) || n.Kind != yaml.ScalarNode {
		p.add(n, field, "must be %s; got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, bool) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		p.add(n, field, "must be true or false; got %s", describe(n))
		return false, false
	}
	return b, true
}

func (p *parser) integer(n *yaml.Node, field string) (int, bool) {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		p.add(n, field, "must be a whole number such as 2; got %s", describe(n))
		return 0, false
	}
	return i, true
}

// item is one element of a list with the path naming it.
type item struct {
	field string
	node  *yaml.Node
}

// list accepts one scalar or a list of scalars; nothing is an empty list.
func (p *parser) list(n *yaml.Node, field, want string) ([]item, bool) {
	switch {
	case isNull(n):
		return nil, true
	case n.Kind == yaml.ScalarNode:
		return []item{{field, n}}, true
	case n.Kind != yaml.SequenceNode:
		p.add(n, field, "must be %s or a list of them; got %s", want, describe(n))
		return nil, false
	case !p.spend(n, len(n.Content)):
		return nil, false
	}
	out := make([]item, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, item{fmt.Sprintf("%s[%d]", field, i), resolve(c)})
	}
	return out, true
}

var (
	personID  = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
	channelID = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
)

const (
	wantPerson  = "a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"
	wantChannel = "a Slack channel ID (C… or G…) such as C0123ABCD"
)

// people reads a list of user and group IDs, refusing malformed and repeated
// ones. ok is false when anything was wrong.
func (p *parser) people(n *yaml.Node, field string) (ids []string, ok bool) {
	items, ok := p.list(n, field, wantPerson)
	seen := map[string]int{}
	for _, it := range items {
		s, good := p.scalar(it.node, it.field, wantPerson)
		switch {
		case !good:
			ok = false
		case !personID.MatchString(s):
			p.add(it.node, it.field, "must be %s; got %s%s", wantPerson, strconv.Quote(s), idHint(s))
			ok = false
		case seen[s] > 0:
			p.add(it.node, it.field, "%s is listed twice (first on line %d)", s, seen[s])
			ok = false
		default:
			seen[s] = it.node.Line
			ids = append(ids, s)
		}
	}
	return ids, ok
}

func (p *parser) channel(n *yaml.Node, field string) string {
	s, ok := p.scalar(n, field, wantChannel)
	if ok && !channelID.MatchString(s) {
		p.add(n, field, "must be %s; got %s%s", wantChannel, strconv.Quote(s), idHint(s))
		return ""
	}
	return s
}

// idHint explains the usual ways a Slack ID is written wrong.
func idHint(s string) string {
	switch {
	case strings.HasPrefix(s, "@") || strings.HasPrefix(s, "#"):
		return " (an ID, not a name: copy it from the profile or channel details)"
	case s != strings.ToUpper(s) && (personID.MatchString(strings.ToUpper(s)) || channelID.MatchString(strings.ToUpper(s))):
		return " (Slack IDs are upper case)"
	case channelID.MatchString(s):
		return " (that is a channel ID)"
	case personID.MatchString(s):
		return " (that is a user or group ID)"
	}
	return ""
}
