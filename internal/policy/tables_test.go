package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTableRestoreSettings(t *testing.T) {
	pol, err := Parse([]byte(lines(
		"default: {approvers: [U1A, U2B], required_approvals: 2, safety_backup: true}",
		"rules:",
		"  - name: orders",
		"    match: {name: orders-*}",
		"    approvers: [S0DBA]",
		"    required_approvals: 3",
		"    table_restore: {approvers: [U9Z, S0LEADS], required_approvals: 1}",
		"  - name: vault",
		"    match: {name: vault-*}",
		"    approvers: [U1A]",
		"    table_restore: {allowed: false}",
	)), "p.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// Inherited: the default rule's approvers and threshold, never a safety backup.
	def := pol.Default.TableRule()
	if diff := cmp.Diff([]string{"U1A", "U2B"}, def.Approvers); diff != "" || def.Required() != 2 || def.SafetyBackupFor(true) || !pol.Default.TablesAllowed() {
		t.Errorf("default table rule = %+v %s", def, diff)
	}
	orders := pol.Rules[0].TableRule()
	if diff := cmp.Diff([]string{"U9Z", "S0LEADS"}, orders.Approvers); diff != "" || orders.Required() != 1 {
		t.Errorf("orders table rule = %+v %s", orders, diff)
	}
	if pol.Rules[0].Required() != 3 || pol.Rules[0].Approvers[0] != "S0DBA" {
		t.Errorf("table_restore changed the rule itself: %+v", pol.Rules[0])
	}
	if pol.Rules[1].TablesAllowed() || !pol.Rules[0].TablesAllowed() {
		t.Errorf("allowed: vault %v, orders %v", pol.Rules[1].TablesAllowed(), pol.Rules[0].TablesAllowed())
	}
	// TableRule is a copy.
	orders.Approvers[0] = "UCHANGED"
	if pol.Rules[0].TableRule().Approvers[0] != "U9Z" {
		t.Error("TableRule shares memory with the policy")
	}
}

func TestTableRestoreErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", lines("default:", "  approvers: [U1A]", "  table_restore: {approver: [U1A]}"), "table_restore.approver: unknown key"},
		{"not a mapping", lines("default:", "  approvers: [U1A]", "  table_restore: yes"), "default.table_restore"},
		{"zero threshold", lines("default:", "  approvers: [U1A]", "  table_restore: {required_approvals: 0}"), "must be at least 1"},
		{"threshold above users", lines("default:", "  approvers: [U1A, U2B]", "  table_restore: {approvers: [U3C], required_approvals: 2}"), "table restores would need 2 approvals but only 1 approvers are listed"},
		{"inherited threshold above users", lines("default:", "  approvers: [U1A, U2B]", "  required_approvals: 2", "  table_restore: {approvers: [U3C]}"), "table restores would need 2 approvals"},
		{"bad allowed", lines("default:", "  approvers: [U1A]", "  table_restore: {allowed: maybe}"), "table_restore.allowed"},
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
