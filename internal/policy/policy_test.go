package policy

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
)

func mustParse(t *testing.T, yaml string) *Policy {
	t.Helper()
	p, err := Parse([]byte(yaml), "p.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func TestMatch(t *testing.T) {
	pol := mustParse(t, lines(
		"default: {approvers: [U0DEF]}",
		"rules:",
		"  - name: by-id",
		"    match: {ids: ["+idOrders+"]}",
		"    approvers: [U1A]",
		"  - name: orders",
		"    match: {name: ['orders-prod*', 'orders-[0-9]']}",
		"    approvers: [U2B]",
		"  - name: prod",
		"    match: {tags: {env: prod, tier: gold}}",
		"    approvers: [U3C]",
		"  - name: catch-scratch",
		"    match: {name: 'scratch-?', tags: {env: dev}}",
		"    approvers: [U4D]",
	))
	tests := []struct {
		name     string
		in       restore.Instance
		wantRule string
		wantWhy  string
	}{
		{"ID listed wins over a later name match", restore.Instance{ID: idOrders, Name: "orders-prod-1"},
			"by-id", `rule "by-id": instance ID ` + idOrders + ` is listed`},
		{"name glob", restore.Instance{ID: idScratch, Name: "orders-prod-1", Tags: map[string]string{"env": "prod"}},
			"orders", `rule "orders": name orders-prod-1 matches "orders-prod*"`},
		{"second glob of a rule", restore.Instance{Name: "orders-7"},
			"orders", `rule "orders": name orders-7 matches "orders-[0-9]"`},
		{"globs are case-sensitive", restore.Instance{Name: "Orders-prod-1"},
			"default", `the default rule: no rule matched`},
		{"glob must match the whole name", restore.Instance{Name: "my-orders-prod"},
			"default", `the default rule: no rule matched`},
		{"one tag pair is enough", restore.Instance{Name: "billing", Tags: map[string]string{"tier": "gold"}},
			"prod", `rule "prod": tag tier=gold is set`},
		{"both tags: the first key in order is named", restore.Instance{Name: "billing", Tags: map[string]string{"tier": "gold", "env": "prod"}},
			"prod", `rule "prod": tag env=prod is set`},
		{"tag value must be equal", restore.Instance{Name: "billing", Tags: map[string]string{"env": "production"}},
			"default", `the default rule: no rule matched`},
		{"tag key alone is not enough", restore.Instance{Name: "billing", Tags: map[string]string{"prod": "env"}},
			"default", `the default rule: no rule matched`},
		{"name matcher of a rule with tags", restore.Instance{Name: "scratch-1"},
			"catch-scratch", `rule "catch-scratch": name scratch-1 matches "scratch-?"`},
		{"tag matcher of a rule with names", restore.Instance{Name: "scratch-10", Tags: map[string]string{"env": "dev"}},
			"catch-scratch", `rule "catch-scratch": tag env=dev is set`},
		{"empty ID never matches", restore.Instance{}, "default", `the default rule: no rule matched`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule, why := pol.Match(tt.in)
			if rule.Name != tt.wantRule {
				t.Errorf("Match rule = %q, want %q", rule.Name, tt.wantRule)
			}
			if got := why.String(); got != tt.wantWhy {
				t.Errorf("Match why = %q, want %q", got, tt.wantWhy)
			}
			if why.Rule != rule.Name || why.Default != (tt.wantRule == DefaultName) {
				t.Errorf("Why = %+v does not agree with rule %q", why, rule.Name)
			}
		})
	}
}

func TestMatchDefaultReasons(t *testing.T) {
	tests := []struct {
		name string
		pol  *Policy
		want string
	}{
		{"file without rules", mustParse(t, okDefault), "the default rule: the policy file has no other rules"},
		{"environment", FromEnv([]string{"U1A"}, nil, "", ""), "the default rule: no policy file, so the rule comes from the environment settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, why := tt.pol.Match(restore.Instance{Name: "x"})
			if got := why.String(); got != tt.want {
				t.Errorf("why = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchReturnsACopy(t *testing.T) {
	pol, err := Load(filepath.Join("testdata", "example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	in := restore.Instance{Name: "orders-prod-1"}
	r, _ := pol.Match(in)
	r.Approvers[0] = "U0HACKED"
	r.Match.Names[0] = "*"
	*r.SafetyBackup = false
	r.Match.IDs = append(r.Match.IDs[:0], "x")
	d, _ := pol.Match(restore.Instance{Name: "nope"})
	d.Requesters[0] = "U0HACKED"

	again, _ := pol.Match(in)
	if again.Approvers[0] != "S0DBAONCALL" || again.Match.Names[0] != "orders-prod*" || !*again.SafetyBackup || again.Match.IDs[0] != idOrders {
		t.Errorf("changing a matched rule changed the policy: %+v", again)
	}
	if pol.Default.Requesters[0] != "S0ENGINEERS" {
		t.Errorf("changing the default rule changed the policy: %+v", pol.Default)
	}
}

func TestFromEnv(t *testing.T) {
	approvers := []string{"U1A", "S2B"}
	requesters := []string{"U3C"}
	pol := FromEnv(approvers, requesters, "C0APP", "C0INC")
	approvers[0] = "U0CHANGED" // the policy keeps its own copy
	want := &Policy{Default: Rule{
		Name:                   "default",
		Approvers:              []string{"U1A", "S2B"},
		RequiredApprovals:      1,
		Requesters:             []string{"U3C"},
		AllowOverwriteOriginal: true,
		ApprovalChannel:        "C0APP",
		IncidentChannel:        "C0INC",
	}}
	if diff := cmp.Diff(pol, want); diff != "" {
		t.Errorf("FromEnv mismatch (-got +want):\n%s", diff)
	}
	r, _ := pol.Match(restore.Instance{ID: idOrders, Name: "orders-prod-1"})
	if !r.SafetyBackupFor(true) || r.SafetyBackupFor(false) {
		t.Errorf("FromEnv safety backup: overwrite %v, other %v; want true, false", r.SafetyBackupFor(true), r.SafetyBackupFor(false))
	}
}

func TestSafetyBackupFor(t *testing.T) {
	tests := []struct {
		name      string
		set       *bool
		overwrite bool
		want      bool
	}{
		{"unset, onto the original", nil, true, true},
		{"unset, into another instance", nil, false, false},
		{"on, onto the original", yes(), true, true},
		{"on, into another instance", yes(), false, true},
		{"off, onto the original", no(), true, false},
		{"off, into another instance", no(), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Rule{SafetyBackup: tt.set}).SafetyBackupFor(tt.overwrite); got != tt.want {
				t.Errorf("SafetyBackupFor(%v) = %v, want %v", tt.overwrite, got, tt.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	pol, err := Load(filepath.Join("testdata", "example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule Rule
		want string
	}{
		{pol.Rules[0], `rule "orders-prod": needs 2 of S0DBAONCALL; requested only by S0ENGINEERS; overwrite of the original not allowed; safety backup on; approvals in C0DBA; incidents in C0INC; frozen: change freeze until 2026-12-01`},
		{pol.Rules[2], `rule "scratch": needs 1 of U012AB3CD, U045EF6GH; safety backup off; approvals in C0DBRESTORE; incidents in C0INCIDENTS`},
		{pol.Default, `rule "default": needs 1 of U012AB3CD, U045EF6GH, S0DBAONCALL; requested only by S0ENGINEERS; safety backup when overwriting the original; approvals in C0DBRESTORE; incidents in C0INCIDENTS`},
		{Rule{Name: "frozen", Frozen: true, FrozenReason: "why", AllowOverwriteOriginal: true}, `rule "frozen": needs 1 of nobody; safety backup when overwriting the original; frozen: why`},
	}
	for _, tt := range tests {
		t.Run(tt.rule.Name, func(t *testing.T) {
			if got := tt.rule.Summary(); got != tt.want {
				t.Errorf("Summary\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for _, tt := range []struct{ set, want int }{{-1, 1}, {0, 1}, {1, 1}, {3, 3}} {
		if got := (Rule{RequiredApprovals: tt.set}).Required(); got != tt.want {
			t.Errorf("Rule{RequiredApprovals: %d}.Required() = %d, want %d", tt.set, got, tt.want)
		}
	}
}

func TestMatchesTags(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want bool
	}{
		{"ids and names only", "default:\n  approvers: [U01]\nrules:\n  - name: a\n    match: {name: \"db-*\", ids: [0123456789abcdef0123456789abcdefin07]}\n    approvers: [U02]\n", false},
		{"a tag rule", "default:\n  approvers: [U01]\nrules:\n  - name: a\n    match: {name: \"db-*\"}\n    approvers: [U02]\n  - name: b\n    match: {tags: {env: prod}}\n    approvers: [U03]\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.yaml), "t.yml")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.MatchesTags(); got != tt.want {
				t.Errorf("MatchesTags() = %v, want %v", got, tt.want)
			}
		})
	}
	if FromEnv([]string{"U01"}, nil, "", "").MatchesTags() {
		t.Error("the environment's single rule matches no tags")
	}
}

func TestHashFollowsTheRulesOnly(t *testing.T) {
	const base = "default:\n  approvers: [U01]\nrules:\n  - name: a\n    match: {name: \"x*\"}\n    approvers: [U02]\n"
	parse := func(src, name string) *Policy {
		t.Helper()
		p, err := Parse([]byte(src), name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	h := parse(base, "one.yml").Hash()
	if len(h) != 16 {
		t.Fatalf("hash %q: want 16 hex digits", h)
	}
	if got := parse("# a comment\n"+base, "two.yml").Hash(); got != h {
		t.Errorf("a comment and another path changed the hash: %s vs %s", got, h)
	}
	for name, src := range map[string]string{
		"frozen":    base + "    frozen: {reason: stop}\n",
		"approvers": strings.Replace(base, "[U02]", "[U03]", 1),
		"match":     strings.Replace(base, "x*", "y*", 1),
		"default":   strings.Replace(base, "[U01]", "[U01, U04]", 1),
	} {
		if got := parse(src, "one.yml").Hash(); got == h {
			t.Errorf("%s: changing the rules kept the hash %s", name, h)
		}
	}
	frozen := parse(base+"    frozen: {reason: stop}\n", "f.yml").Frozen()
	if diff := cmp.Diff(map[string]string{"a": "stop"}, frozen); diff != "" {
		t.Errorf("Frozen (-want +got):\n%s", diff)
	}
}
