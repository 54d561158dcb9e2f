package policy

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Expect is what a drill's SQL check wants of the first column of the first
// row it returns.
type Expect struct {
	// Op is one of ">=", "<=", ">", "<", "==", "!=", "between" (Num..Hi,
	// inclusive), "text" (exactly Text) or "nonempty" (at least one row).
	Op   string
	Num  *big.Rat
	Hi   *big.Rat
	Text string
}

// String says it as the file does, e.g. ">= 1000" or "between 1 and 5".
func (e Expect) String() string {
	switch e.Op {
	case "nonempty":
		return "nonempty"
	case "text":
		return strconv.Quote(e.Text)
	case "between":
		return "between " + ratString(e.Num) + " and " + ratString(e.Hi)
	}
	return e.Op + " " + ratString(e.Num)
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(6)
}

const wantExpect = `">= 1000", "<= 5", "== 42", "between 1 and 10", nonempty, or the exact text expected (e.g. "ok")`

// ParseExpect reads an expectation as written in the policy file.
func ParseExpect(s string) (Expect, error) {
	t := strings.TrimSpace(s)
	if t == "nonempty" {
		return Expect{Op: "nonempty"}, nil
	}
	if rest, ok := strings.CutPrefix(t, "between "); ok {
		lo, hi, found := strings.Cut(rest, " and ")
		a, okA := new(big.Rat).SetString(strings.TrimSpace(lo))
		b, okB := new(big.Rat).SetString(strings.TrimSpace(hi))
		switch {
		case !found || !okA || !okB:
			return Expect{}, fmt.Errorf(`"between" takes two numbers, e.g. "between 1 and 10"; got %q`, s)
		case a.Cmp(b) > 0:
			return Expect{}, fmt.Errorf("between %s and %s is empty: the first bound must not exceed the second", lo, hi)
		}
		return Expect{Op: "between", Num: a, Hi: b}, nil
	}
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if rest, ok := strings.CutPrefix(t, op); ok {
			n, ok := new(big.Rat).SetString(strings.TrimSpace(rest))
			if !ok {
				return Expect{}, fmt.Errorf("%s takes a number, e.g. %q; got %q", op, op+" 1000", s)
			}
			return Expect{Op: op, Num: n}, nil
		}
	}
	if strings.HasPrefix(t, "=") || strings.HasPrefix(t, "!") {
		return Expect{}, fmt.Errorf("must be %s; got %q", wantExpect, s)
	}
	if n, ok := new(big.Rat).SetString(t); ok && t != "" {
		return Expect{Op: "==", Num: n}, nil
	}
	return Expect{Op: "text", Text: s}, nil
}

func (p *parser) checks(n *yaml.Node, field string) []Check {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, `must be a list of checks, e.g. - sql: "SELECT COUNT(*) FROM shop.orders" with expect: ">= 1000", or - tables_exist: [shop.orders]; got %s`, describe(n))
		return nil
	}
	if !p.spend(n, len(n.Content)) {
		return nil
	}
	var out []Check
	for i, c := range n.Content {
		out = append(out, p.check(resolve(c), fmt.Sprintf("%s[%d]", field, i)))
	}
	return out
}

func (p *parser) check(n *yaml.Node, field string) Check {
	c := Check{Timeout: DefaultCheckTimeout}
	has := map[string]*yaml.Node{}
	ok := p.fields(n, field, checkKeys, nil, func(key, f string, v *yaml.Node) {
		has[key] = v
		switch key {
		case "sql":
			c.SQL = p.checkSQL(v, f)
		case "expect":
			c.Expect = p.expect(v, f)
		case "tables_exist":
			c.TablesExist = p.tableList(v, f)
		case "timeout":
			c.Timeout = p.duration(v, f, time.Second, time.Hour, "a bound such as 30s")
		}
	})
	if !ok {
		return c
	}
	_, sql := has["sql"]
	_, expect := has["expect"]
	_, tables := has["tables_exist"]
	switch {
	case sql && tables:
		p.add(has["tables_exist"], join(field, "tables_exist"), "a check is either sql (with expect) or tables_exist; split it in two")
	case !sql && !tables:
		p.add(n, field, `needs sql: (with expect:) or tables_exist:`)
	case sql && !expect:
		p.add(has["sql"], join(field, "expect"), "is needed with sql: %s", wantExpect)
	case expect && !sql:
		p.add(has["expect"], join(field, "expect"), "applies only to sql checks")
	}
	return c
}

func (p *parser) checkSQL(n *yaml.Node, field string) string {
	const want = `one read-only statement such as "SELECT COUNT(*) FROM shop.orders"`
	s, ok := p.scalar(n, field, want)
	if !ok {
		return ""
	}
	if !readOnly.MatchString(s) {
		p.add(n, field, "must be %s (SELECT, SHOW, WITH, EXPLAIN or DESCRIBE; the session is read-only too); got %s", want, strconv.Quote(s))
	}
	return strings.TrimSpace(s)
}

func (p *parser) expect(n *yaml.Node, field string) Expect {
	s, ok := p.scalar(n, field, wantExpect)
	if !ok {
		return Expect{}
	}
	e, err := ParseExpect(s)
	if err != nil {
		p.add(n, field, "%v", err)
	}
	return e
}

func (p *parser) tableList(n *yaml.Node, field string) []string {
	const want = "a table as db.table, e.g. shop.orders"
	items, ok := p.list(n, field, want)
	if ok && len(items) == 0 {
		p.add(n, field, "must list at least one table (%s)", want)
	}
	var out []string
	for _, it := range items {
		s, good := p.scalar(it.node, it.field, want)
		switch {
		case !good:
		case !tableName.MatchString(s):
			p.add(it.node, it.field, "must be %s (letters, digits, _ and $ on each side of one dot); got %s", want, strconv.Quote(s))
		default:
			out = append(out, s)
		}
	}
	return out
}
