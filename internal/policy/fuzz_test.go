package policy

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/restore"
)

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "example.yml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	for _, seed := range []string{
		"", "default: {approvers: [U1A]}",
		"default: {approvers: &a [S0DBA]}\nrules:\n  - {name: r, match: {name: 'x*', tags: {env: prod}}, approvers: *a}\n",
		"default:\n  <<: {approvers: [U1A]}\n", "default: {frozen: {reason: x}}\n---\nx: 1\n",
		"rules: [{name: a, match: {ids: [" + idOrders + "]}, required_approvals: 9}]",
		"default: {approvers: [U1A], required_approvals: 0x10, safety_backup: ~}",
		"default: {approvers: [U1A], new_instance: {approvers: [S0X], keep: 1d12h, max_keep: 7d, allowed: true}}",
		"default: {approvers: [U1A], max_backup_age: 26h}\ndrills:\n  - {name: d, match: {name: 'x*'}, cron: '0 3 * * 1', time_zone: Europe/Berlin, checks: [{sql: 'SELECT 1', expect: 'between 1 and 2'}, {tables_exist: [a.b]}]}\n",
		"default: {approvers: [U1A]}\ndrills: [{name: p, match: {tags: {env: prod}}, every: 24h, from: point_in_time, ago: 5m, keep: 1h, max_duration: 90m}]",
		"a: [1,\n b: {c: 'd\n", "\t- x", "? [a]\n: b", "default: !!binary aGk=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		pol, err := Parse([]byte(data), "f.yml")
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("Parse error %T %q is not a *Error with problems", err, err)
			}
			if !strings.HasPrefix(err.Error(), "policy file f.yml") {
				t.Errorf("error does not name the file: %q", err)
			}
			lines := len(yamlBreak.FindAllStringIndex(data, -1)) + 1
			for _, p := range perr.Problems {
				if p.Msg == "" || p.Line < 0 || p.Line > lines {
					t.Errorf("problem %+v: empty or past the file's %d lines", p, lines)
				}
			}
			return
		}
		checkRule(t, pol.Default, true)
		seen := map[string]bool{}
		for _, r := range pol.Rules {
			checkRule(t, r, false)
			if seen[r.Name] {
				t.Errorf("rule name %q twice", r.Name)
			}
			seen[r.Name] = true
			// An instance with one of the rule's IDs or tags gets this rule
			// or an earlier one.
			var probes []restore.Instance
			for _, id := range r.Match.IDs {
				probes = append(probes, restore.Instance{ID: id})
			}
			for k, v := range r.Match.Tags {
				probes = append(probes, restore.Instance{Tags: map[string]string{k: v}})
			}
			for _, in := range probes {
				if got, why := pol.Match(in); !seen[got.Name] {
					t.Errorf("Match(%+v) = %q (%s), want %q or an earlier rule", in, got.Name, why, r.Name)
				}
			}
		}
		_, why := pol.Match(restore.Instance{ID: idOrders, Name: data})
		if why.String() == "" {
			t.Error("empty Why")
		}
	})
}

// yamlBreak is a line break as YAML counts them.
var yamlBreak = regexp.MustCompile("\r\n|\r|\n|\u0085|\u2028|\u2029")

func checkRule(t *testing.T, r Rule, isDefault bool) {
	t.Helper()
	if isDefault != (r.Name == DefaultName) || r.Name == "" {
		t.Errorf("rule name %q (default %v)", r.Name, isDefault)
	}
	if isDefault != r.Match.Empty() {
		t.Errorf("rule %q: match %+v (default %v)", r.Name, r.Match, isDefault)
	}
	if r.RequiredApprovals < 1 {
		t.Errorf("rule %q: required %d", r.Name, r.RequiredApprovals)
	}
	if len(r.Approvers) == 0 && !r.Frozen {
		t.Errorf("rule %q: no approvers and not frozen", r.Name)
	}
	if r.Frozen && strings.TrimSpace(r.FrozenReason) == "" {
		t.Errorf("rule %q: frozen without a reason", r.Name)
	}
}
