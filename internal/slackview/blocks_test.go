package slackview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// approvalStates are the approval message's main states.
func approvalStates() map[string]approvals.Request {
	pending := eventRequest(approvals.StatePending, false)
	pending.Approvals, pending.JobID, pending.SubmittedAt, pending.Detail = pending.Approvals[:1], "", time.Time{}, ""
	pending.ExpiresAt = eventNow.Add(20 * time.Minute)
	overwrite := eventRequest(approvals.StatePending, false)
	overwrite.Approvals, overwrite.JobID, overwrite.Detail = nil, "", ""
	overwrite.Params.TargetID, overwrite.Params.TargetName = overwrite.Params.SourceID, overwrite.Params.SourceName
	overwrite.Params.Type, overwrite.Params.BackupID, overwrite.Params.RestoreTimeMs = approvals.TypeBackup, "bk-1", 0
	overwrite.Rule.SafetyBackup, overwrite.Ticket = true, "INC-4412"
	tables := eventRequest(approvals.StatePending, true)
	tables.Approvals, tables.JobID, tables.Detail = nil, "", ""
	denied := eventRequest(approvals.StateDenied, false)
	denied.Approvals, denied.DecidedBy, denied.DecidedAt = nil, "UAPP0001", eventNow
	expired := eventRequest(approvals.StateExpired, false)
	expired.Approvals = nil
	failed := eventRequest(approvals.StateFailed, false)
	failed.Detail = "job failed: disk full"
	return map[string]approvals.Request{
		"pending": pending, "pending_overwrite": overwrite, "pending_tables": tables,
		"executing": eventRequest(approvals.StateExecuting, false), "submitted": eventRequest(approvals.StateSubmitted, false),
		"completed": eventRequest(approvals.StateCompleted, false), "failed": failed,
		"outcome_unknown": eventRequest(approvals.StateUnknown, false), "dry_run": eventRequest(approvals.StateDryRun, false),
		"denied": denied, "expired": expired,
	}
}

func TestApprovalMessageGolden(t *testing.T) {
	for name, r := range approvalStates() {
		t.Run(name, func(t *testing.T) {
			blocks, err := json.MarshalIndent(ApprovalBlocks(r), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if problems := slacktest.CheckBlocks(slacktest.SurfaceMessage, blocks); len(problems) > 0 {
				t.Errorf("Slack would refuse the message: %q", problems)
			}
			got, _ := json.MarshalIndent(map[string]any{"text": FallbackText(r), "blocks": json.RawMessage(blocks)}, "", "  ")
			checkGoldenFile(t, "approval_"+name+".json", append(got, '\n'))
		})
	}
}

// TestApprovalMessageShowsWhatItShould checks the golden states' content,
// so that a careless -update cannot bless a broken message.
func TestApprovalMessageShowsWhatItShould(t *testing.T) {
	states := approvalStates()
	tests := []struct {
		state       string
		want, avoid []string
	}{
		{"pending", []string{`"action_id":"approve"`, `"action_id":"deny"`, "Waiting for approval (1 of 2)"}, []string{"Restore to the original instance"}},
		{"pending_overwrite", []string{"Restore to the original instance", `"action_id":"approve"`, "INC-4412"}, nil},
		{"pending_tables", []string{"orders_r_202612021000", `"action_id":"approve"`}, nil},
		{"submitted", []string{"restore running, job `job-1`"}, []string{`"action_id":"approve"`}},
		{"completed", []string{"restore completed"}, []string{`"action_id":"approve"`}},
		{"failed", []string{"disk full"}, []string{`"action_id":"approve"`}},
		{"denied", []string{"Denied by \u003c@UAPP0001\u003e"}, []string{`"action_id":"approve"`}},
		{"expired", []string{"Expired at"}, []string{`"action_id":"approve"`}},
	}
	for _, tt := range tests {
		got, _ := json.Marshal(ApprovalBlocks(states[tt.state]))
		for _, w := range tt.want {
			if !strings.Contains(string(got), w) && !strings.Contains(string(got), strings.ReplaceAll(strings.ReplaceAll(w, "<", `\u003c`), ">", `\u003e`)) {
				t.Errorf("%s: missing %q in %s", tt.state, w, got)
			}
		}
		for _, a := range tt.avoid {
			if strings.Contains(string(got), a) {
				t.Errorf("%s: should not show %q", tt.state, a)
			}
		}
	}
}
