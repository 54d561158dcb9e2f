package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
)

func TestNewInstanceSettings(t *testing.T) {
	pol, err := Parse([]byte(lines(
		"default: {approvers: [U1A, U2B], required_approvals: 2}",
		"rules:",
		"  - name: orders",
		"    match: {name: orders-*}",
		"    approvers: [S0DBA]",
		"    required_approvals: 3",
		"    new_instance: {approvers: [U9Z, U8Y], required_approvals: 2, keep: 36h, max_keep: 3d}",
		"  - name: vault",
		"    match: {name: vault-*}",
		"    approvers: [U1A]",
		"    new_instance: {allowed: false}",
	)), "p.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	def := pol.Default.NewInstanceRule()
	if diff := cmp.Diff([]string{"U1A", "U2B"}, def.Approvers); diff != "" || def.Required() != 1 || def.SafetyBackupFor(true) {
		t.Errorf("default new-instance rule = %+v %s; want the rule's approvers, one approval, no safety backup", def, diff)
	}
	got := pol.NewInstanceRule(restore.Instance{Name: "anything"})
	if want := (restore.NewInstanceRule{Allowed: true, Keep: 24 * time.Hour, MaxKeep: 7 * 24 * time.Hour, Rule: "default"}); got != want {
		t.Errorf("default limits %+v, want %+v", got, want)
	}
	orders := pol.Rules[0].NewInstanceRule()
	if diff := cmp.Diff([]string{"U9Z", "U8Y"}, orders.Approvers); diff != "" || orders.Required() != 2 {
		t.Errorf("orders new-instance rule = %+v %s", orders, diff)
	}
	got = pol.NewInstanceRule(restore.Instance{Name: "orders-1"})
	if want := (restore.NewInstanceRule{Allowed: true, Keep: 36 * time.Hour, MaxKeep: 72 * time.Hour, Rule: "orders"}); got != want {
		t.Errorf("orders limits %+v, want %+v", got, want)
	}
	if pol.NewInstanceRule(restore.Instance{Name: "vault-1"}).Allowed {
		t.Error("vault allows new instances")
	}
	if pol.Rules[0].Required() != 3 || !strings.Contains(pol.Rules[0].Summary(), "new instances need 2 of U9Z, U8Y, kept 36h (at most 3d)") {
		t.Errorf("orders rule %d approvals, summary %q", pol.Rules[0].Required(), pol.Rules[0].Summary())
	}
	orders.Approvers[0] = "UCHANGED"
	if pol.Rules[0].NewInstanceRule().Approvers[0] != "U9Z" {
		t.Error("NewInstanceRule shares memory with the policy")
	}
}

func TestNewInstanceErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", lines("default:", "  approvers: [U1A]", "  new_instance: {lifetime: 2h}"), "new_instance.lifetime: unknown key"},
		{"not a mapping", lines("default:", "  approvers: [U1A]", "  new_instance: yes"), "default.new_instance"},
		{"zero threshold", lines("default:", "  approvers: [U1A]", "  new_instance: {required_approvals: 0}"), "must be at least 1"},
		{"threshold above users", lines("default:", "  approvers: [U1A]", "  new_instance: {approvers: [U3C], required_approvals: 2}"), "would need 2 approvals but only 1"},
		{"keep not a duration", lines("default:", "  approvers: [U1A]", "  new_instance: {keep: forever}"), `new_instance.keep: must be a lifetime`},
		{"keep in seconds", lines("default:", "  approvers: [U1A]", "  new_instance: {keep: 3600s}"), `new_instance.keep: must be a lifetime`},
		{"keep too short", lines("default:", "  approvers: [U1A]", "  new_instance: {keep: 30m}"), `got "30m"`},
		{"max_keep too long", lines("default:", "  approvers: [U1A]", "  new_instance: {max_keep: 100d}"), `new_instance.max_keep: must be a lifetime`},
		{"keep above max_keep", lines("default:", "  approvers: [U1A]", "  new_instance: {keep: 3d, max_keep: 2d}"), "3d is longer than max_keep 2d"},
		{"bad allowed", lines("default:", "  approvers: [U1A]", "  new_instance: {allowed: maybe}"), "new_instance.allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "p.yml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
