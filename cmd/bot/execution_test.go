package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// overwriteCommand restores the source onto itself: the default rule takes
// a safety backup first.
func (h *harness) overwriteCommand(reason string) string {
	return fmt.Sprintf("source=%s backup=%s reason=%q", h.source.Name, h.backup.ID, reason)
}

// mutatingCalls are the POSTs the fake GaussDB received (backup or restore).
func (h *harness) mutatingCalls() []gaussdbtest.Request {
	var out []gaussdbtest.Request
	for _, r := range h.gauss.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

func (h *harness) request(id string) approvals.Request {
	h.t.Helper()
	r, err := h.store().Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) audited(id, action string) approvals.Event {
	h.t.Helper()
	evs, err := h.store().History(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action == action {
			return e
		}
	}
	h.t.Fatalf("no %q in the audit trail of %s: %+v", action, id, evs)
	return approvals.Event{}
}

func TestFreezeDuringSafetyBackupStopsTheRestore(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_ADMINS"] = admin
	if err := h.slack.AddUser(slacktestUser(admin)); err != nil {
		t.Fatal(err)
	}
	h.gauss.SetRestoreJobPolls(40) // the safety backup runs about 4 s
	h.start()
	h.slash(requester, h.overwriteCommand("freeze me"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Taking a safety backup")

	h.slash(admin, `freeze on "incident <!channel> in progress"`)
	stop := h.threadHas(msg, "Stopped", "restores were frozen", "restore not called")
	if strings.Contains(stop.Text, "<!channel>") {
		t.Errorf("the freeze reason was not escaped: %q", stop.Text)
	}
	h.channelHas(incidents, id, "stopped", "restore not called")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls after a freeze during the safety backup: %d, want 0", n)
	}
	r := h.request(id)
	if r.State != approvals.StateFailed || !strings.HasPrefix(r.Detail, "stopped: restores were frozen") || !r.CalledAt.IsZero() {
		t.Errorf("request: state %s detail %q called %v", r.State, r.Detail, r.CalledAt)
	}
	h.audited(id, "stopped")
	// The backup finishes in GaussDB; still nothing is called.
	time.Sleep(500 * time.Millisecond)
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: %d, want 0", n)
	}
}

func TestLeaseRenewedWhileThePOSTIsInFlight(t *testing.T) {
	h := newHarness(t)
	h.tune(func(c *config.Config) { c.LeaseTTL = 600 * time.Millisecond })
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Delay: 2 * time.Second} // more than three lease lifetimes
	})
	h.start()
	h.slash(requester, h.backupCommand("slow gateway"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore submitted", "Job ID")
	r := h.request(id)
	if r.State != approvals.StateSubmitted && r.State != approvals.StateCompleted {
		t.Fatalf("state %s (%q), want submitted: the lease lapsed during the call", r.State, r.Detail)
	}
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		if strings.Contains(m.Text, "Outcome unknown") {
			t.Errorf("reported outcome unknown while the call was in flight: %q", m.Text)
		}
	}
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d, want 1", n)
	}
}

func TestLateAnswerIsRecordedAndFollowed(t *testing.T) {
	h := newHarness(t)
	// The job appears in GaussDB's job list as the answer leaves, so a
	// reconciliation looking then would attach it first (also correct:
	// TestLateAnswerAfterReconciliation). Here the answer comes first.
	h.tune(func(c *config.Config) { c.ReconcileEvery = time.Minute })
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Delay: 1500 * time.Millisecond}
	})
	h.start()
	h.slash(requester, h.backupCommand("late answer"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.waitFor("the restore POST", func() bool { return len(h.restoreCallsStarted()) == 1 })

	// The lease lapses while the POST is in flight (a partition, a failover
	// that lost it): the sweeper reports the request as outcome unknown.
	if err := h.rdb.Del(h.ctx(), h.prefix+"exec:"+id).Err(); err != nil {
		t.Fatal(err)
	}
	h.threadHas(msg, "Outcome unknown")

	// Then GaussDB answers with a job ID.
	late := h.threadHas(msg, "Late answer", "recorded and followed")
	r := h.request(id)
	if r.JobID == "" || !strings.Contains(late.Text, r.JobID) {
		t.Fatalf("late answer: stored job %q, thread %q", r.JobID, late.Text)
	}
	h.audited(id, "late_answer")
	h.threadHas(msg, "Restore completed", r.JobID)
	if r := h.request(id); r.State != approvals.StateCompleted {
		t.Errorf("state %s, want completed", r.State)
	}
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d, want 1", n)
	}
}

// TestLateAnswerAfterReconciliation: the job shows in GaussDB's job list
// well before the answer gets back, so reconciliation attaches it first; the
// answer, naming the same job, then changes nothing and makes no second call.
func TestLateAnswerAfterReconciliation(t *testing.T) {
	h := newHarness(t)
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Delay: 300 * time.Millisecond, AnswerAfterJob: 2 * time.Second}
	})
	h.start()
	h.slash(requester, h.backupCommand("answer after reconciliation"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.waitFor("the restore POST", func() bool { return len(h.restoreCallsStarted()) == 1 })
	if err := h.rdb.Del(h.ctx(), h.prefix+"exec:"+id).Err(); err != nil {
		t.Fatal(err)
	}
	h.threadHas(msg, "Outcome unknown")
	h.threadHas(msg, "job list shows restore job", "attached")
	// The answer is seen and taken for the same job (the audit note is
	// added only while the job still runs; this fake job may be done).
	h.waitFor("the late answer seen", func() bool {
		return strings.Contains(h.logs.String(), "late answer names the job reconciliation already attached")
	})
	h.threadHas(msg, "Restore completed")
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		if strings.Contains(m.Text, "Late answer") {
			t.Errorf("the answer naming the attached job was reported as a contradiction: %q", m.Text)
		}
	}
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d, want 1", n)
	}
}

func TestUnknownOutcomeReconciledFromTheJobList(t *testing.T) {
	tests := []struct {
		name     string
		response gaussdbtest.Response
		want     []string // in the thread
		state    approvals.State
	}{
		{"job started behind a 502", gaussdbtest.Response{Status: 502, Body: "<html>Bad Gateway</html>", StartJob: true},
			[]string{"job list shows restore job", "attached", "nothing was re-submitted"}, approvals.StateCompleted},
		{"no job behind a 500", gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.05000000","error_msg":"Server error."}`},
			[]string{"No restore job was found", "A new request is safe"}, approvals.StateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env["RESTORE_RECONCILE_AFTER"], h.env["RESTORE_CALL_TIMEOUT"] = "1s", "1s"
			h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return tt.response })
			h.start()
			h.slash(requester, h.backupCommand(tt.name))
			msg := h.approvalMessage(1)
			id := requestID(t, msg)
			h.click(approver, msg, "approve")
			h.threadHas(msg, "Outcome unknown")
			if tt.state == approvals.StateUnknown {
				h.clock.Advance(61 * time.Second) // past the restore call's own timeout too
			}
			h.threadHas(msg, tt.want...)
			if tt.state == approvals.StateCompleted {
				h.threadHas(msg, "Restore completed")
			}
			r := h.request(id)
			if r.State != tt.state {
				t.Errorf("state %s (%q), want %s", r.State, r.Detail, tt.state)
			}
			h.audited(id, "reconciled")
			h.slash(approver, "status "+id)
			h.ephemeralHas(approver, id, "reconciled:")
			var listed bool
			for _, q := range h.gauss.Requests() {
				listed = listed || strings.HasSuffix(q.Path, "/immediate-jobs")
			}
			if !listed {
				t.Error("GaussDB's job list was never read")
			}
			if n := len(h.restoreCalls()); n != 1 {
				t.Fatalf("restore calls: %d, want exactly 1 (never re-submitted)", n)
			}
		})
	}
}

func TestHostileJobIDIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 200, Body: `{"job_id":"<!channel> <@UOUT0001>"}`}
	})
	h.start()
	h.slash(requester, h.backupCommand("hostile job id"))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID", "&lt;!channel&gt;")
	h.channelHas(incidents, "submitted", "&lt;!channel&gt;")
	h.waitFor("the requester's DM", func() bool { return countContaining(h.slack.DMs(requester), "&lt;!channel&gt;") > 0 })
	h.waitFor("the approval message updated", func() bool { return strings.Contains(blocksText(h.current(msg)), "&lt;!channel&gt;") })
	var all []string
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		all = append(all, m.Text, string(m.Blocks))
	}
	for _, m := range h.slack.Messages(incidents) {
		all = append(all, m.Text)
	}
	for _, m := range h.slack.DMs(requester) {
		all = append(all, m.Text)
	}
	all = append(all, blocksText(h.current(msg)))
	for _, s := range all {
		if strings.Contains(s, "<!channel>") || strings.Contains(s, "<@UOUT0001>") {
			t.Errorf("a cloud-provided job ID reached Slack unescaped: %q", s)
		}
	}
}

func TestDryRunWithCredentialsMakesNoMutatingCall(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_DRY_RUN"] = "true" // the harness gives cloud credentials
	h.start()
	h.slash(requester, h.overwriteCommand("rehearse an overwrite"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Dry run", "no safety backup is taken", "db-restore-"+id+"-safety")
	h.threadHas(msg, "Dry run", "/instances/restore")
	if r := h.request(id); r.State != approvals.StateDryRun {
		t.Errorf("state %s, want dry_run", r.State)
	}
	time.Sleep(300 * time.Millisecond) // anything late would show now
	if calls := h.mutatingCalls(); len(calls) != 0 {
		t.Fatalf("a dry run made mutating calls: %+v", calls)
	}
}

func TestWithdrawalAuditedAsTheBots(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slack.FailNext("chat.postMessage", "channel_not_found")
	h.slash(requester, h.backupCommand("nobody will see this"))
	var id string
	h.waitFor("the withdrawn request", func() bool {
		keys, _ := h.rdb.Keys(context.Background(), h.prefix+"req:*").Result()
		if len(keys) == 1 {
			id = strings.TrimPrefix(keys[0], h.prefix+"req:")
			return h.request(id).State == approvals.StateCancelled
		}
		return false
	})
	r := h.request(id)
	if r.DecidedBy != "bot" {
		t.Errorf("withdrawn by %q, want the bot", r.DecidedBy)
	}
	if ev := h.audited(id, "withdrawn"); ev.Actor != "bot" {
		t.Errorf("withdrawal audited as %q's", ev.Actor)
	}
	evs, _ := h.store().History(context.Background(), id)
	for _, e := range evs {
		if e.Action == "cancelled" || e.Actor == requester && e.Action != "requested" {
			t.Errorf("audited as the requester's: %+v", e)
		}
	}
}
