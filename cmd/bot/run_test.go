package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

func TestRequestApproveRestore(t *testing.T) {
	h := newHarness(t)
	h.start()

	ack := h.slash(requester, h.backupCommand("recover rows deleted by job 4412"))
	if !strings.Contains(string(ack.Payload), "Checking") {
		t.Errorf("ack payload: got %s, want the checking notice", ack.Payload)
	}
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	for _, want := range []string{"orders-prod", h.source.ID, "orders-restore", h.target.ID, h.backup.ID, "recover rows deleted by job 4412", "<@" + requester + ">", "needs 1 of"} {
		if !strings.Contains(blocksText(msg), want) {
			t.Errorf("approval message lacks %q: %s", want, msg.Blocks)
		}
	}
	h.ephemeralHas(requester, id, "waiting for approval")
	h.channelHas(incidents, "requested", id)

	h.click(approver, msg, "approve")
	reply := h.threadHas(msg, "Job ID")
	h.waitFor("message shows the job", func() bool { return strings.Contains(string(h.current(msg).Blocks), "job `") })

	calls := h.restoreCalls()
	if len(calls) != 1 {
		t.Fatalf("restore calls: got %d, want 1", len(calls))
	}
	want := restore.Call{SourceID: h.source.ID, TargetID: h.target.ID, Type: "backup", BackupID: h.backup.ID}
	if calls[0].Call != want {
		t.Errorf("restore body: got %+v, want %+v", calls[0].Call, want)
	}
	jobs := strings.Fields(reply.Text)
	if !strings.Contains(reply.Text, "`") || len(jobs) == 0 {
		t.Errorf("thread reply: %q", reply.Text)
	}
	if cur := h.current(msg); hasButtons(cur) || !strings.Contains(string(cur.Blocks), approver) {
		t.Errorf("approval message after submit should have no buttons and name the approver: %s", cur.Blocks)
	}
	h.channelHas(incidents, "submitted", id)

	req, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if (req.State != approvals.StateSubmitted && req.State != approvals.StateCompleted) || req.JobID == "" || !strings.Contains(reply.Text, req.JobID) {
		t.Errorf("stored request: state %s job %q; thread %q", req.State, req.JobID, reply.Text)
	}
	events, err := h.store().History(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action+":"+string(e.State))
		if e.ParamHash != req.ParamHash {
			t.Errorf("audit event %+v: param hash %q, want %q", e, e.ParamHash, req.ParamHash)
		}
	}
	if got := strings.Join(actions, " "); !strings.HasPrefix(got, "requested:pending approved:executing calling_restore:executing submitted:submitted") {
		t.Errorf("audit trail: got %q", got)
	}

	// status shows the history to anyone who asks.
	h.slash(outsider, "status "+id)
	h.ephemeralHas(outsider, id, "approved", "<@"+approver+">")
}

func TestSelfApprovalAndOutsiderChangeNothing(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("self approval attempt"))
	msg := h.approvalMessage(1)

	h.click(requester, msg, "approve")
	h.ephemeralHas(requester, "cannot decide on it")
	h.click(outsider, msg, "approve")
	h.ephemeralHas(outsider, "not an approver")
	h.click(outsider, msg, "deny")
	h.waitFor("two refusals to the outsider", func() bool { return len(h.slack.Ephemerals(outsider)) >= 2 })

	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0", n)
	}
	if cur := h.current(msg); !hasButtons(cur) {
		t.Errorf("request should still be pending with buttons: %s", cur.Blocks)
	}
	// An approver through a user group can still approve it.
	h.click(groupMate, msg, "approve")
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want 1", n)
	}
}

func TestDenyThenClicksAreRefused(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("deny me"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)

	h.click(approver, msg, "deny")
	h.threadHas(msg, "Denied by <@"+approver+">")
	h.waitFor("buttons removed", func() bool { return !hasButtons(h.current(msg)) })
	if !strings.Contains(string(h.current(msg).Blocks), "Denied by") {
		t.Errorf("message should say who denied: %s", h.current(msg).Blocks)
	}
	h.channelHas(incidents, "denied", id)

	// A late click on the old message (e.g. a stale client) is answered and changes nothing.
	h.staleClick(approver2, msg, "approve", id+"|whatever")
	h.ephemeralHas(approver2, "already denied")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0", n)
	}
}

func TestConcurrentApprovalsMakeOneCall(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.start() // two replicas sharing Redis
	h.slash(requester, h.backupCommand("double click"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	var hash string
	{
		r, err := h.store().Get(h.ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		hash = r.ParamHash
	}

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		user := approver
		if i%2 == 1 {
			user = approver2
		}
		wg.Go(func() {
			h.staleClick(user, msg, "approve", id+"|"+hash)
		})
	}
	wg.Wait()
	h.threadHas(msg, "Job ID")
	h.waitFor("every click answered or executed", func() bool {
		return len(h.slack.Ephemerals(approver))+len(h.slack.Ephemerals(approver2)) >= 19
	})
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want exactly 1", n)
	}
}

func TestRefusalStoresNothing(t *testing.T) {
	h := newHarness(t)
	h.start()
	other := h.gauss.AddBackup(restore.Backup{ID: gaussdbtest.NewBackupID(), InstanceID: h.target.ID, Status: "COMPLETED",
		Begin: time.Now().Add(-time.Hour), End: time.Now().Add(-50 * time.Minute)})
	h.slash(requester, "source="+h.source.ID+" backup="+other.ID+` reason="wrong backup"`)
	h.ephemeralHas(requester, "backup")

	h.slash(requester, "source=no-such-db backup="+h.backup.ID+` reason="typo"`)
	h.ephemeralHas(requester, "no-such-db")

	// A usage error comes back in the ack itself.
	ack := h.slash(requester, "source=x reason=\"no backup nor time\"")
	if !strings.Contains(string(ack.Payload), "backup") {
		t.Errorf("ack: got %s, want a usage error about backup/time", ack.Payload)
	}
	reqs, total, err := h.store().List(h.ctx(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 0 || len(reqs) != 0 || len(h.slack.Messages(approvals_)) != 0 {
		t.Fatalf("refused requests were stored or posted: %d stored, %d messages", total, len(h.slack.Messages(approvals_)))
	}
}

func TestCloudRefusalAndUnknownOutcome(t *testing.T) {
	tests := []struct {
		name      string
		response  gaussdbtest.Response
		wantState approvals.State
		wantText  string
	}{
		{"400 rejected", gaussdbtest.Response{Status: 400, Body: `{"error_code":"DBS.280001","error_msg":"Parameter error."}`}, approvals.StateFailed, "DBS.280001"},
		{"500 unknown", gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.05000000","error_msg":"Server error."}`}, approvals.StateUnknown, "Outcome unknown"},
		{"200 without job id", gaussdbtest.Response{Status: 200, Body: `{}`}, approvals.StateUnknown, "Outcome unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return tt.response })
			h.start()
			h.slash(requester, h.backupCommand(tt.name))
			msg := h.approvalMessage(1)
			h.click(approver, msg, "approve")
			h.threadHas(msg, tt.wantText)
			r, err := h.store().Get(h.ctx(), requestID(t, msg))
			if err != nil {
				t.Fatal(err)
			}
			if r.State != tt.wantState {
				t.Errorf("state: got %s, want %s", r.State, tt.wantState)
			}
			if n := len(h.restoreCalls()); n != 1 {
				t.Fatalf("restore calls: got %d, want exactly 1 (never retried)", n)
			}
		})
	}
}

func TestPointInTimeInRequesterZone(t *testing.T) {
	h := newHarness(t)
	h.start()
	// Yesterday 09:30 wall clock in Shanghai (UTC+8, no DST).
	sh, _ := time.LoadLocation("Asia/Shanghai")
	y := time.Now().In(sh).Add(-24 * time.Hour)
	wall := time.Date(y.Year(), y.Month(), y.Day(), 9, 30, 0, 0, sh)
	h.slash(requester, "source="+h.source.ID+" time=\""+wall.Format("2006-01-02 15:04")+"\" reason=\"pitr\"")
	msg := h.approvalMessage(1)
	if !strings.Contains(string(msg.Blocks), wall.UTC().Format("2006-01-02 15:04:05 UTC")) {
		t.Errorf("approval message should show the UTC instant %s: %s", wall.UTC(), msg.Blocks)
	}
	if !strings.Contains(string(msg.Blocks), "overwrites the current data") {
		t.Errorf("a restore onto the original instance must say it overwrites: %s", msg.Blocks)
	}
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	calls := h.restoreCalls()
	if len(calls) != 1 || calls[0].Call.RestoreTimeMs != wall.UnixMilli() || calls[0].Call.Type != "timestamp" || calls[0].Call.TargetID != h.source.ID {
		t.Fatalf("restore call: got %+v, want restore_time %d onto the source", calls, wall.UnixMilli())
	}
}

func TestReasonIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("<!channel> ping <@UOUT0001> and <https://evil.example|click>"))
	msg := h.approvalMessage(1)
	blocks := blocksText(msg)
	for _, bad := range []string{"<!channel>", "<@UOUT0001>", "<https://evil.example"} {
		if strings.Contains(blocks, bad) || strings.Contains(msg.Text, bad) {
			t.Errorf("approval message contains live markup %q: %s", bad, blocks)
		}
	}
	if !strings.Contains(blocks, "&lt;!channel&gt;") {
		t.Errorf("reason should appear escaped: %s", blocks)
	}
}

func TestPendingSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	b := h.start()
	h.slash(requester, h.backupCommand("survive a restart"))
	msg := h.approvalMessage(1)
	b.stop(t)

	h.start()
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want 1", n)
	}
}

func TestExpiryUpdatesMessage(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("let it expire"))
	msg := h.approvalMessage(1)
	h.clock.Advance(31 * time.Minute)
	h.threadHas(msg, "Expired")
	h.waitFor("buttons removed", func() bool { return !hasButtons(h.current(msg)) })
	h.channelHas(incidents, "expired")
	h.staleClick(approver, msg, "approve", requestID(t, msg)+"|x") // a client that has not seen the update
	h.ephemeralHas(approver, "already expired")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0", n)
	}
}

func TestInterruptedSubmissionIsNotResubmitted(t *testing.T) {
	h := newHarness(t)
	b := h.start()
	h.slash(requester, h.backupCommand("crash mid-call"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	b.stop(t)

	// Another replica wins the approval, then dies before calling: its lease lapses.
	other := h.store(approvals.WithLeaseTTL(50 * time.Millisecond))
	r, _ := other.Get(h.ctx(), id)
	res, err := other.Approve(h.ctx(), id, approver, r.ParamHash)
	if err != nil || !res.Executing {
		t.Fatalf("approve: %+v %v", res, err)
	}
	time.Sleep(100 * time.Millisecond) // let the lease expire in Redis

	h.start()
	// It died before the called marker: nothing was sent, and people are
	// told so (not "outcome unknown").
	h.threadHas(msg, "Not called", "safe to request this restore again")
	got, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.StateFailed || got.Detail != approvals.ReapNotCalledDetail {
		t.Errorf("state: got %s %q, want failed, not called", got.State, got.Detail)
	}
	h.channelHas(incidents, id, "was not called")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0", n)
	}
}

func TestCancelByRequesterOnly(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("cancel me"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.slash(approver, "cancel "+id)
	h.ephemeralHas(approver, "Only the requester")
	h.slash(requester, "cancel "+id)
	h.ephemeralHas(requester, "cancelled")
	h.waitFor("buttons removed", func() bool { return !hasButtons(h.current(msg)) })
	h.channelHas(incidents, "cancelled", id)
}

func TestDryRunShowsRequestAndCallsNothing(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_DRY_RUN"] = "true"
	h.start()
	h.slash(requester, h.backupCommand("rehearsal"))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	reply := h.threadHas(msg, "Dry run", "/instances/restore")
	var body restore.Call
	raw := reply.Text[strings.Index(reply.Text, `{"`) : strings.LastIndex(reply.Text, "}")+1]
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatalf("dry-run body %q: %v", raw, err)
	}
	if body.BackupID != h.backup.ID || body.TargetID != h.target.ID {
		t.Errorf("dry-run body: got %+v", body)
	}
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0 in a dry run", n)
	}
}
