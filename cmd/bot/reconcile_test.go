package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Reconciliation's conclusions, as the thread says them.
const (
	saidNoJob   = "No restore job was found"
	saidConsole = "Check the GaussDB console"
)

// unknownOutcome files and approves a backup restore whose call answers
// 500 without starting a job, and waits for "Outcome unknown".
func (h *harness) unknownOutcome(reason string) (slacktest.Message, string) {
	h.t.Helper()
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.05000000","error_msg":"Server error."}`}
	})
	h.start()
	h.slash(requester, h.backupCommand(reason))
	msg := h.approvalMessage(1)
	id := requestID(h.t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Outcome unknown")
	return msg, id
}

// jobListReads counts the reads of GaussDB's job list so far.
func (h *harness) jobListReads() int {
	n := 0
	for _, q := range h.gauss.Requests() {
		if strings.HasSuffix(q.Path, "/immediate-jobs") {
			n++
		}
	}
	return n
}

// quietWhileLooking lets reconciliation read the job list a few more times
// and checks that the thread has no conclusion yet.
func (h *harness) quietWhileLooking(msg slacktest.Message) {
	h.t.Helper()
	from := h.jobListReads()
	h.waitFor("three more reads of the job list", func() bool { return h.jobListReads() >= from+3 })
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		if strings.Contains(m.Text, saidNoJob) || strings.Contains(m.Text, saidConsole) {
			h.t.Fatalf("reconciliation concluded before both bounds passed: %q", m.Text)
		}
	}
}

// unattached checks that reconciliation left id unattached and audited,
// with one restore call.
func (h *harness) unattached(id string) {
	h.t.Helper()
	if r := h.request(id); r.State != approvals.StateUnknown || r.JobID != "" {
		h.t.Errorf("state %s job %q (%q); want outcome_unknown, no job", r.State, r.JobID, r.Detail)
	}
	h.audited(id, "reconciled")
	if n := len(h.restoreCalls()); n != 1 {
		h.t.Fatalf("restore calls: %d, want exactly 1 (never re-submitted)", n)
	}
}

// TestReconciliationLeavesOthersJobsAlone: jobs that are not the call's are
// never attached, and "no job found" waits for RESTORE_RECONCILE_AFTER (60 s
// here, the restore call's timeout 30 s), naming the jobs passed over.
func TestReconciliationLeavesOthersJobsAlone(t *testing.T) {
	tests := []struct {
		name   string
		before func(h *harness) string // a job present before the call; its ID
		after  func(h *harness) string // a job that appears after the call; its ID
		want   string
	}{
		{"a job of another request on the same target", nil, func(h *harness) string {
			jobID := "0a7d5c1e-other-request-job"
			if err := h.store().ClaimJob(context.Background(), "B0TH3R", jobID); err != nil {
				h.t.Fatal(err)
			}
			return h.gauss.AddJob(restore.Job{ID: jobID, Name: "RestoreInstance", InstanceID: h.target.ID}).ID
		}, "belongs to request `B0TH3R`"},
		{"a job started before the call", func(h *harness) string {
			return h.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: h.target.ID, Created: time.Now().Add(-30 * time.Second)}).ID
		}, nil, "started before the call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env["RESTORE_RECONCILE_AFTER"], h.env["RESTORE_CALL_TIMEOUT"] = "60s", "30s"
			var jobID string
			if tt.before != nil {
				jobID = tt.before(h)
			}
			msg, id := h.unknownOutcome(tt.name)
			if tt.after != nil {
				jobID = tt.after(h)
			}
			h.quietWhileLooking(msg)
			h.clock.Advance(61 * time.Second)
			h.threadHas(msg, saidNoJob, "within 1m0s of the call", "A new request is safe", jobID, tt.want)
			h.unattached(id)
			if owners, _ := h.store().JobOwners(context.Background(), []string{jobID}); owners[jobID] == id {
				t.Errorf("job %s was indexed to %s", jobID, id)
			}
		})
	}
}

// TestReconciliationCannotTell: more than one job that could be the call's,
// or one that might be but cannot be told apart, means "check the
// console": nothing attached, and never "no job found".
func TestReconciliationCannotTell(t *testing.T) {
	tests := []struct {
		name  string
		after func(h *harness) []string
		want  []string
	}{
		{"two candidates", func(h *harness) []string {
			return []string{h.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: h.target.ID}).ID,
				h.gauss.AddJob(restore.Job{Name: "RestoreGaussDBforMySQLInstance", InstanceID: h.target.ID}).ID}
		}, []string{"2 jobs"}},
		{"a job whose name says nothing", func(h *harness) []string {
			return []string{h.gauss.AddJob(restore.Job{Name: "GaussDBforMySQLDataRollback", InstanceID: h.target.ID}).ID}
		}, []string{"1 job", "its name does not say what it does"}},
		{"a restore listed under the source", func(h *harness) []string {
			return []string{h.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: h.source.ID}).ID}
		}, []string{"1 job", "listed under the call's other instance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env["RESTORE_RECONCILE_AFTER"], h.env["RESTORE_CALL_TIMEOUT"] = "1s", "1s"
			msg, id := h.unknownOutcome(tt.name)
			jobs := tt.after(h)
			h.threadHas(msg, append(append([]string{saidConsole, "attached none"}, tt.want...), jobs...)...)
			h.clock.Advance(2 * time.Minute)
			h.quietLater(msg, saidNoJob)
			h.unattached(id)
			h.channelHas(incidents, "check the console")
		})
	}
}

// quietLater lets reconciliation run a while longer and checks the thread
// never says words.
func (h *harness) quietLater(msg slacktest.Message, words string) {
	h.t.Helper()
	time.Sleep(500 * time.Millisecond) // several sweeps at the harness's pace
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		if strings.Contains(m.Text, words) {
			h.t.Fatalf("the thread says %q: %q", words, m.Text)
		}
	}
}

// TestReconciliationAttachesTheTrueJob: among a job started before the
// call and another request's job on the same target, the call's own job is
// attached, and the job index gives it to this request.
func TestReconciliationAttachesTheTrueJob(t *testing.T) {
	h := newHarness(t)
	early := h.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: h.target.ID, Created: time.Now().Add(-30 * time.Second)})
	taken := h.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: h.target.ID, Created: time.Now().Add(2 * time.Second)})
	if err := h.store().ClaimJob(context.Background(), "B0TH3R", taken.ID); err != nil {
		t.Fatal(err)
	}
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 502, Body: "<html>Bad Gateway</html>", StartJob: true}
	})
	h.start()
	h.slash(requester, h.backupCommand("the true job"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "job list shows restore job", "attached")
	r := h.request(id)
	if r.JobID == "" || r.JobID == early.ID || r.JobID == taken.ID {
		t.Fatalf("attached job %q; want the call's own (not %s before the call, not %s of another request)", r.JobID, early.ID, taken.ID)
	}
	if j, ok := h.gauss.Job(r.JobID); !ok || j.InstanceID != h.target.ID {
		t.Fatalf("attached job %q is not a job of the target: %+v", r.JobID, j)
	}
	owners, err := h.store().JobOwners(context.Background(), []string{r.JobID, taken.ID})
	if err != nil || owners[r.JobID] != id || owners[taken.ID] != "B0TH3R" {
		t.Errorf("job index %v, %v; want %s for the attached job", owners, err, id)
	}
	h.threadHas(msg, "Restore completed")
}

// TestNoJobFoundAfterBothBounds: "no job found" waits past the restore
// call's own timeout for RESTORE_RECONCILE_AFTER too (the bot refuses a
// shorter RESTORE_RECONCILE_AFTER at start; execution takes the longer of
// the two either way, tested in internal/execution).
func TestNoJobFoundAfterBothBounds(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_RECONCILE_AFTER"], h.env["RESTORE_CALL_TIMEOUT"] = "90s", "60s"
	msg, id := h.unknownOutcome("both bounds")
	h.clock.Advance(61 * time.Second) // past the call's timeout only
	h.quietWhileLooking(msg)
	h.clock.Advance(30 * time.Second)
	h.threadHas(msg, saidNoJob, "within 1m30s of the call", "A new request is safe")
	h.unattached(id)
}
